"""What the courier's stand-in accepts: every violation of a request found and named at
its dotted path (``destination.zip_code``, ``job_items.0.quantity``), as the real service
answers a 422. Standard library only."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

_MAX_ITEMS, _MAX_ERRORS, _MAX_WINDOW = 500, 50, timedelta(days=14)
_CONTACT_LESS = ("LeaveInReception", "LeaveAtTheDoor")
_ADDRESS_NEEDS = ("name", "address", "country", "city", "zip_code")


class Refused(Exception):
    """An answer other than success: status and JSON body."""

    def __init__(self, status: int, message: str,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message}
        if errors:
            self.body["errors"] = errors

def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))

class _Check:
    """Collects every violation (at most 50) under its dotted path, as Instaleap does.

    An optional field sent as null counts as absent (clients often serialise so), and
    the fields of an object already reported missing are not reported again.
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.count = 0

    def fail(self, path: str, problem: str) -> None:
        if self.count < _MAX_ERRORS:
            self.errors.setdefault(path, []).append(problem)
            self.count += 1

    def done(self) -> None:
        if self.errors:
            path, problems = next(iter(self.errors.items()))
            more = f" (and {self.count - 1} more)" if self.count > 1 else ""
            raise Refused(422, f"The request is not valid: {path} {problems[0]}{more}.",
                           self.errors)

    def get(self, parent: dict[str, Any] | None, path: str, required: bool = True) -> Any:
        value = None if parent is None else parent.get(path.rpartition(".")[2])
        if value is None and required and parent is not None:
            self.fail(path, "is required")
        return value

    def obj(self, parent: dict[str, Any] | None, path: str,
            required: bool = True) -> dict[str, Any] | None:
        value = self.get(parent, path, required)
        if value is not None and not isinstance(value, dict):
            self.fail(path, "must be an object")
        return value if isinstance(value, dict) else None

    def text(self, parent: dict[str, Any] | None, path: str, required: bool = True,
             max_len: int = 0, choices: tuple[str, ...] = ()) -> str | None:
        value = self.get(parent, path, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(path, "must be a string")
        elif required and not value.strip():
            self.fail(path, "must not be empty")
        elif max_len and len(value) > max_len:
            self.fail(path, f"must be at most {max_len} characters")
        elif choices and value not in choices:
            self.fail(path, f"must be one of {', '.join(choices)}")
        else:
            return value
        return None

    def number(self, parent: dict[str, Any] | None, path: str, required: bool = True,
               positive: bool = False, low: float = 0, high: float = math.inf) -> None:
        value = self.get(parent, path, required)
        if value is None or (_number(value) and low <= value <= high
                             and not (positive and value == 0)):
            return
        span = f"from {low:g} to {high:g}" if high < math.inf else f"of {low:g} or more"
        self.fail(path, "must be a positive number" if positive else f"must be a number {span}")

    def minutes(self, parent: dict[str, Any], path: str, required: bool = True) -> int | None:
        value = self.get(parent, path, required)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)
                             and 15 <= value <= 1440):
            return value
        self.fail(path, "must be a whole number of minutes from 15 to 1440")
        return None

    def moment(self, parent: dict[str, Any], path: str) -> datetime | None:
        value = self.get(parent, path)
        try:
            when = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            when = None
        if value is not None and (when is None or when.tzinfo is None):
            self.fail(path, "must be an ISO 8601 date-time with an offset")
            return None
        return when

    def address(self, parent: dict[str, Any], name: str) -> None:
        place = self.obj(parent, name)
        for field in _ADDRESS_NEEDS:
            self.text(place, f"{name}.{field}")
        for field in ("state", "description"):
            self.text(place, f"{name}.{field}", required=False)
        self.number(place, f"{name}.latitude", required=False, low=-90, high=90)
        self.number(place, f"{name}.longitude", required=False, low=-180, high=180)


def check_availability(body: dict[str, Any]) -> tuple[datetime, datetime, int, str]:
    check = _Check()
    start, end = check.moment(body, "start"), check.moment(body, "end")
    if start and end and end <= start:
        check.fail("end", "must be after start")
    elif start and end and end - start > _MAX_WINDOW:
        check.fail("end", "must be at most 14 days after start")
    size = check.minutes(body, "slot_size")
    check.minutes(body, "minimum_slot_size", required=False)
    models = body.get("operational_models_priority")
    if models is None:
        models = ["FULL_SERVICE"]
    elif not (isinstance(models, list) and models
              and all(isinstance(m, str) and m for m in models)):
        check.fail("operational_models_priority", "must be a non-empty list of strings")
    check.address(body, "origin")
    check.address(body, "destination")
    items = check.get(body, "job_items")
    if items is not None and not (isinstance(items, list) and 0 < len(items) <= _MAX_ITEMS):
        check.fail("job_items", f"must be a list of 1 to {_MAX_ITEMS} items")
    for n, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            check.fail(f"job_items.{n}", "must be an object")
            continue
        check.text(item, f"job_items.{n}.id")
        check.text(item, f"job_items.{n}.name")
        check.number(item, f"job_items.{n}.quantity", positive=True)
        check.text(item, f"job_items.{n}.unit", required=False)
        check.number(item, f"job_items.{n}.price", required=False)
    check.done()
    assert start and end and size  # done() raised otherwise
    return start, end, size, models[0]


def check_job(body: dict[str, Any]) -> str:
    check = _Check()
    slot_id = check.text(body, "slot_id")
    check.text(body, "client_reference", max_len=100)
    recipient = check.obj(body, "recipient")
    check.text(recipient, "recipient.name")
    check.text(recipient, "recipient.email", required=False)
    check.text(recipient, "recipient.phone_number", required=False)
    payment = check.obj(body, "payment_info")
    currency = check.get(payment, "payment_info.currency_code")
    if currency is not None and not (isinstance(currency, str)
                                     and re.fullmatch(r"[A-Z]{3}", currency)):
        check.fail("payment_info.currency_code", "must be 3 capital letters (ISO 4217)")
    check.number(check.obj(payment, "payment_info.prices"), "payment_info.prices.order_value")
    check.obj(payment, "payment_info.payment", required=False)
    if not isinstance(body.get("add_delivery_code", False), bool | None):
        check.fail("add_delivery_code", "must be true or false")
    check.text(body, "job_comment", required=False, max_len=1000)
    contact_less = check.obj(body, "contact_less", required=False)
    check.text(contact_less, "contact_less.comment", required=False, choices=_CONTACT_LESS)
    check.done()
    assert slot_id is not None
    return slot_id
