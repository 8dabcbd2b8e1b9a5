"""How the station writes money and times, the same in the window and the CLI; and the
one reader of a price a person types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from packstation.api.fields import uk_zone

PENCE = Decimal("0.01")


def pounds(value: Decimal) -> str:
    return f"£{value:,.2f}"


def pence_as_pounds(pence: int) -> str:
    """A value kept in whole pence (a manifest's), shown as ``pounds``."""
    return pounds(Decimal(pence) / 100)


def uk_time(value: datetime | None, missing: str = "") -> str:
    """UK format in UK time: ``27/11/2024 16:10``."""
    return value.astimezone(uk_zone()).strftime("%d/%m/%Y %H:%M") if value else missing


def price_problem(value: Decimal) -> str | None:
    """Why ``value`` is not a price Smart Gift takes (positive pounds and pence), or None."""
    if not value.is_finite():
        return "Enter a price in pounds, like 3.40."
    if value <= 0:
        return "The price must be more than £0.00."
    if value != value.quantize(PENCE):
        return "Pounds and pence only: at most two decimal places."
    return None


@dataclass(frozen=True, slots=True)
class PriceReading:
    value: Decimal | None
    problem: str | None  # None when ``value`` is a good price


def read_price(text: str, *, required: bool = True) -> PriceReading:
    """``"3.4"``, ``"£3.40"`` or ``"1,250.00"`` in pounds; positive, at most two decimals."""
    cleaned = text.strip().removeprefix("£").replace(",", "").strip()
    if not cleaned:
        return PriceReading(None, "Enter a price in pounds, like 3.40." if required else None)
    if len(cleaned) > 20:
        return PriceReading(None, "That is not a price; enter pounds, like 3.40.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return PriceReading(None, f"“{text.strip()[:20]}” is not an amount; enter pounds, "
                                  "like 3.40.")
    problem = price_problem(value)
    return PriceReading(None, problem) if problem else PriceReading(value.quantize(PENCE), None)
