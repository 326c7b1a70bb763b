from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from customers.health.rescore import customers_recompute, live_customer_pks
from customers.models import Customer


class Command(BaseCommand):
    help = (
        "Recompute health now with the active health model: every active customer, or the "
        "ones named with --customer (their customer_id; churned ones are skipped). Writes "
        "snapshots and health events as the nightly run does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customer",
            action="append",
            metavar="ID",
            default=[],
            help="A customer_id (repeat for several). Default: every active customer.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted: list[str] = list(dict.fromkeys(options["customer"]))
        if wanted:
            found = dict(
                Customer.objects.filter(customer_id__in=wanted).values_list("customer_id", "pk")
            )
            unknown = [cid for cid in wanted if cid not in found]
            if unknown:
                raise CommandError(f"No customer with customer_id {', '.join(unknown)}.")
            pks = [found[cid] for cid in wanted]
        else:
            pks = live_customer_pks()
        with tqdm(
            total=len(pks),
            desc="health",
            unit="customers",
            disable=options["no_progress"],
        ) as bar:
            summary = customers_recompute(customer_pks=pks, on_batch=bar.update)
            bar.update(summary.skipped_churned)  # handled too: looked at, not scored
        self.stdout.write(summary.text())
