from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from integrations.models import RATE_RE, ApiKey
from integrations.scopes import InvalidScope, parse_scopes


class Command(BaseCommand):
    help = "Create an API key with scopes and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="What the key is for (max 50 chars).")
        parser.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated, e.g. customers:read,product:write; * = all.",
        )
        parser.add_argument("--expires-in-days", type=int, default=None)
        parser.add_argument("--rate", default="", help="Per-key throttle such as 600/min.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name or len(name) > 50:
            raise CommandError("--name must be 1 to 50 characters.")
        try:
            scopes = parse_scopes(options["scopes"])
        except InvalidScope as exc:
            raise CommandError(str(exc)) from None
        expiry = None
        if options["expires_in_days"] is not None:
            if options["expires_in_days"] <= 0:
                raise CommandError("--expires-in-days must be positive.")
            expiry = timezone.now() + timedelta(days=options["expires_in_days"])
        if options["rate"] and not RATE_RE.fullmatch(options["rate"]):
            raise CommandError("--rate must look like 600/min (N/s, N/min, N/h or N/day).")
        _, key = ApiKey.objects.create_key(
            name=name, scopes=scopes, expiry_date=expiry, throttle_rate=options["rate"]
        )
        self.stdout.write(key)
        self.stderr.write(f"scopes: {', '.join(scopes)} (the key is shown only once)")
