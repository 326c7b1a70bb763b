from datetime import date
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.clock import today
from product.selectors.partitions import PARENT, Partition, UsageLayout, usage_layout
from product.services.partitions import maintenance_plan, usage_partitions_maintain

ACTIONS = ("show", "maintain")
_SETTINGS_NOTE = (
    "The months ahead and the months kept are settings, not options: "
    "USAGE_PARTITION_MONTHS_AHEAD (1-24, default 3) and USAGE_RETENTION_MONTHS (default 36; "
    "README 'Configuration')."
)


class Command(BaseCommand):
    help = (
        "Usage's monthly partitions on PostgreSQL (README 'Usage partitions'). `show` (the "
        "default) lists them with their rows and size and what the next maintenance would do; "
        "`maintain` does it now, as the daily task product.maintain_usage_partitions does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # No argparse `choices`: with them `--months 3` read "3" as the action and said only
        # "invalid choice: '3'". The action is checked in handle, which names the settings.
        parser.add_argument(
            "action",
            nargs="?",
            default="show",
            metavar="{show,maintain}",
            help="show (the default): the partitions and the next run's plan; maintain: run it.",
        )
        parser.epilog = _SETTINGS_NOTE

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """argparse's own errors (`--months 3`: "unrecognized arguments: --months") also say
        where the months come from."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        refuse = parser.error

        def error(message: str) -> NoReturn:
            refuse(f"{message}. {_SETTINGS_NOTE}")
            raise AssertionError("unreachable: error() exits or raises CommandError")

        parser.error = error  # type: ignore[method-assign]
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] not in ACTIONS:
            raise CommandError(
                f"Unknown action {options['action']!r}: use one of {', '.join(ACTIONS)} "
                f"(default show). {_SETTINGS_NOTE}"
            )
        if options["action"] == "maintain":
            result = usage_partitions_maintain(today=today())
            self.stdout.write("Maintenance:")
            for line in result.lines():
                self.stdout.write(f"  {line}")
            self.stdout.write("")
        self.show(usage_layout())

    def show(self, layout: UsageLayout) -> None:
        ahead = settings.USAGE_PARTITION_MONTHS_AHEAD
        retention = settings.USAGE_RETENTION_MONTHS
        if not layout.partitioned:
            self.stdout.write(
                f"{PARENT} is one plain table (SQLite, or migration product.0006 not applied): "
                "no partitions to show or maintain."
            )
            return
        day = today()
        plan = maintenance_plan(layout, today=day, months_ahead=ahead, retention_months=retention)
        self.stdout.write(
            f"{PARENT}: partitioned by month, {len(layout.ranges)} months + DEFAULT "
            f"(today {day}; USAGE_PARTITION_MONTHS_AHEAD={ahead}, "
            f"USAGE_RETENTION_MONTHS={retention}: months before {plan.keep_from:%Y-%m} "
            "are dropped)."
        )
        self.stdout.write(
            f"  {'partition':<36} {'from':<10}  {'to (excl.)':<10}  "
            f"{'rows (est.)':>12}  {'size':>9}"
        )
        for partition in [*layout.ranges, *([layout.default] if layout.default else [])]:
            self.stdout.write(self._row(partition))
        if layout.default_months:
            months = ", ".join(f"{m.start:%Y-%m}" for m in layout.default_months)
            self.stdout.write(f"  DEFAULT holds rows of: {months}")
        if plan.empty:
            self.stdout.write("Next maintenance: nothing to do.")
            return
        self.stdout.write("Next maintenance would:")
        for month in plan.create:
            moving = " (moving its rows out of DEFAULT)" if month in layout.default_months else ""
            self.stdout.write(f"  create {month.name}{moving}")
        for partition in plan.drop:
            self.stdout.write(f"  drop {partition.name} (every day older than retention)")
        if plan.purge_default:
            self.stdout.write(f"  delete DEFAULT's rows dated before {plan.keep_from}")

    @staticmethod
    def _row(p: Partition) -> str:
        rows = "not analysed" if p.estimated_rows is None else f"{p.estimated_rows:,}"
        start = _bound(p.start, "DEFAULT")
        end = _bound(p.end, "")
        flag = "" if p.managed or p.start is None else "  (not ours: never dropped)"
        return f"  {p.name:<36} {start:<10}  {end:<10}  {rows:>12}  {_size(p.total_bytes):>9}{flag}"


def _bound(day: date | None, missing: str) -> str:
    if day is None:
        return missing
    return {date.min: "MINVALUE", date.max: "MAXVALUE"}.get(day, day.isoformat())


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
