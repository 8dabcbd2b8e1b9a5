"""Bounded argument types: a number typed on the command line is checked like one sent.

``jobs print 1 --copies 10^23`` or a job id of 23 digits is a usage error (exit 2)
with a sentence saying the range, never an OverflowError in SQLite or the spooler.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import date

from packstation.api.fields import MAX_ID


def identifier(text: str) -> int:
    """A Smart Gift or local id: a whole number from 1 to 2^53 - 1."""
    return bounded_int(1, MAX_ID - 1, "an id")(text)


def bounded_int(low: int, high: int, what: str = "a whole number") -> Callable[[str], int]:
    def parse(text: str) -> int:
        digits = text.strip()
        bare = digits[1:] if digits[:1] in "+-" else digits
        if not (bare.isascii() and bare.isdigit()):
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not {what} "
                                             f"(from {low:,} to {high:,})")
        if len(bare) > 20 or not low <= int(digits) <= high:
            shown = text if len(text) <= 24 else f"a number of {len(bare)} digits"
            raise argparse.ArgumentTypeError(f"{shown} is out of range: {what} is from "
                                             f"{low:,} to {high:,}")
        return int(digits)

    parse.__name__ = what  # argparse names the type in its messages
    return parse


def bounded_float(low: float, high: float, what: str = "seconds") -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text[:40])
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of {what}") \
                from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text[:40]} is out of range: from {low:g} to "
                                             f"{high:g} {what}")
        return value

    parse.__name__ = what
    return parse


def report_date(text: str) -> date:
    """A day to report on: YYYY-MM-DD, within ten years of today (beyond is a typo)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a date (YYYY-MM-DD)") from None
    if abs((day - date.today()).days) > 3660:
        raise argparse.ArgumentTypeError(f"{day} is more than ten years away")
    return day
