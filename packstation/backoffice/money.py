"""Reading an amount of money typed by a person: pounds and pence, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PENCE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PriceReading:
    value: Decimal | None
    problem: str | None  # None when ``value`` is a good price


def read_price(text: str, *, required: bool = True) -> PriceReading:
    """``"3.4"``, ``"£3.40"`` or ``"1,250.00"`` in pounds; positive, at most two decimals."""
    cleaned = text.strip().removeprefix("£").replace(",", "").strip()
    if not cleaned:
        return PriceReading(None, "Enter a price in pounds, like 3.40." if required else None)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return PriceReading(None, f"“{text.strip()}” is not an amount; enter pounds, like 3.40.")
    if not value.is_finite():
        return PriceReading(None, "Enter a price in pounds, like 3.40.")
    if value <= 0:
        return PriceReading(None, "The price must be more than £0.00.")
    if value != value.quantize(PENCE):
        return PriceReading(None, "Pounds and pence only: at most two decimal places.")
    return PriceReading(value.quantize(PENCE), None)


def pounds(value: Decimal) -> str:
    return f"£{value:,.2f}"
