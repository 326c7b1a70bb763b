"""Money in the API: whole currency units (DESIGN.md section 3), Decimal in the database."""

from decimal import Decimal

from .rounding import round_half_up

# The money columns (14 digits, 2 decimals) hold at most this; inputs are bounded by it.
MAX_MONEY_COLUMN = Decimal("999999999999.99")


def whole_units(amount: Decimal | int | None) -> int:
    """Round to whole currency units, half-up (1234.50 -> 1235)."""
    if amount is None:
        return 0
    return round_half_up(Decimal(amount))
