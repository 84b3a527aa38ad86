"""Money in kroner: exact decimals, rounded half up to the øre once, where a figure is final."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

ORE: Final = Decimal("0.01")
ZERO: Final = Decimal("0.00")


def to_decimal(value: object) -> Decimal:
    """A stored JSON number (int or float as decoded) or a numeric string as the exact decimal it was written as."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"not a number: {value!r}")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def kroner(value: Fraction | Decimal | int) -> Decimal:
    """An exact amount rounded half up to the øre (the only place where amounts are rounded)."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))  # half up, in exact integer arithmetic
    return (Decimal(cents if exact >= 0 else -cents) / 100).quantize(ORE)


def fraction(value: Decimal | int) -> Fraction:
    return Fraction(value)


def text(amount: Decimal | None) -> str | None:
    """Kroner with two decimals, as the JSON and CSV reads show them (strings keep them exact)."""
    return None if amount is None else f"{amount.quantize(ORE, rounding=ROUND_HALF_UP)}"
