"""Text from outside, made safe to print or log: nothing a terminal would act on.

A customer name from Smart Gift could hold ESC sequences (set the window title,
clear the screen), BEL, a carriage return or a bidi override that reorders what
follows. Each such character becomes its escape (``\\x1b``, ``\\u202e``); in a
table cell newlines and tabs too, so one record is always one line. Live
secrets are redacted on the way. Used by the CLI's output and the log.
"""

from __future__ import annotations

from packstation.api.secret import redact


def _escapes(keep: str) -> dict[int, str]:
    table: dict[int, str] = {}
    # Surrogates too: a lone one (valid in JSON, not in UTF-8) would fail the print.
    points = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F,
              *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0xFEFF,
              *range(0xD800, 0xE000)]
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
