"""Tolerant, exact readers for the field types Smart Gift sends.

Null or missing optional fields become ``None``. A value of the wrong kind
raises :class:`FieldError` naming the field, so a malformed record can be
reported instead of silently misread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
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


# Every number read from Smart Gift is bounded where it is read.
MAX_ID = 2**53  # ids are positive and below this (exact in a double, as JSON implies)
_MAX_NUMBER_TEXT = 40  # characters of a number or time given as text
MAX_MONEY = Decimal(10) ** 9  # a billion pounds: anything bigger is not a price
_MAX_EXPONENT = 12  # an amount written 1e13 or 1e-13 is not money
YEARS = (1970, 2999)  # a time outside these years is not a Smart Gift time


def _shown(value: Any) -> str:
    """A value as a message may show it: short, and never costly (a huge int, deep lists)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 37 else repr(value[:34]) + "..."
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, list | tuple | dict):
        return f"a {type(value).__name__} of {len(value)}"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


def record_id(data: Mapping[str, Any]) -> int | str | None:
    """A record's id to name it by in a message, even when the id itself is bad."""
    value = data.get("id")
    if value is None:
        return None
    number = _whole(value)
    return number if number is not None and 0 < number < MAX_ID else _shown(value)


def text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or type(value) is str:  # the common case, checked cheaply first
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < MAX_ID:
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value)
    raise FieldError(key, f"expected text, got {_shown(value)}")


def _whole(value: Any) -> int | None:
    """``value`` as an int if it is a whole number in any form we accept, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value.strip()
        bare = digits[1:] if digits[:1] == "-" else digits
        # ASCII only: "²".isdigit() is true, and int() then refuses it.
        if bare.isascii() and bare.isdigit() and len(digits) <= _MAX_NUMBER_TEXT:
            return int(digits)
        return None
    if isinstance(value, float) and value.is_integer():  # NaN and infinity are not
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() \
            and value.adjusted() < 30:
        return int(value)
    return None


def integer(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    number = _whole(value)
    if number is None:
        raise FieldError(key, f"expected a whole number, got {_shown(value)}")
    if not -MAX_ID < number < MAX_ID:
        raise FieldError(key, f"{_shown(value)} is out of range")
    return number


def required_integer(data: Mapping[str, Any], key: str) -> int:
    """An id: present, whole, positive and below 2^53."""
    value = integer(data, key)
    if value is None:
        raise FieldError(key, "missing")
    if value <= 0:
        raise FieldError(key, f"{value} is not an id (ids are positive)")
    return value


def money(data: Mapping[str, Any], key: str) -> Decimal | None:
    """Money as an exact Decimal: from "40.00", 40, or a JSON number parsed as a float.

    Bounded where read: at most 40 characters, below a billion pounds, and an
    exponent within 12 ("1e1000000" would cost minutes and megabytes to show).
    """
    value = data.get(key)
    if value is None or value == "":
        return None
    kind = value.__class__
    if kind is float:
        text = repr(value)  # shortest round-trip form: 3.4 -> "3.4", never 3.39999...
    elif kind is str:
        text = value.strip().lstrip("£")
    elif (kind is int and -MAX_ID < value < MAX_ID) or isinstance(value, Decimal):
        text = str(value)
    else:
        raise FieldError(key, f"expected an amount, got {_shown(value)}")
    if len(text) > _MAX_NUMBER_TEXT:
        raise FieldError(key, f"expected an amount, got {_shown(value)}")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldError(key, f"expected an amount, got {_shown(value)}") from None
    if not amount.is_finite() or not -MAX_MONEY < amount < MAX_MONEY or (
            ("e" in text or "E" in text)
            and abs(amount.as_tuple().exponent) > _MAX_EXPONENT):  # type: ignore[arg-type]
        raise FieldError(key, f"{_shown(value)} is not an amount of money we accept")
    return amount


# Times already read: a sync's jobs repeat a few thousand distinct times tens of
# thousands of times (a voucher's valid-from is its job's received time, ...).
# compile_reader's readers look them up inline, before calling anything.
_TIMES: dict[str, datetime] = {}


def parse_datetime(value: str) -> datetime:
    """Both Smart Gift forms: naive means UK local time; ``Z``/offset means as given."""
    found = _TIMES.get(value)
    if found is None:
        found = datetime.fromisoformat(value.strip())
        if not YEARS[0] <= found.year <= YEARS[1]:
            # Year 1 or 9999 with an offset overflows when compared or converted to UTC.
            raise ValueError(f"year {found.year} is out of range")
        if found.tzinfo is None:
            found = found.replace(tzinfo=uk_zone())
        if len(_TIMES) >= 8192:
            _TIMES.clear()
        _TIMES[value] = found
    return found


def when(data: Mapping[str, Any], key: str) -> datetime | None:
    return when_value(key, data.get(key))


def when_value(key: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > _MAX_NUMBER_TEXT:
        raise FieldError(key, f"expected a date and time, got {_shown(value)}")
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        raise FieldError(key, f"not a date and time we accept: {_shown(value)}") from None


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
    "int": f"{{v}} is not None and ({{v}}.__class__ is not int"
           f" or not -{MAX_ID} < {{v}} < {MAX_ID})",
    "required_int": f"{{v}}.__class__ is not int or not 0 < {{v}} < {MAX_ID}",
    "money": "True",
    "when": "{v} is not None",
}
_FULL_READER = {"text": "text(data, {k})", "int": "integer(data, {k})",
                "required_int": "required_integer(data, {k})", "money": "money(data, {k})",
                "when": "({v}.__class__ is str and times_get({v})) or when_value({k}, {v})"}


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
                                 "required_integer": required_integer, "when_value": when_value,
                                 "times_get": _TIMES.get}
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
