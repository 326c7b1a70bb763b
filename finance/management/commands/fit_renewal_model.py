from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from finance.renewals.selectors import MIN_RESOLVED_RENEWALS
from finance.renewals.services import ACTIVATE, FitReport, renewal_model_fit
from integrations.domain_errors import DomainError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of must be a date YYYY-MM-DD, not {text!r}.") from None


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


class Command(BaseCommand):
    help = (
        "Fit a new renewal-model version on the resolved renewals, score it with the prior "
        "and the active version on the latest 20 % of decisions, and activate it by the rule "
        "(README, 'Finance: renewal model')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="Decisions up to this day (default today).")
        parser.add_argument("--min-outcomes", type=int, default=MIN_RESOLVED_RENEWALS)
        parser.add_argument("--activate", choices=ACTIVATE, default="if_better")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _day(options["as_of"]) if options["as_of"] else None
        with tqdm(desc="features", unit="renewal", disable=options["no_progress"]) as bar:
            try:
                report = renewal_model_fit(
                    as_of=as_of,
                    min_outcomes=options["min_outcomes"],
                    activate=options["activate"],
                    progress=bar.update,
                )
            except DomainError as exc:
                raise CommandError(exc.text()) from None
        self.stdout.write(summary(report))


def summary(report: FitReport) -> str:
    lines = [
        f"Resolved renewals by {report.as_of}: {report.outcomes} "
        f"(training {report.training_size}, hold-out {report.holdout_size}"
        + (
            f", decided {report.holdout_from}..{report.holdout_until})"
            if report.holdout_from
            else ")"
        )
    ]
    if report.new_version is None:
        lines.append(f"No new version: {report.reason}.")
    else:
        lines.append(f"Fitted version {report.new_version}.")
        if report.constant_features:
            lines.append(f"Not learnt (constant): {', '.join(report.constant_features)}.")
    for score in report.scores:
        e = score.evaluation
        seen = " [in-sample: trained on this hold-out; not stored]" if score.in_sample else ""
        lines.append(
            f"  v{score.version} ({score.role}, {score.kind}): Brier {_number(e.brier_score)}, "
            f"log loss {_number(e.log_loss)}, AUC {_number(e.auc)}{seen}"
        )
    if report.scores:
        baseline = report.scores[0].evaluation.baseline_brier_score
        lines.append(
            f"  baseline (training renewal rate {_number(report.baseline_rate)}): "
            f"Brier {_number(baseline)}"
        )
    active = f"Active version: {report.active_version}."
    if report.new_version is not None:
        verdict = "activated" if report.activated else "not activated"
        active = f"Version {report.new_version} {verdict}. {active}"
    lines.append(active)
    return "\n".join(lines)
