"""Money in the API: whole currency units (DESIGN.md section 3), Decimal in the database."""

from decimal import ROUND_HALF_UP, Decimal


def whole_units(amount: Decimal | int | None) -> int:
    """Round to whole currency units, halves away from zero (1234.50 -> 1235)."""
    if amount is None:
        return 0
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))
