import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES

DEMO_KEY_NAME = "demo (make run)"


class Command(BaseCommand):
    help = "Create or refresh the demo admin login and a full-scope demo API key; print both."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the server listens."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base_url"].rstrip("/")
        user_model = get_user_model()
        password = secrets.token_urlsafe(12)
        user, _ = user_model.objects.get_or_create(
            username="admin", defaults={"email": "admin@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked=False).update(revoked=True)
        _, key = ApiKey.objects.create_key(name=DEMO_KEY_NAME, scopes=list(ALL_SCOPES))
        self.stdout.write(
            f"\n  Admin:    {base}/admin/   user admin  password "
            f"{password}\n  API docs: {base}/api/docs/\n"
            f"  API key:  {key}\n  Try:      curl -H 'Authorization: Api-Key {key}' "
            f"{base}/api/v1/customers\n"
        )
