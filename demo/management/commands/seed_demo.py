from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from customers.models import Customer
from demo.context import Progress
from demo.seed import seed_demo
from finance.choices import RenewalModelKind
from finance.models import RenewalModelVersion
from finance.renewals.selectors import MIN_RESOLVED_RENEWALS, resolved_renewal_count
from finance.renewals.services import FitReport, renewal_model_fit


class Command(BaseCommand):
    help = "Load a deterministic demo company (CSMs, customers, stakeholders, plans, history)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=300, help="How many customers.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="Delete all customers first.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if customers already exist."
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--health-weeks",
            type=int,
            default=52,
            help="Weekly health snapshots to backfill (0 = only today's).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["customers"]
        if not 1 <= count <= 1_000_000:
            raise CommandError("--customers must be between 1 and 1,000,000.")
        if Customer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present; skipping (use --reset to rebuild).")
                self._fit_if_missing()
                return
            if not options["reset"]:
                raise CommandError("Customers exist already: pass --reset to rebuild the demo.")
        quiet = options["no_progress"]

        @contextmanager
        def bar(name: str, *, unit: str = "rows", total: int | None = None) -> Iterator[Progress]:
            # " customers": tqdm glues the unit to the number ("300 customers", "12.5 rows/s").
            with tqdm(desc=name, unit=f" {unit}", total=total, disable=quiet) as progress:
                yield progress.update

        company = seed_demo(
            count=count,
            seed=options["seed"],
            health_weeks=max(0, options["health_weeks"]),
            reset=options["reset"],
            bar=bar,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(company.team)} CSMs, {len(company.customers)} customers, "
                f"{company.stakeholders} stakeholders, {company.plans} success plans."
            )
        )
        if company.renewal_model is not None:
            self.stdout.write(renewal_model_line(company.renewal_model))

    def _fit_if_missing(self) -> None:
        """A demo seeded before its seed fitted a model still ends `make run` with one, when
        its history allows a fit (an admin's later choice of version is left alone)."""
        fitted = RenewalModelVersion.objects.filter(kind=RenewalModelKind.FITTED)
        if not fitted.exists() and resolved_renewal_count() >= MIN_RESOLVED_RENEWALS:
            self.stdout.write(renewal_model_line(renewal_model_fit(activate="if_better")))


def renewal_model_line(report: FitReport) -> str:
    """What the seed's renewal-model fit did, in one line."""
    head = f"Renewal model: {report.outcomes} resolved renewals"
    if report.new_version is None:
        return f"{head}; no new version ({report.reason}). Active version: {report.active_version}."
    brier = {score.role: score.evaluation.brier_score for score in report.scores}
    baseline = report.scores[0].evaluation.baseline_brier_score if report.scores else None
    verdict = "activated" if report.activated else "not activated (the prior scores better)"
    return (
        f"{head}; version {report.new_version} fitted on {report.training_size}, {verdict}. "
        f"Hold-out ({report.holdout_size}) Brier: fitted {_number(brier.get('new'))}, "
        f"prior {_number(brier.get('prior'))}, constant {_number(baseline)}."
    )


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
