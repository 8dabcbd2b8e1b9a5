"""Records out of an answer's bytes: a list whose bad records are named and skipped,
or one record read whole. No network here: the client hands over the bytes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from packstation.api import errors as e
from packstation.api.body import (
    UnreadableJson,
    UnreadableRecord,
    parse_list_in_pieces,
    salvage_records,
)
from packstation.api.fields import FieldError, record_id
from packstation.api.models import Parsed, ParseProblem
from packstation.memory import building_many

log = logging.getLogger("packstation.api")

R = TypeVar("R")


def parse_list(
    body: Any, reader: Callable[[Mapping[str, Any]], R], what: str
) -> Parsed[R]:
    if isinstance(body, Mapping) and isinstance(body.get("data"), list):
        body = body["data"]
    if not isinstance(body, list):
        raise e.BadResponse(f"Smart Gift sent {what} in a shape we do not know (not a list).")
    items: list[R] = []
    problems: list[ParseProblem] = []
    with building_many(len(body)):  # see packstation.memory: no GC stalls for big lists
        _read_entries(body, reader, items, problems)  # (a no-op inside decode_list's)
    for problem in problems:
        log.warning("%s: %s", what, problem)
    return Parsed(items, problems)


def _read_entries(body: list[Any], reader: Callable[[Mapping[str, Any]], R], items: list[R],
                  problems: list[ParseProblem]) -> None:
    for entry in body:
        if not isinstance(entry, Mapping):
            if isinstance(entry, UnreadableRecord):
                problems.append(ParseProblem(entry.id, f"record {entry.index + 1}: "
                                                       f"{entry.reason}"))
            else:
                problems.append(ParseProblem(None,
                                             f"expected an object, got {type(entry).__name__}"))
            continue
        try:
            items.append(reader(entry))
        except FieldError as exc:
            problems.append(ParseProblem(record_id(entry), str(exc)))


def decode_list(content: bytes, reader: Callable[[Mapping[str, Any]], R], what: str,
                 kind: str) -> Parsed[R]:
    """A list answer's bytes to records: one bad record is named and skipped."""
    try:
        with building_many(len(content) // 1000):  # the parse makes thousands of objects too
            body = parse_list_in_pieces(content)
            return parse_list(body, reader, what)
    except UnreadableJson as exc:
        failure: e.BadResponse = exc
    records = salvage_records(content)
    if records is None:
        raise e.BadResponse(f"{failure} (content type {kind!r})")
    return parse_list(records, reader, what)


def parse_one(body: Any, reader: Callable[[Mapping[str, Any]], R], what: str) -> R:
    if not isinstance(body, Mapping):
        raise e.BadResponse(f"Smart Gift sent {what} in a shape we do not know (not an object).")
    try:
        return reader(body)
    except FieldError as exc:
        raise e.BadResponse(f"Smart Gift sent {what} we could not read: {exc}") from None
