"""Tolerant, exact readers for the field types Smart Gift sends.

Null or missing optional fields become ``None``. A value of the wrong kind
raises :class:`FieldError` naming the field, so a malformed record can be
reported instead of silently misread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo


class FieldError(ValueError):
    """One field of a record could not be read."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@cache
def uk_zone() -> ZoneInfo:
    # Loaded on first use, not at import: importing the package does no I/O.
    return ZoneInfo("Europe/London")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or type(value) is str:  # the common case, checked cheaply first
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise FieldError(key, f"expected text, got {_shown(value)}")


def integer(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldError(key, f"expected a whole number, got {_shown(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():  # NaN and infinity are not
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise FieldError(key, f"expected a whole number, got {_shown(value)}")


def required_integer(data: Mapping[str, Any], key: str) -> int:
    value = integer(data, key)
    if value is None:
        raise FieldError(key, "missing")
    return value


def money(data: Mapping[str, Any], key: str) -> Decimal | None:
    """Money as an exact Decimal: from "40.00", 40, or a JSON number parsed as Decimal."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(key, f"expected an amount, got {_shown(value)}")
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip form: 3.4 -> "3.4", never 3.39999...
    try:
        amount = Decimal(str(value).strip().lstrip("£"))
    except InvalidOperation:
        raise FieldError(key, f"expected an amount, got {_shown(value)}") from None
    if not amount.is_finite():
        raise FieldError(key, f"expected an amount, got {_shown(value)}")
    return amount


@lru_cache(maxsize=8192)
def parse_datetime(value: str) -> datetime:
    """Both Smart Gift forms: naive means UK local time; ``Z``/offset means as given.

    Cached: a job's times repeat in its vouchers (valid from = received, ...).
    """
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=uk_zone())
    return parsed


def when(data: Mapping[str, Any], key: str) -> datetime | None:
    return when_value(key, data.get(key))


def when_value(key: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(key, f"expected a date and time, got {_shown(value)}")
    try:
        return parse_datetime(value)
    except ValueError:
        raise FieldError(key, f"not a date and time: {_shown(value)}") from None


def mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is None or isinstance(value, Mapping):
        return value
    raise FieldError(key, f"expected an object, got {_shown(value)}")


def sequence(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise FieldError(key, f"expected a list, got {_shown(value)}")


NOTHING: Mapping[str, Any] = MappingProxyType({})


def extras(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """Fields we do not know yet: kept so nothing the server sends is lost."""
    unknown = data.keys() - known  # one C-level set operation in the usual, empty case
    return {k: data[k] for k in unknown} if unknown else NOTHING


# How each kind of field is read: the fast check inlined by compile_reader, then the
# full reader for anything that fails it (which coerces or raises FieldError).
_FAST_CHECK = {
    "text": "{v} is not None and {v}.__class__ is not str",
    "int": "{v} is not None and {v}.__class__ is not int",
    "required_int": "{v}.__class__ is not int",
    "money": "True",
    "when": "{v} is not None",
}
_FULL_READER = {"text": "text(data, {k})", "int": "integer(data, {k})",
                "required_int": "required_integer(data, {k})", "money": "money(data, {k})",
                "when": "when_value({k}, {v})"}


Reader = Callable[[Mapping[str, Any]], tuple[Any, ...]]


def compile_reader(spec: Sequence[tuple[str, str]]) -> Reader:
    """A function reading ``spec``'s (json key, kind) pairs from a mapping, in order.

    Generated once per record type, as ``dataclasses`` does for ``__init__``: the
    common case (a str where text is expected, an int where a number is) costs
    one inlined check instead of a call per field, which matters when a sync
    brings thousands of jobs.
    """
    lines = ["def read(data):", "    get = data.get"]
    for i, (key, kind) in enumerate(spec):
        v, k = f"v{i}", repr(key)
        lines.append(f"    {v} = get({k})")
        lines.append(f"    if {_FAST_CHECK[kind].format(v=v)}:")
        lines.append(f"        {v} = {_FULL_READER[kind].format(v=v, k=k)}")
    lines.append("    return (" + "".join(f"v{i}, " for i in range(len(spec))) + ")")
    namespace: dict[str, Any] = {"text": text, "integer": integer, "money": money,
                                 "required_integer": required_integer, "when_value": when_value}
    exec("\n".join(lines), namespace)
    reader: Reader = namespace["read"]
    return reader


def format_after(value: date | datetime) -> str:
    """The ``after=`` parameter: a date as ``YYYY-MM-DD``, a datetime in UTC.

    An aware datetime is sent in UTC as ``YYYY-MM-DD HH:MM:SS``; a naive one is
    taken to be UK local time, like the server's own naive times.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=uk_zone())
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat()


def parse_after(value: str) -> date | datetime:
    """Read a user's ``--after`` value: a date, or a date and time (UK local if naive)."""
    value = value.strip()
    if len(value) == 10:
        return date.fromisoformat(value)
    parsed = parse_datetime(value)
    return parsed
