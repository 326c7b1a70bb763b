"""The one rounding of every published number (README, "Definitions: rounding"): half-up,
halves away from zero (74.5 -> 75, 0.12345 -> 0.1235), never Python's half-to-even round()."""

from decimal import ROUND_HALF_UP, Decimal
from typing import overload


@overload
def round_half_up(value: float | Decimal) -> int: ...


@overload
def round_half_up(value: float | Decimal, ndigits: int) -> float: ...


def round_half_up(value: float | Decimal, ndigits: int | None = None) -> int | float:
    """`value` rounded half-up to an int, or to `ndigits` decimals as a float. Floats are
    taken at their shortest repr (so 2.675 rounds to 2.68, as it reads)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-(ndigits or 0)), rounding=ROUND_HALF_UP)
    return int(rounded) if ndigits is None else float(rounded)
