"""The ``/pos-sale`` request and response.

:meth:`PosSale.problems` checks every rule the reference states that can be
checked without asking the server (it cannot know which delivery methods are
online or which vouchers are monetary unless told), so a bad order is caught
at the field before it costs a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from packstation.api import fields as f
from packstation.api.errors import ApiValidationError

_CODE = re.compile(r"^[A-Za-z0-9]+$")
MAX_EMAIL = 254  # the longest address SMTP carries


def is_email(text: str) -> bool:
    """One @, something before it, a dotted domain after it, no spaces; at most 254
    characters. Not a regular expression: one with nested repeats took minutes on a
    400 KB "a.a.a...." (and no signal could stop it meanwhile)."""
    if len(text) > MAX_EMAIL or any(c.isspace() for c in text) or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    return bool(local) and "." in domain.strip(".") and not domain.startswith(".") \
        and not domain.endswith(".")


@dataclass(frozen=True, slots=True)
class PosItem:
    id: int
    price: Decimal | None = None
    to: str | None = None
    sender: str | None = None
    message: str | None = None
    code: str | None = None
    persons: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.price is not None:
            out["price"] = float(self.price)  # the API documents a float
        for key, value in (("to", self.to), ("from", self.sender), ("message", self.message),
                           ("code", self.code), ("persons", self.persons)):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class PosCustomer:
    email: str
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    postcode: str | None = None
    town: str | None = None
    county: str | None = None


@dataclass(frozen=True, slots=True)
class PosDelivery:
    method: int
    email: str | None = None
    address1: str | None = None
    address2: str | None = None
    postcode: str | None = None
    town: str | None = None
    county: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date: date | None = None


def _optional_fields(obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            out[name] = value.isoformat() if isinstance(value, date) else value
    return out


@dataclass(frozen=True, slots=True)
class PosSale:
    items: tuple[PosItem, ...]
    customer: PosCustomer
    delivery: PosDelivery
    payment_method: int
    order_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "items": [item.to_json() for item in self.items],
            "customer": _optional_fields(self.customer, PosCustomer.__slots__),
            "delivery": _optional_fields(self.delivery, PosDelivery.__slots__),
            "payment_method": self.payment_method,
        }
        if self.order_id:
            out["order_id"] = self.order_id
        return out

    def problems(self, *, online_delivery: bool | None = None,
                 monetary: Sequence[bool | None] = (), today: date | None = None
                 ) -> dict[str, str]:
        """Rule breaches by field path (``items[0].code``, ``customer.email``...).

        ``online_delivery`` tells which delivery fields are required, and
        ``monetary`` (one per item) which vouchers need a price, when known.
        """
        found: dict[str, str] = {}
        if not self.items:
            found["items"] = "Add at least one voucher."
        codes: set[str] = set()
        for i, item in enumerate(self.items):
            where = f"items[{i}]"
            if item.id < 1:
                found[f"{where}.id"] = "Enter the voucher's id in Smart Gift."
            if i < len(monetary) and monetary[i] and item.price is None:
                found[f"{where}.price"] = "A monetary voucher needs a price."
            if item.price is not None and item.price <= 0:
                found[f"{where}.price"] = "The price must be more than £0.00."
            elif item.price is not None and item.price != item.price.quantize(Decimal("0.01")):
                found[f"{where}.price"] = "Pounds and pence only: at most two decimal places."
            if item.persons is not None and item.persons < 1:
                found[f"{where}.persons"] = "Persons must be at least 1."
            if item.code is not None:
                if not _CODE.match(item.code):
                    found[f"{where}.code"] = "A code may only contain letters and digits."
                elif item.code.upper() in codes:
                    found[f"{where}.code"] = "Each voucher code must be unique."
                codes.add(item.code.upper())
        if not self.customer.email:
            found["customer.email"] = "The customer's email is required."
        elif not is_email(self.customer.email):
            found["customer.email"] = "This is not an email address."
        delivery = self.delivery
        if delivery.method < 1:
            found["delivery.method"] = "Choose the delivery method."
        if online_delivery is True and not delivery.email:
            found["delivery.email"] = "Online delivery needs the recipient's email."
        if delivery.email and not is_email(delivery.email):
            found["delivery.email"] = "This is not an email address."
        if online_delivery is False:
            if not delivery.address1:
                found["delivery.address1"] = "Postal delivery needs the first address line."
            if not delivery.postcode:
                found["delivery.postcode"] = "Postal delivery needs a postcode."
        if delivery.date is not None and delivery.date <= (today or date.today()):
            # Smart Gift would quietly send it at once: say so rather than surprise.
            found["delivery.date"] = ("A delivery date must be in the future; leave it out "
                                      "to send at once.")
        if self.payment_method < 1:
            found["payment_method"] = "Choose the payment method."
        return found

    def check(self, *, online_delivery: bool | None = None,
              monetary: Sequence[bool | None] = ()) -> None:
        """Raise ApiValidationError (no request made) if :meth:`problems` finds any."""
        problems = self.problems(online_delivery=online_delivery, monetary=monetary)
        if problems:
            raise ApiValidationError(
                "The order is not complete: " + "; ".join(problems.values()),
                status=None, field_errors={k: [v] for k, v in problems.items()})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PosSale:
        """Read an order file (the documented request body) for the CLI."""
        items = []
        for i, raw in enumerate(f.sequence(data, "items")):
            if not isinstance(raw, Mapping):
                raise f.FieldError(f"items[{i}]", "expected an object")
            items.append(PosItem(
                id=f.required_integer(raw, "id"), price=f.money(raw, "price"),
                to=f.text(raw, "to"), sender=f.text(raw, "from"),
                message=f.text(raw, "message"), code=f.text(raw, "code"),
                persons=f.integer(raw, "persons"),
            ))
        customer = f.mapping(data, "customer") or {}
        delivery = f.mapping(data, "delivery") or {}
        when = f.text(delivery, "date")
        return cls(
            items=tuple(items),
            customer=PosCustomer(
                email=f.text(customer, "email") or "",
                **{k: f.text(customer, k) for k in PosCustomer.__slots__ if k != "email"},
            ),
            delivery=PosDelivery(
                method=f.required_integer(delivery, "method"),
                date=date.fromisoformat(when[:10]) if when else None,
                **{k: f.text(delivery, k) for k in PosDelivery.__slots__
                   if k not in ("method", "date")},
            ),
            payment_method=f.required_integer(data, "payment_method"),
            order_id=f.text(data, "order_id"),
        )


@dataclass(frozen=True, slots=True)
class PosSaleResult:
    message: str | None
    order_reference: str
    voucher_codes: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PosSaleResult:
        reference = f.text(data, "order_reference")
        if not reference:
            raise f.FieldError("order_reference", "missing")
        codes = f.sequence(data, "voucher_codes")
        return cls(
            message=f.text(data, "message"),
            order_reference=reference,
            voucher_codes=tuple(f.text({"code": c}, "code") or "" for c in codes),
            extra=f.extras(data, frozenset({"message", "order_reference", "voucher_codes"})),
        )


_SERVER_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


def field_path(server_key: str) -> str:
    """A 422's field name in our form: ``items.0.code`` becomes ``items[0].code``."""
    return _SERVER_INDEX.sub(lambda m: f"[{m.group(1)}]", server_key)
