"""Reading an answer's body as a hostile server might send it.

Sizes are counted after decompression (we decode gzip and deflate ourselves,
in bounded steps, so a small bomb never inflates past the cap in memory), and
JSON that the standard parser refuses as a whole (nested 100,000 deep, a
number with 5,000 digits) is split into its top-level records so that one bad
record is named and skipped while the rest are read.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import orjson

from packstation.api import errors as e

_STEP: Final = 1 << 20  # decompress at most this much per step


class TooLarge(e.BadResponse):
    """The answer is bigger than this station accepts (after decompression)."""


class _Inflater:
    """gzip (every member of it) or deflate (zlib-wrapped, or raw as some proxies send),
    inflated at most ``_STEP`` bytes at a time, and checked to have ended."""

    def __init__(self, name: str) -> None:
        self._gzip = name != "deflate"
        self._started = False
        self._unit = self._new()

    def _new(self, raw: bool = False) -> Any:
        bits = (16 + zlib.MAX_WBITS) if self._gzip else (-zlib.MAX_WBITS if raw
                                                         else zlib.MAX_WBITS)
        return zlib.decompressobj(bits)

    def inflate(self, chunk: bytes, body: bytearray, cap: int) -> None:
        data = chunk
        while data and len(body) <= cap:
            if self._unit.eof:  # a gzip member ended: what follows is the next one
                self._unit = self._new()
            try:
                body += self._unit.decompress(data, _STEP)
            except zlib.error:
                if self._gzip or self._started:
                    raise
                self._unit = self._new(raw=True)  # "deflate" without its zlib header
                body += self._unit.decompress(data, _STEP)
            self._started = True
            data = self._unit.unused_data if self._unit.eof else self._unit.unconsumed_tail

    def finish(self, body: bytearray) -> bool:
        """True when the stream ended where it should (its checksum read)."""
        body += self._unit.flush()
        return bool(self._unit.eof)


def _decoder(encoding: str, service: str) -> _Inflater | None:
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return None
    if name in ("gzip", "x-gzip", "deflate"):
        return _Inflater(name)
    raise e.BadResponse(f"{service} sent the answer in an encoding we do not read "
                        f"({name[:40]!r}).")


def _too_large(what: str, cap: int, service: str) -> TooLarge:
    return TooLarge(f"{service} sent {what} of more than the {cap / 2**20:.0f} MB this "
                    "station accepts; nothing of it was used (the limit is a setting).")


async def read_capped(chunks: AsyncIterator[bytes], content_encoding: str, cap: int,
                      what: str, service: str = "Smart Gift") -> bytes:
    """The body of ``chunks`` (raw, as received), decoded, refused beyond ``cap`` bytes."""
    decoder = _decoder(content_encoding, service)
    body = bytearray()
    async for chunk in chunks:
        if decoder is None:
            body += chunk
        else:
            try:  # max_length bounds each step: a bomb is refused after cap + 1 MB, not 4 GB
                decoder.inflate(chunk, body, cap)
            except zlib.error:
                raise e.BadResponse(f"{service} sent {what} whose compression is "
                                    "damaged.") from None
        if len(body) > cap:
            raise _too_large(what, cap, service)
    if decoder is not None:
        try:
            ended = decoder.finish(body)
        except zlib.error:
            ended = False
        if not ended:  # zlib's flush() does not say; its end-of-stream flag does
            raise e.BadResponse(f"{service} sent {what} that was cut off or damaged "
                                "(compressed data incomplete).")
    if len(body) > cap:
        raise _too_large(what, cap, service)
    return bytes(body)


class UnreadableJson(e.BadResponse):
    """The whole answer is not JSON we can read."""


def parse_json(data: bytes | str, service: str = "Smart Gift") -> Any:
    """JSON, or :class:`UnreadableJson` saying why (never RecursionError or a huge int).

    orjson: nesting beyond 1,024 levels and numbers beyond a double are errors, not
    a RecursionError or a 5,000-digit int; integers beyond 64 bits become floats,
    which the field readers then refuse as out of range.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        reason = _reason(exc)
    raise UnreadableJson(f"{service} sent an answer we could not read ({reason}).")


_BETWEEN_RECORDS: Final = re.compile(rb"\}\s*,\s*\{")
PIECE: Final = 1 << 18  # bytes per orjson call when a list is parsed in pieces


def parse_list_in_pieces(data: bytes, piece: int = PIECE) -> Any:
    """A top-level JSON list parsed ~``piece`` bytes at a time, or the whole as one.

    orjson holds the GIL for a whole call: 40 ms for 5,000 jobs, during which the UI's
    loop cannot run even when the parse is in a worker. Cut between two records (a
    ``},{`` found by one C-level search near each cut), every piece is a list of its
    own. A cut that fell inside a string or a nested list makes its pieces invalid
    JSON, so a wrong cut can only fail (then the whole is parsed at once), never
    parse to something else.
    """
    start = len(data) - len(data.lstrip())
    if len(data) <= piece * 2 or data[start:start + 1] != b"[":
        return parse_json(data)
    cuts = [start]  # where each piece's first record begins
    depth, counted = 0, start  # bracket depth at ``counted`` (strings not told apart)
    found = _BETWEEN_RECORDS.search(data, start + piece)
    while found is not None:
        closing = found.start() + 1  # just after the "}"
        depth += _balance(data, counted, closing)
        counted = closing
        if depth == 1:  # back inside the top-level list: between two of its records
            cuts.append(found.end() - 1)
            found = _BETWEEN_RECORDS.search(data, found.end() + piece)
        else:  # between a job's vouchers, say: the next candidate
            found = _BETWEEN_RECORDS.search(data, found.end())
    pieces = [(data[cut:end] if cut == start else b"[" + data[cut:end])
              for cut, end in zip(cuts, [*cuts[1:], len(data)], strict=True)]
    records: list[Any] = []
    try:
        for index, text in enumerate(pieces):
            if index < len(pieces) - 1:  # up to and including the record's closing brace
                text = text[:text.rindex(b"}") + 1] + b"]"
            part = orjson.loads(text)
            if not isinstance(part, list):
                raise ValueError("not a list")
            records.extend(part)
    except ValueError:  # a cut in the wrong place, or bad JSON: the whole, as one
        return parse_json(data)
    return records


def _balance(data: bytes, start: int, end: int) -> int:
    """Brackets opened less closed in ``data[start:end]``: four C-speed counts.

    Brackets inside strings are counted too; a cut this misplaces fails to parse."""
    return (data.count(b"{", start, end) + data.count(b"[", start, end)
            - data.count(b"}", start, end) - data.count(b"]", start, end))


def _reason(exc: ValueError) -> str:
    text = str(exc)
    if "depth" in text or "recursion" in text:
        return "nested too deeply"
    if "infinity" in text or "digits" in text:
        return "a number too long to read"
    return "not JSON"


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """A record of a list that is not JSON we can read, kept in its place so it is named."""

    index: int
    id: int | None
    reason: str


# Strings (with their escapes) and the characters that give JSON its structure.
_TOKEN: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')
_ID: Final = re.compile(r'"id"\s*:\s*"?(\d{1,15})\b')


def _array_start(text: str) -> int | None:
    """Where the list of records begins: the top level, or the top level's ``"data"``."""
    stripped = len(text) - len(text.lstrip())
    if text[stripped:stripped + 1] == "[":
        return stripped
    if text[stripped:stripped + 1] != "{":
        return None
    depth, last_string = 0, ""
    for match in _TOKEN.finditer(text, stripped):
        token = match.group()
        if token in "{[":
            if token == "[" and depth == 1 and last_string == '"data"':
                return match.start()
            depth += 1
        elif token in "}]":
            depth -= 1
        elif token[0] == '"':
            last_string = token if depth == 1 else ""
        elif token == ",":
            last_string = ""
    return None


def salvage_records(data: bytes) -> list[Any] | None:
    """The records of a JSON list (or ``{"data": [...]}``) read one by one.

    For an answer :func:`parse_json` refused: each record that cannot be read
    becomes an :class:`UnreadableRecord`. None when even the list cannot be found.
    """
    # Bytes that are not UTF-8 become lone surrogates, which orjson refuses: only the
    # record holding them is unreadable.
    text = data.decode("utf-8", "surrogateescape")
    start = _array_start(text)
    if start is None:
        return None
    records: list[Any] = []
    depth, element_start = 0, start + 1
    for match in _TOKEN.finditer(text, start):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth == 0:
                _add_record(records, text[element_start:match.start()])
                return records
        elif token == "," and depth == 1:
            _add_record(records, text[element_start:match.start()])
            element_start = match.end()
    return None  # the list never ends: cut off


def _add_record(records: list[Any], piece: str) -> None:
    if not piece.strip():
        return
    try:
        records.append(orjson.loads(piece))
        return
    except orjson.JSONDecodeError as exc:
        reason = _reason(exc)
    found = _ID.search(piece, 0, 200)
    records.append(UnreadableRecord(len(records), int(found.group(1)) if found else None,
                                    reason))
