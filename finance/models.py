from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from customers.models import Customer
from integrations.clock import quarter_bounds
from integrations.history import history_records
from integrations.ids import (
    QUARTER_MESSAGE,
    QUARTER_PATTERN,
    FullMatchRegexValidator,
    KeyValidator,
)

from .choices import (
    ContractStatus,
    OpportunitySource,
    OpportunityStatus,
    OpportunityType,
    RenewalModelKind,
    ValueCategory,
)

TERM_RE = r"^[1-9][0-9]?_(year|month)$"


def term_months(term: str) -> int:
    """`3_year` -> 36, `6_month` -> 6 (the term is validated against TERM_RE on input)."""
    count, unit = term.split("_", 1)
    return int(count) * (12 if unit == "year" else 1)


def annual_value_of(value: Decimal, term: str) -> Decimal:
    return (Decimal(value) * 12 / term_months(term)).quantize(Decimal("0.01"), ROUND_HALF_UP)


term_validator = FullMatchRegexValidator(TERM_RE, "A term like 1_year, 3_year or 6_month.")
record_id_validator = KeyValidator()


class Contract(models.Model):
    """A subscription contract as the finance system of record reports it."""

    contract_id = models.CharField(
        max_length=64,
        unique=True,
        validators=[record_id_validator],
        help_text="The finance system's own key, e.g. ctr_2024_001.",
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    start_date = models.DateField()
    end_date = models.DateField()
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="Total contract value over the whole term.",
    )
    term = models.CharField(max_length=20, validators=[term_validator])
    annual_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        editable=False,
        help_text="value x 12 / term months: the contract's ARR. Derived on every write.",
    )
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    renewed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewals",
        help_text="The contract this one renews.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        ordering = ["contract_id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="contract_customer_idx"),
            models.Index(fields=["status", "end_date"], name="contract_status_end_idx"),
        ]

    def __str__(self) -> str:
        return self.contract_id


class Invoice(models.Model):
    invoice_id = models.CharField(
        max_length=64,
        unique=True,
        validators=[record_id_validator],
        help_text="The finance system's own key, e.g. inv_2026_0042.",
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invoices")
    issued_on = models.DateField()
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    paid_at = models.DateTimeField(null=True, blank=True, help_text="Empty while unpaid.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["invoice_id"]
        indexes = [
            models.Index(fields=["customer", "due_on"], name="invoice_customer_due_idx"),
            models.Index(fields=["paid_at", "due_on"], name="invoice_paid_due_idx"),
        ]

    def __str__(self) -> str:
        return self.invoice_id


def quarter_end(quarter: str) -> date:
    """`q2_2026` -> 2026-06-30, the quarter's last day (validated against QUARTER_PATTERN)."""
    return quarter_bounds(quarter)[1]


class ExpansionOpportunity(models.Model):
    """An expansion opportunity (upsell, cross-sell, add-on) as CRM or CS reports it.
    (Not `Opportunity`: that name is the recommendation rules' finding, integrations.rules.)"""

    opportunity_id = models.CharField(
        max_length=64, unique=True, validators=[record_id_validator], help_text="e.g. opp_2026_01"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="expansion_opportunities"
    )
    type = models.CharField(max_length=12, choices=OpportunityType.choices)
    product = models.CharField(max_length=200, help_text="A feature id or a product name.")
    value = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    probability = models.FloatField(help_text="0..1")
    expected_close = models.CharField(
        max_length=7,
        validators=[FullMatchRegexValidator(QUARTER_PATTERN, QUARTER_MESSAGE)],
        help_text="A quarter, e.g. q2_2026.",
    )
    expected_close_date = models.DateField(
        editable=False, help_text="The last day of expected_close; derived on every write."
    )
    status = models.CharField(
        max_length=4, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    closed_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The value won; required when won.",
    )
    closed_on = models.DateField(null=True, blank=True, help_text="Required when won or lost.")
    source = models.CharField(max_length=8, choices=OpportunitySource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["opportunity_id"]
        verbose_name_plural = "expansion opportunities"
        indexes = [
            models.Index(fields=["customer", "status"], name="opportunity_customer_idx"),
            models.Index(fields=["status", "closed_on"], name="opportunity_status_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.opportunity_id


class ValueRecord(models.Model):
    """Value a customer realised (a saving, a gain), with its evidence."""

    record_id = models.CharField(
        max_length=64, unique=True, validators=[record_id_validator], help_text="e.g. val_2026_01"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="value_records")
    date = models.DateField()
    category = models.CharField(max_length=14, choices=ValueCategory.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    evidence = models.TextField(max_length=2000, blank=True, help_text="Text or a link.")
    recorded_by = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["record_id"]
        indexes = [models.Index(fields=["customer", "date"], name="value_record_customer_idx")]

    def __str__(self) -> str:
        return self.record_id


def _total(**kwargs: str) -> models.DecimalField:
    """A forecast total: up to 10,000 customers' money, wider than one record's column."""
    return models.DecimalField(max_digits=18, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class Forecast(models.Model):
    """One submitted version of the CS revenue forecast for a quarter (README, "Finance:
    forecasts"): the submitted aggregate metrics beside the server's recomputation."""

    forecast_id = models.CharField(max_length=64, unique=True)
    period = models.CharField(max_length=7, help_text="A quarter, e.g. q2_2026.")
    version = models.PositiveIntegerField(help_text="Per period, from 1.")
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.CharField(max_length=200, blank=True)
    submitted_total = _total()
    submitted_risk_adjusted = _total()
    confidence_level = models.FloatField(help_text="As submitted; not used by the server.")
    expected_renewal = _total()
    expected_expansion = _total()
    total = _total()
    risk_adjusted = _total()

    class Meta:
        ordering = ["period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="forecast_period_version")
        ]

    def __str__(self) -> str:
        return f"{self.period} v{self.version} ({self.forecast_id})"


class ForecastLine(models.Model):
    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    renewal_probability = models.FloatField()
    expansion_probability = models.FloatField()
    expansion_value = models.DecimalField(max_digits=14, decimal_places=2)
    risk_factors = models.JSONField(default=list, blank=True)
    arr = models.DecimalField(max_digits=14, decimal_places=2, help_text="ARR when submitted.")
    expected_renewal = models.DecimalField(max_digits=14, decimal_places=2)
    expected_expansion = models.DecimalField(max_digits=14, decimal_places=2)
    model_renewal_probability = models.FloatField(
        null=True,
        blank=True,
        help_text="The renewal model's probability at submission; empty: no active contract.",
    )
    model_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The renewal model version active at submission (empty: none was).",
    )

    class Meta:
        ordering = ["forecast", "position"]
        constraints = [
            models.UniqueConstraint(fields=["forecast", "customer"], name="forecast_line_customer")
        ]

    def __str__(self) -> str:
        return f"#{self.position}: {self.customer.customer_id}"


class RenewalModelVersion(models.Model):
    """One version of the renewal-probability model (README, "Finance: renewal model").

    log-odds = intercept + Σ coefficient x (value - mean) / scale over `terms`; a missing
    value is imputed at its mean (contributes 0). Fitted versions come from
    `finance.renewals.services.renewal_model_fit`; the prior is seeded by a migration and its
    terms are editable in the admin. Exactly one version is active (chosen in the admin)."""

    version = models.PositiveIntegerField(unique=True, help_text="From 1 (the seeded prior).")
    kind = models.CharField(max_length=8, choices=RenewalModelKind.choices)
    is_active = models.BooleanField(default=False, help_text="The version that scores renewals.")
    intercept = models.FloatField()
    terms = models.JSONField(
        help_text='[{"feature": "health_score", "coefficient": 0.9, "mean": 70, "scale": 15}, ...]'
    )
    library = models.CharField(max_length=200, blank=True, help_text="What fitted it.")
    training_size = models.PositiveIntegerField(null=True, blank=True)
    trained_from = models.DateField(null=True, blank=True, help_text="First decision date.")
    trained_until = models.DateField(null=True, blank=True, help_text="Last decision date.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="renewal_model_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.kind}{', active' if self.is_active else ''})"


class RenewalModelEvaluation(models.Model):
    """A version's scores on a time-ordered hold-out (the latest 20 % of resolved renewals at
    the time of a fit run). A fit run evaluates the new version and the prior on the same
    hold-out, so they compare like for like."""

    model_version = models.ForeignKey(
        RenewalModelVersion, on_delete=models.CASCADE, related_name="evaluations"
    )
    evaluated_at = models.DateTimeField(default=timezone.now)
    holdout_from = models.DateField(help_text="First decision date in the hold-out.")
    holdout_until = models.DateField(help_text="Last decision date in the hold-out.")
    sample_size = models.PositiveIntegerField()
    renewed = models.PositiveIntegerField(help_text="Positives in the hold-out.")
    brier_score = models.FloatField()
    log_loss = models.FloatField()
    auc = models.FloatField(null=True, blank=True, help_text="Null when one class is missing.")
    baseline_brier_score = models.FloatField(
        help_text="Brier score of always predicting the training renewal rate."
    )
    calibration = models.JSONField(
        help_text='By probability decile: [{"decile": 1, "predicted_mean": .., '
        '"observed_rate": .., "count": ..}, ...]'
    )

    class Meta:
        ordering = ["-evaluated_at", "-pk"]
        indexes = [models.Index(fields=["model_version", "-evaluated_at"], name="renewal_eval_idx")]

    def __str__(self) -> str:
        return f"{self.model_version} on {self.holdout_from}..{self.holdout_until}"


class RenewalRiskSummary(models.Model):
    """The renewals due in the next `days` days as `finance.renewals.summary` counted them at
    `computed_at` (README, "The admin: the CS dashboard"): a precomputed aggregate, refreshed
    by beat every few minutes and on a read that finds it too old, for another day or another
    model version. Not invalidated by the contracts, usage or health it was counted from:
    it may be up to its reader's max age old."""

    days = models.PositiveIntegerField(unique=True, help_text="The window: (as_of, as_of + days].")
    as_of = models.DateField()
    model_version = models.PositiveIntegerField(help_text="The renewal model version it scored.")
    renewals = models.PositiveIntegerField(help_text="Renewals due (one per customer).")
    arr = models.DecimalField(max_digits=16, decimal_places=2)
    arr_at_risk = models.DecimalField(max_digits=16, decimal_places=2)
    top = models.JSONField(help_text="The largest ARR at risk first, as the dashboard shows them.")
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.days} days as of {self.as_of} (v{self.model_version})"
