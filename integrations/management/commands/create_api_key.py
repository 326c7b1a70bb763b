from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.keys import InvalidKeySettings, expiry_in_days, validate_key_settings
from integrations.models import ApiKey
from integrations.scopes import InvalidScope, parse_scopes

OPTION_OF = {
    "name": "--name",
    "scopes": "--scopes",
    "throttle_rate": "--rate",
    "expiry_date": "--expires-in-days",
}


class Command(BaseCommand):
    help = "Create an API key with scopes and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="What the key is for (max 50 chars).")
        parser.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated, e.g. customers:read,product:write; * = all.",
        )
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="1 to 3650 (ten years)."
        )
        parser.add_argument("--rate", default="", help="Per-key throttle such as 600/min.")

    def handle(self, *args: Any, **options: Any) -> None:
        # The admin form validates with the same function (validate_key_settings).
        try:
            scopes = parse_scopes(options["scopes"])
        except InvalidScope as exc:
            raise CommandError(f"--scopes: {exc}") from None
        try:
            days = options["expires_in_days"]
            settings = validate_key_settings(
                name=options["name"],
                scopes=scopes,
                throttle_rate=options["rate"],
                expiry_date=None if days is None else expiry_in_days(days),
            )
        except InvalidKeySettings as exc:
            raise CommandError(
                " ".join(f"{OPTION_OF[field]}: {message}" for field, message in exc.errors.items())
            ) from None
        _, key = ApiKey.objects.create_key(
            name=settings.name,
            scopes=settings.scopes,
            expiry_date=settings.expiry_date,
            throttle_rate=settings.throttle_rate,
        )
        self.stdout.write(key)
        self.stderr.write(f"scopes: {', '.join(settings.scopes)} (the key is shown only once)")
