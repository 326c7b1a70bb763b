from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from demo.access import default_state_file, demo_access


class Command(BaseCommand):
    help = (
        "Print the demo admin login, a full-scope demo API key and a CSM's login: the same "
        "across restarts of this checkout (kept in .run/demo-access.json, mode 0600), made "
        "anew only when the database no longer accepts them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the server listens."
        )
        parser.add_argument(
            "--state-file", type=Path, default=None, help="Default: .run/demo-access.json."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base_url"].rstrip("/")
        path = options["state_file"] or default_state_file()
        access = demo_access(path)
        for note in access.notes:
            self.stdout.write(f"  {note}")
        key = access.api_key
        lines = [
            "",
            f"  Admin:    {base}/admin/   user admin  password {access.admin_password}",
        ]
        if access.csm_username:
            lines.append(
                f"  CSM:      {base}/admin/cockpit/my/tasks/   user {access.csm_username}  "
                f"password {access.csm_password}"
            )
        lines += [
            f"  API docs: {base}/api/docs/",
            f"  API key:  {key}",
            f"  Try:      curl -H 'Authorization: Api-Key {key}' {base}/api/v1/customers",
            f"  (kept in {path}; the same next time)",
            "",
        ]
        self.stdout.write("\n".join(lines))
