"""What the CLI prints is shown as text, never run by the terminal.

A customer name from Smart Gift could hold ESC sequences (set the window
title, clear the screen), BEL, a carriage return or a bidi override that
reorders what follows, and forge a row in `jobs list`. Every character a
terminal would act on is printed as its escape instead (``\\x1b``,
``\\u202e``); a table cell also escapes newlines and tabs, so one record is
always one row. The key and other live secrets are redacted on the way out.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from packstation.api.secret import redact


def _escapes(keep: str) -> dict[int, str]:
    table: dict[int, str] = {}
    points = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F,
              *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0xFEFF]
    for point in points:
        if chr(point) not in keep:
            table[point] = f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"
    return table


_IN_TEXT = _escapes(keep="\n\t")  # our own messages keep their lines
_IN_CELL = _escapes(keep="")  # a cell is one line, whatever the server sent


def escaped(text: str) -> str:
    return redact(text).translate(_IN_TEXT)


def cell(text: str) -> str:
    """One table cell: one line, no control characters."""
    return redact(text).translate(_IN_CELL)


class EscapingStream:
    """A text stream that escapes what a terminal would act on (see the module doc)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(escaped(text))

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def escape_output() -> tuple[TextIO, TextIO]:
    """Route stdout and stderr through :class:`EscapingStream`; returns the originals."""
    original = sys.stdout, sys.stderr
    sys.stdout = EscapingStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = EscapingStream(sys.stderr)  # type: ignore[assignment]
    return original


class EscapingFormatter(logging.Formatter):
    """Log lines escaped like the rest of the output (they quote server text)."""

    def format(self, record: logging.LogRecord) -> str:
        return escaped(super().format(record))
