"""Command barcodes: what a packer scans instead of reaching for the keyboard.

Each carries ``COMMAND_PREFIX``, which no order reference, voucher code or tracking
number can have (``api.models.tracking_problem`` refuses it as a reference), so a
command is never taken as anything else. Packers' badges reuse the prefix
(``BADGE_PREFIX`` and the packer's code). The
characters are the same on UK, US and German keyboards, so a scanner set to the
wrong layout still types them right.
"""

from __future__ import annotations

from enum import StrEnum

from packstation.api.models import RESERVED_PREFIX

COMMAND_PREFIX = RESERVED_PREFIX + "-"


class Command(StrEnum):
    START = "START"
    PAUSE = "PAUSE"
    REPRINT = "REPRINT"
    LABEL = "LABEL"
    SKIP = "SKIP"
    DISPATCHED = "DISPATCHED"
    WRONG_LABEL = "WRONG-LABEL"
    BOOK = "BOOK"


# What each does, as the command sheet prints it.
MEANINGS = {
    Command.START: "Start packing: the first job is put in hand and printed.",
    Command.PAUSE: "Pause: nothing in hand, nothing prints.",
    Command.REPRINT: "Print the job in hand again (and carry on after a printer problem).",
    Command.LABEL: "Print the address label of the job in hand.",
    Command.SKIP: "Put the job back and take the next one.",
    Command.DISPATCHED: "Dispatch the job in hand with no reference (untracked post).",
    Command.WRONG_LABEL: "The next scan replaces the last dispatched job's tracking number.",
    Command.BOOK: "Book the job in hand with the courier, dispatch it, print its handover label.",
}


BADGE_PREFIX = COMMAND_PREFIX + "BADGE-"


def badge_barcode(code: str) -> str:
    return BADGE_PREFIX + code


def badge_code(text: str) -> str | None:
    """The packer's code a badge scan carries, or None when ``text`` is no badge."""
    if not text.upper().startswith(BADGE_PREFIX):
        return None
    return text[len(BADGE_PREFIX):].strip().upper()


def barcode(command: Command) -> str:
    return COMMAND_PREFIX + command.value


def is_reserved(text: str) -> bool:
    return text.upper().startswith(RESERVED_PREFIX)


def parse(text: str) -> Command | None:
    """The command ``text`` is, or None (an unknown one with the prefix too)."""
    if not text.upper().startswith(COMMAND_PREFIX):
        return None
    word = text[len(COMMAND_PREFIX):].strip().upper().replace(" ", "-")
    try:
        return Command(word)
    except ValueError:
        return None
