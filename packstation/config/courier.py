"""The courier's settings: the last-mile service jobs of a "booked with the courier" method
are handed to (issue 20). Its key is in the OS keyring (``config.keys``), never here.

Read from a hand-editable file, so every field is checked where it is read: a value that
cannot be one is the default, a text is bounded and printable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Final

COURIER_URL: Final = "https://api.xandar.instaleap.io"  # seen in public clients
CONTACT_LESS: Final = ("", "LeaveInReception", "LeaveAtTheDoor")
VALUE_UNITS: Final = ("minor", "major")  # pence (the service's examples) or pounds
MAX_TEXT: Final = 200
MIN_SLOT, DEFAULT_SLOT, MAX_SLOT = 15, 120, 1440  # minutes


@dataclass(frozen=True, slots=True)
class CollectionAddress:
    """Where the courier collects: the site's own address (the availability's origin)."""

    name: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    country: str = "GB"
    description: str = ""

    def missing(self) -> list[str]:
        """The parts a courier cannot do without, by name, when empty."""
        return [f.name for f in fields(self)
                if f.name in ("name", "address", "city", "zip_code", "country")
                and not getattr(self, f.name).strip()]

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CourierSettings:
    api_url: str = ""  # empty: no courier set up (the window and CLI say so)
    collection: CollectionAddress = field(default_factory=CollectionAddress)
    store_reference: str = ""
    slot_minutes: int = DEFAULT_SLOT
    operational_model: str = "FULL_SERVICE"
    # The job's customer is the gift's buyer, not its recipient: their e-mail and phone go
    # to the courier only when the provider says so.
    send_buyer_contact: bool = False
    value_unit: str = "minor"
    add_delivery_code: bool = False  # never with the buyer's contact (see delivery_code)
    contact_less: str = ""
    book_earliest: bool = False  # BOOK books the earliest slot (no choice shown)

    @property
    def delivery_code(self) -> bool:
        """Whether a delivery code is asked for: never when the buyer's contact is sent, as
        the code would go to the buyer of a gift, not to whoever opens the door."""
        return self.add_delivery_code and not self.send_buyer_contact


def _text(raw: Any, default: str = "", limit: int = MAX_TEXT) -> str:
    if not isinstance(raw, str) or len(raw) > limit or not raw.isprintable():
        return default
    return raw.strip()


def courier_from_json(raw: Any) -> CourierSettings:
    """The record of a settings file; what cannot be a value is the default."""
    if not isinstance(raw, dict):
        return CourierSettings()
    where = raw.get("collection")
    where = where if isinstance(where, dict) else {}
    collection = CollectionAddress(**{f.name: _text(where.get(f.name), str(f.default))
                                      for f in fields(CollectionAddress)})
    slot = raw.get("slot_minutes")
    flags = {name: raw[name] for name in ("send_buyer_contact", "add_delivery_code",
                                          "book_earliest") if isinstance(raw.get(name), bool)}
    unit, contact_less = raw.get("value_unit"), raw.get("contact_less")
    return replace(
        CourierSettings(), **flags,
        api_url=_text(raw.get("api_url"), limit=500).rstrip("/"),
        collection=collection,
        store_reference=_text(raw.get("store_reference")),
        slot_minutes=slot if isinstance(slot, int) and not isinstance(slot, bool)
        and MIN_SLOT <= slot <= MAX_SLOT else DEFAULT_SLOT,
        operational_model=_text(raw.get("operational_model"), "FULL_SERVICE", 40)
        or "FULL_SERVICE",
        value_unit=unit if unit in VALUE_UNITS else "minor",
        contact_less=contact_less if contact_less in CONTACT_LESS else "")


# The demo's courier: the sandbox's stand-in, collecting from a made-up unit in Leeds.
DEMO_COLLECTION: Final = CollectionAddress(
    "Packstation Demo Ltd", "Unit 4, Canal Wharf", "Leeds", "West Yorkshire", "LS11 5PS")
