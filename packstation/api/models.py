"""Typed Smart Gift records.

Frozen dataclasses rather than pydantic: the rules here are ours (naive times
are UK local time, money is an exact Decimal from a string or a number, a
wrong-typed optional field is reported with the job's id), pydantic would
need a custom validator for nearly every field, and plain dataclasses keep
the per-job cost low when a sync brings thousands of jobs.

Every record keeps the fields it does not know in ``extra``; a job also keeps
the mapping it was read from in ``raw`` so the store can cache it as received.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from packstation.api import fields as f

JOB_STATUSES = ("pending", "dispatched", "delivered", "cancelled")
UPDATE_STATUSES = ("dispatched", "delivered", "cancelled")
AGREEMENT_STATUSES = ("new", "sent", "active", "cancelled")
PRICE_TYPES = ("per_order", "per_item")
MAX_TRACKING_REFERENCE = 255
# The start of packstation's command barcodes (scanning.commands): never a reference.
RESERVED_PREFIX = "$$PS"


def tracking_problem(reference: str) -> str | None:
    """Why ``reference`` can never be a tracking reference, or None if it can.

    Checked before a change is saved: an outbox entry Smart Gift must refuse would
    only wait for attention. Control, format and bidi characters (newline, ESC, BEL,
    U+202E) are refused: they could forge what a terminal or a label shows.
    """
    if not reference.strip():
        return "The tracking reference is empty."
    if reference.strip().upper().startswith(RESERVED_PREFIX):
        return (f"{RESERVED_PREFIX}… is a packstation command barcode, never a tracking "
                "reference.")
    if len(reference) > MAX_TRACKING_REFERENCE:
        return (f"The tracking reference is {len(reference)} characters long; Smart Gift "
                f"accepts at most {MAX_TRACKING_REFERENCE}.")
    bad = next((c for c in reference
                if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")), None)
    if bad is not None:
        return (f"The tracking reference holds an invisible control character "
                f"(U+{ord(bad):04X}); scan or type it again.")
    return None


_COMPANY_SPEC = (("id", "int"), ("name", "text"), ("company_terms_url", "text"))
_ADDRESS_SPEC = tuple((k, "text") for k in
                      ("first_name", "last_name", "line1", "line2", "city", "county", "postcode"))
_VOUCHER_SPEC = (
    ("id", "required_int"), ("name", "text"), ("value", "money"), ("type", "text"),
    ("persons", "int"), ("valid_from", "when"), ("valid_until", "when"), ("code", "text"),
    ("to", "text"), ("from", "text"), ("message", "text"), ("pdf_copy", "text"),
)
# The job's own scalar fields, in the order of the Job dataclass.
_JOB_SPEC = (
    ("id", "required_int"), ("status", "text"), ("delivery_method_name", "text"),
    ("delivery_method_description", "text"), ("option_name", "text"),
    ("option_description", "text"), ("order_reference", "text"),
    ("tracking_reference", "text"), ("delivery_date", "when"), ("customer_name", "text"),
    ("customer_email", "text"), ("customer_phone", "text"), ("received_at", "when"),
    ("dispatched_at", "when"),
)
T = TypeVar("T")


def _build(cls: Callable[..., T], values: tuple[Any, ...], **named: Any) -> T:
    # The positional values come from a generated reader (f.compile_reader) in the
    # order of the dataclass's fields; the tests check that order, mypy cannot.
    return cls(*values, **named)


_read_company = f.compile_reader(_COMPANY_SPEC)
_read_address = f.compile_reader(_ADDRESS_SPEC)
_read_voucher = f.compile_reader(_VOUCHER_SPEC)
_read_job = f.compile_reader(_JOB_SPEC)
_COMPANY_KEYS = frozenset(k for k, _ in _COMPANY_SPEC)
_ADDRESS_KEYS = frozenset(k for k, _ in _ADDRESS_SPEC)
_VOUCHER_KEYS = frozenset(k for k, _ in _VOUCHER_SPEC)
_JOB_KEYS = frozenset(k for k, _ in _JOB_SPEC) | {"company", "delivery_address", "vouchers",
                                                  "tickets"}


@dataclass(frozen=True, slots=True)
class Company:
    id: int | None
    name: str | None
    terms_url: str | None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Company:
        return _build(cls, _read_company(data), extra=f.extras(data, _COMPANY_KEYS))


@dataclass(frozen=True, slots=True)
class DeliveryAddress:
    first_name: str | None
    last_name: str | None
    line1: str | None
    line2: str | None
    city: str | None
    county: str | None
    postcode: str | None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeliveryAddress:
        return _build(cls, _read_address(data), extra=f.extras(data, _ADDRESS_KEYS))

    @property
    def recipient(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def label_lines(self) -> list[str]:
        """The address as a UK label: name, lines, town, county, postcode; blanks dropped."""
        lines = [self.recipient, self.line1, self.line2, self.city, self.county, self.postcode]
        return [line.strip() for line in lines if line and line.strip()]


@dataclass(frozen=True, slots=True)
class Voucher:
    id: int
    name: str | None
    value: Decimal | None
    type: str | None
    persons: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    code: str | None
    to: str | None
    sender: str | None  # "from" in the JSON, a Python keyword
    message: str | None
    pdf_copy: str | None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Voucher:
        return _build(cls, _read_voucher(data), extra=f.extras(data, _VOUCHER_KEYS))


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    status: str  # kept as sent, even when not one of JOB_STATUSES
    delivery_method_name: str | None
    delivery_method_description: str | None
    option_name: str | None
    option_description: str | None
    order_reference: str | None
    tracking_reference: str | None
    delivery_date: datetime | None
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    received_at: datetime | None
    dispatched_at: datetime | None
    company: Company | None
    delivery_address: DeliveryAddress | None
    vouchers: tuple[Voucher, ...]
    tickets: tuple[Mapping[str, Any], ...]  # undocumented shape: kept raw
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Job:
        scalars = _read_job(data)
        if scalars[1] is None:
            scalars = (scalars[0], "unknown", *scalars[2:])
        company = f.mapping(data, "company")
        address = f.mapping(data, "delivery_address")
        vouchers = []
        for index, item in enumerate(f.sequence(data, "vouchers")):
            if not isinstance(item, Mapping):
                raise f.FieldError(f"vouchers[{index}]", "expected an object")
            try:
                vouchers.append(Voucher.from_json(item))
            except f.FieldError as exc:
                raise f.FieldError(f"vouchers[{index}].{exc.field}", exc.reason) from None
        tickets = f.sequence(data, "tickets")
        return _build(cls, (
            *scalars,
            Company.from_json(company) if company is not None else None,
            DeliveryAddress.from_json(address) if address is not None else None,
            tuple(vouchers),
            tuple(t if isinstance(t, Mapping) else {"value": t} for t in tickets),
        ), extra=f.extras(data, _JOB_KEYS), raw=data)

    @property
    def total_value(self) -> Decimal:
        return sum((v.value for v in self.vouchers if v.value is not None), Decimal("0"))

    @property
    def status_known(self) -> bool:
        return self.status in JOB_STATUSES


@dataclass(frozen=True, slots=True)
class Agreement:
    id: int
    status: str  # "status_text"; derived from the timestamps when the server leaves it out
    company_id: int | None
    company_name: str | None
    company_phone: str | None
    contact_name: str | None
    contact_email: str | None
    delivery_method_id: int | None
    delivery_method_name: str | None
    fulfilment_option_id: int | None
    fulfilment_option_name: str | None
    price: Decimal | None
    price_type: str | None  # "per_order", "per_item" or "not_set"
    initiated_at: datetime | None
    priced_at: datetime | None
    accepted_at: datetime | None
    terminated_at: datetime | None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    _KNOWN = frozenset(
        {"id", "status_text", "company_id", "company_name", "company_phone", "contact_name",
         "contact_email", "delivery_method_id", "delivery_method_name", "fulfilment_option_id",
         "fulfilment_option_name", "price", "price_type", "initiated_at", "priced_at",
         "accepted_at", "terminated_at"}
    )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Agreement:
        terminated = f.when(data, "terminated_at")
        accepted = f.when(data, "accepted_at")
        priced = f.when(data, "priced_at")
        status = f.text(data, "status_text")
        if not status:
            # The list example omits status_text; the timestamps tell the state.
            status = ("cancelled" if terminated else "active" if accepted
                      else "sent" if priced else "new")
        return cls(
            id=f.required_integer(data, "id"),
            status=status,
            company_id=f.integer(data, "company_id"),
            company_name=f.text(data, "company_name"),
            company_phone=f.text(data, "company_phone"),
            contact_name=f.text(data, "contact_name"),
            contact_email=f.text(data, "contact_email"),
            delivery_method_id=f.integer(data, "delivery_method_id"),
            delivery_method_name=f.text(data, "delivery_method_name"),
            fulfilment_option_id=f.integer(data, "fulfilment_option_id"),
            fulfilment_option_name=f.text(data, "fulfilment_option_name"),
            price=f.money(data, "price"),
            price_type=f.text(data, "price_type"),
            initiated_at=f.when(data, "initiated_at"),
            priced_at=priced,
            accepted_at=accepted,
            terminated_at=terminated,
            extra=f.extras(data, cls._KNOWN),
        )


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A record in a list that could not be read; the others still are."""

    id: Any  # the record's id as sent, or None when even that is unreadable
    reason: str

    def __str__(self) -> str:
        who = f"#{self.id}" if self.id is not None else "without a readable id"
        return f"record {who} skipped: {self.reason}"


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    items: list[T]
    problems: list[ParseProblem]
