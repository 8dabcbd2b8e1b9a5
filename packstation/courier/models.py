"""What the last-mile courier is sent and answers, read as hostile until checked.

The service's field lists are known only from its "Create a Job" page and from public
clients (``lastmile-notes.md``), so a slot keeps the fields it does not know, and a
missing optional one is no error. One unreadable slot is named and skipped.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from packstation.api.errors import ConfigError
from packstation.api.fields import FieldError, uk_zone, when_value
from packstation.api.models import Job, Parsed, ParseProblem, tracking_problem
from packstation.api.secret import ServiceKey
from packstation.config.courier import CourierSettings
from packstation.config.delivery import DeliveryMethod
from packstation.plaintext import escaped

MAX_SLOTS: Final = 500  # far more than a week of slots
MAX_READ: Final = 20_000  # read of a hostile list at most (its soonest kept)
MAX_ID: Final = 200
MAX_COMMENT: Final = 1000
CURRENCY: Final = "GBP"


class CourierKey(ServiceKey):
    """The courier's API key (sent as ``x-api-key``): never printed, logged or kept in text."""

    __slots__ = ()
    what = "The courier's key"


class CourierNotReady(ConfigError):
    """Booking cannot begin: the courier, the collection address or the job lacks a part."""


def _text_id(raw: Any, what: str) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_ID \
            or not raw.isprintable():
        raise FieldError(what, "missing, too long or not printable text")
    return raw.strip()


@dataclass(frozen=True, slots=True)
class Slot:
    """A window the courier offers for a job: it collects and delivers within it."""

    id: str
    starts: datetime
    ends: datetime
    expires_at: datetime | None = None  # booked after this, the courier answers 417
    operational_model: str = ""
    store: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Slot:
        starts, ends = when_value("from", data.get("from")), when_value("to", data.get("to"))
        if starts is None or ends is None or ends <= starts:
            raise FieldError("from", "the slot has no start and end, or ends before it starts")
        model, store = data.get("operational_model"), data.get("store")
        store_name = store.get("name") if isinstance(store, Mapping) else store
        return cls(_text_id(data.get("id"), "id"), starts, ends,
                   when_value("expires_at", data.get("expires_at")),
                   model[:40] if isinstance(model, str) else "",
                   store_name[:100] if isinstance(store_name, str) else "",
                   {k: v for k, v in data.items()
                    if k not in ("id", "from", "to", "expires_at", "operational_model")})

    def describe(self) -> str:
        return slot_words(self.starts, self.ends)


def slot_words(starts: datetime, ends: datetime) -> str:
    """"Tue 1 Dec 10:00 to 12:00" in UK time."""
    start, end = starts.astimezone(uk_zone()), ends.astimezone(uk_zone())
    until = f"{end:%H:%M}" if end.date() == start.date() \
        else f"{end:%a} {end.day} {end:%b %H:%M}"
    return f"{start:%a} {start.day} {start:%b %H:%M} to {until}"


def read_slots(body: Any) -> Parsed[Slot]:
    """The availability answer: a list of slots (or an object holding one), soonest first;
    the soonest ``MAX_SLOTS`` of the first ``MAX_READ`` kept (a list need not be sorted)."""
    if isinstance(body, Mapping):
        body = next((body[k] for k in ("slots", "data", "availability")
                     if isinstance(body.get(k), list)), body)
    if not isinstance(body, list):
        raise FieldError("slots", "the courier's availability is not a list")
    slots: dict[str, Slot] = {}
    problems: list[ParseProblem] = []
    for index, entry in enumerate(body[:MAX_READ]):
        try:
            if not isinstance(entry, Mapping):
                raise FieldError(f"slot {index + 1}", "expected an object")
            slot = Slot.from_json(entry)
            slots.setdefault(slot.id, slot)  # one id is one slot: the first said
        except FieldError as exc:
            shown = entry.get("id") if isinstance(entry, Mapping) else None
            problems.append(ParseProblem(escaped(str(shown))[:MAX_ID] if shown is not None
                                         else None, str(exc)))
    if len(body) > MAX_READ or len(slots) > MAX_SLOTS:
        problems.append(ParseProblem(None, f"{len(body)} slots sent: the soonest "
                                           f"{MAX_SLOTS} of the first {MAX_READ} kept"))
    soonest = heapq.nsmallest(MAX_SLOTS, slots.values(), key=lambda s: (s.starts, s.ends))
    return Parsed(soonest, problems)


@dataclass(frozen=True, slots=True)
class CreatedJob:
    job_id: str
    message: str = ""
    problem: str = ""  # why the id cannot be the Smart Gift tracking reference ("" : it can)


def read_created(body: Any) -> CreatedJob:
    """The create answer: ``job_id`` (it becomes the Smart Gift tracking reference). An id
    that cannot be one is kept all the same, with why: the courier's job exists."""
    if not isinstance(body, Mapping):
        raise FieldError("job_id", "the answer is not an object")
    job_id = _text_id(body.get("job_id", body.get("id")), "job_id")
    message = body.get("message")
    return CreatedJob(job_id, escaped(message)[:200] if isinstance(message, str) else "",
                      tracking_problem(job_id) or "")


# Where a field the courier refused comes from, so the person knows what to change.
_SOURCES: Final = (
    ("origin", "the collection address (Settings > Courier)"),
    ("destination", "the job's delivery address"),
    ("recipient.email", "the buyer's e-mail (sent as set in Settings > Courier)"),
    ("recipient.phone_number", "the buyer's phone (sent as set in Settings > Courier)"),
    ("recipient", "the delivery address's name"),
    ("job_items", "the job's vouchers"),
    ("payment_info", "the vouchers' total (Settings > Courier: the value's unit)"),
    ("job_comment", "the method's comment for the courier (Settings > Delivery)"),
    ("contact_less", "contact-less delivery (Settings > Courier)"),
    ("add_delivery_code", "the delivery code (Settings > Courier)"),
    ("slot_id", "the slot chosen: ask for slots again"),
    ("start", "the window asked: from now"),
    ("end", "the window asked: to the job's leave-by day, a fortnight at most"),
)


def refused_fields(field_errors: Mapping[str, list[str]]) -> str:
    """The courier's field errors in words, each with where it comes from (at most 5)."""
    said = []
    for name, problems in list(field_errors.items())[:5]:
        source = next((words for prefix, words in _SOURCES
                       if name == prefix or name.startswith((prefix + ".", prefix + "["))),
                      "")
        text = escaped("; ".join(str(p) for p in problems[:3]))[:200]
        said.append(f"{escaped(name)[:80]}: {text}" + (f" ({source})" if source else ""))
    return "; ".join(said)


# -- what is sent ------------------------------------------------------------------------

def amount(value: Decimal, unit: str) -> int | float:
    """Money as the courier takes it: pence (``minor``, the service's examples) or pounds."""
    if unit == "minor":
        return int((value * 100).quantize(Decimal(1), ROUND_HALF_UP))
    return float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def client_reference(job: Job) -> str:
    """The courier job's reference: the Smart Gift order (one courier job per order)."""
    return (job.order_reference or "").strip() or f"job-{job.id}"


def courier_text(value: str | None, limit: int = 200) -> str:
    """Text as the courier gets it: no control, format or direction characters (they would
    print as garbage on a driver's screen, or reorder it), trimmed, bounded."""
    text = "".join(c for c in (value or "")[:limit * 4]
                   if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    return " ".join(text.split())[:limit]


def destination(job: Job) -> dict[str, Any]:
    address = job.delivery_address
    name = courier_text(address.recipient) if address else ""
    lines = [courier_text(p) for p in (address.line1, address.line2)] if address else []
    lines = [line for line in lines if line]
    city = courier_text(address.city) if address else ""
    postcode = courier_text(address.postcode, 20).upper() if address else ""
    missing = [what for what, present in (
        ("the recipient's name", name), ("the street", lines), ("the town", city),
        ("the postcode", postcode)) if not present]
    if address is None or missing:
        raise CourierNotReady(f"Order {client_reference(job)} cannot be booked with the "
                              f"courier: its delivery address lacks {', '.join(missing)}.")
    return {"name": name, "address": ", ".join(lines), "city": city,
            "state": courier_text(address.county), "zip_code": postcode, "country": "GB",
            "description": ""}


def origin(settings: CourierSettings) -> dict[str, Any]:
    missing = settings.collection.missing()
    if missing:
        raise CourierNotReady("The collection address for the courier lacks "
                              f"{', '.join(m.replace('_', ' ') for m in missing)} "
                              "(Settings > Courier).")
    return settings.collection.to_json()


def items(job: Job, unit: str) -> list[dict[str, Any]]:
    if not job.vouchers:
        raise CourierNotReady(f"Order {client_reference(job)} has no vouchers to send.")
    negative = next((v for v in job.vouchers if v.value is not None and v.value < 0), None)
    if negative is not None or job.total_value <= 0:
        raise CourierNotReady(f"Order {client_reference(job)} cannot be booked with the "
                              "courier: its vouchers' value is not above £0 "
                              f"({job.total_value}); ask Smart Gift about the order.")
    return [{"id": str(v.id), "name": courier_text(v.name) or f"Voucher {v.id}",
             "unit": "unit", "quantity": 1, "price": amount(v.value or Decimal(0), unit)}
            for v in job.vouchers]


def availability_body(job: Job, settings: CourierSettings, start: datetime, end: datetime
                      ) -> dict[str, Any]:
    body: dict[str, Any] = {
        "start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds"),
        "slot_size": settings.slot_minutes, "minimum_slot_size": settings.slot_minutes,
        "operational_models_priority": [settings.operational_model], "fallback": False,
        "origin": origin(settings), "destination": destination(job),
        "job_items": items(job, settings.value_unit)}
    if settings.store_reference:
        body["store_reference"] = settings.store_reference
    return body


_PLACEHOLDER: Final = re.compile(r"\{(order|recipient|method)\}")


def comment(template: str, job: Job, method: DeliveryMethod) -> str:
    """The method's comment for the courier, its ``{order}``, ``{recipient}`` and
    ``{method}`` filled in (nothing else is: no format specs, no attributes), bounded."""
    values = {"order": client_reference(job), "method": method.name,
              "recipient": job.delivery_address.recipient if job.delivery_address else ""}
    # One pass: a value holding "{order}" is not filled in again.
    text = _PLACEHOLDER.sub(lambda m: values[m.group(1)][:200], template[:MAX_COMMENT])
    return courier_text(text, MAX_COMMENT)


def job_body(job: Job, slot: Slot, settings: CourierSettings, method: DeliveryMethod
             ) -> dict[str, Any]:
    """The create request. The recipient is the delivery address's name: the job's customer
    is the buyer, whose e-mail and phone go only when the settings say so."""
    recipient: dict[str, Any] = {"name": destination(job)["name"]}
    if settings.send_buyer_contact:
        if courier_text(job.customer_email):
            recipient["email"] = courier_text(job.customer_email)
        if courier_text(job.customer_phone, 40):
            recipient["phone_number"] = courier_text(job.customer_phone, 40)
    value = amount(job.total_value, settings.value_unit)
    zero = amount(Decimal(0), settings.value_unit)
    body: dict[str, Any] = {
        "slot_id": slot.id, "client_reference": client_reference(job), "recipient": recipient,
        "payment_info": {
            "currency_code": CURRENCY,
            "prices": {"order_value": value, "subtotal": value, "shipping_fee": zero,
                       "taxes": zero, "discounts": zero},
            # Paid on Smart Gift already: nothing is collected at the door.
            "payment": {"payment_status": "SUCCEEDED", "method": "PREPAID", "value": value,
                        "reference": client_reference(job)}},
        "add_delivery_code": settings.delivery_code}
    text = comment(method.courier_comment, job, method) if method.courier_comment else ""
    if text:
        body["job_comment"] = text
    if settings.contact_less:
        body["contact_less"] = {"comment": settings.contact_less}
    return body
