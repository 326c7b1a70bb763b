import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from customers import demo
from customers.models import Customer, Milestone, TeamMember


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
                return
            if not options["reset"]:
                raise CommandError("Customers exist already: pass --reset to rebuild the demo.")
        rng = random.Random(options["seed"])
        now = demo.demo_now()
        quiet = options["no_progress"]

        with transaction.atomic():
            if options["reset"]:
                Customer.objects.all().delete()
                TeamMember.objects.all().delete()
            team = demo.build_team(rng, count)
            TeamMember.objects.bulk_create(team)
            customers = demo.build_customers(rng, count, team, now)
            stakeholders, plans, milestones = demo.build_people_and_plans(
                rng, customers, now.date()
            )
            history = demo.stage_history(customers, now)
            total = len(customers) + len(stakeholders) + len(plans) + len(history)
            total += sum(len(m) for m in milestones)
            with tqdm(total=total, desc="customers", unit="row", disable=quiet) as bar:
                demo.bulk_insert(Customer, customers, bar.update)
                demo.bulk_insert(type(stakeholders[0]), stakeholders, bar.update)
                demo.bulk_insert(type(plans[0]), plans, bar.update)
                flat = []
                for plan, items in zip(plans, milestones, strict=True):
                    for milestone in items:
                        milestone.plan = plan
                        flat.append(milestone)
                demo.bulk_insert(Milestone, flat, bar.update)
                demo.bulk_insert(type(history[0]), history, bar.update)
            context = demo.DemoContext(
                rng=rng,
                today=now.date(),
                now=now,
                customers=customers,
                health_weeks=max(0, options["health_weeks"]),
            )
            for name, step in demo.seed_steps():
                with tqdm(desc=name, unit="row", disable=quiet) as bar:
                    step(context, bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(team)} CSMs, {len(customers)} customers, {len(stakeholders)} "
                f"stakeholders, {len(plans)} success plans."
            )
        )
