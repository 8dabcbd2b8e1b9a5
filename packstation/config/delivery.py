"""How each Smart Gift delivery method is sent, described once for the whole app.

Jobs name their method (``delivery_method_name``) but carry no id, so a record is
found by that name; the id is kept when an agreement tells it. ``tracking`` says what
a dispatch scan must be: a ``carrier``'s number (of the ``carrier`` expected, if one
is named), an ``internal`` reference of the provider's, or nothing (``untracked``).
``transit_days``: working days from leaving the bench to the door (the "leave by" day,
``packstation.leave_by``). ``courier``: booked with the last-mile courier
(``packstation.courier``), its job's comment from ``courier_comment`` (a template).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from packstation.tracking.carriers import CARRIERS

MAX_METHODS = 500  # far more than any provider has; a hostile file cannot grow the dialog
MAX_NAME = 200
DEFAULT_TRANSIT_DAYS = 1
MAX_TRANSIT_DAYS = 20  # working days (as leave_by's bound)
MAX_COMMENT = 500


class Tracking(StrEnum):
    CARRIER = "carrier"
    INTERNAL = "internal"
    UNTRACKED = "untracked"


TRACKING_WORDS = {
    Tracking.CARRIER: "a carrier's tracking number",
    Tracking.INTERNAL: "our own reference",
    Tracking.UNTRACKED: "untracked (no reference)",
}


@dataclass(frozen=True, slots=True)
class DeliveryMethod:
    name: str
    tracking: Tracking = Tracking.CARRIER
    carrier: str = ""  # expected carrier's id (tracking.carriers); "" when none is named
    id: int | None = None
    transit_days: int = DEFAULT_TRANSIT_DAYS
    courier: bool = False  # booked with the courier: BOOK, not a label's number
    courier_comment: str = ""  # the courier job's comment: {order}, {recipient}, {method}

    @property
    def carrier_name(self) -> str:
        return CARRIERS.get(self.carrier, "")

    def describe(self) -> str:
        if self.courier:
            return f"{self.name}: booked with the courier"
        if self.tracking is Tracking.CARRIER and self.carrier:
            return f"{self.name}: {self.carrier_name} tracking number"
        return f"{self.name}: {TRACKING_WORDS[self.tracking]}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "tracking": self.tracking.value, "carrier": self.carrier,
                "id": self.id, "transit_days": self.transit_days, "courier": self.courier,
                "courier_comment": self.courier_comment}


def method_from_json(raw: Any) -> DeliveryMethod | None:
    """One record from a settings file, or None when it cannot be one (it is dropped,
    not guessed at). An unknown carrier becomes "none named"."""
    if not isinstance(raw, dict):
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        return None
    try:
        tracking = Tracking(raw.get("tracking", Tracking.CARRIER.value))
    except ValueError:
        return None
    carrier = raw.get("carrier", "")
    carrier = carrier if isinstance(carrier, str) and carrier in CARRIERS else ""
    method_id = raw.get("id")
    if isinstance(method_id, bool) or not isinstance(method_id, int) \
            or not 0 < method_id < 2**53:
        method_id = None
    transit = raw.get("transit_days", DEFAULT_TRANSIT_DAYS)
    if isinstance(transit, bool) or not isinstance(transit, int) \
            or not 0 <= transit <= MAX_TRANSIT_DAYS:
        transit = DEFAULT_TRANSIT_DAYS  # hand-edited into nonsense: the default
    courier = raw.get("courier") is True
    comment = raw.get("courier_comment", "")
    comment = comment if isinstance(comment, str) and len(comment) <= MAX_COMMENT \
        and comment.isprintable() else ""
    return DeliveryMethod(name, tracking, carrier, method_id, transit, courier, comment)


def methods_from_json(raw: Any) -> dict[str, DeliveryMethod]:
    if not isinstance(raw, list):
        return {}
    found = (method_from_json(item) for item in raw[:MAX_METHODS])
    return {m.name: m for m in found if m is not None}


# The demo's sandbox methods (sandbox.data.DELIVERY_METHODS), so --demo shows each kind.
DEMO_METHODS = (
    DeliveryMethod("Gift Letter", Tracking.UNTRACKED, "royal-mail", 97),
    DeliveryMethod("Gift Envelope", Tracking.INTERNAL, "", 98, courier=True,
                   courier_comment="Gift for {recipient}, order {order}: please hand over "
                                   "in person."),
    DeliveryMethod("Gift Box", Tracking.CARRIER, "dpd", 99),
)
