"""Does the scanner type what the barcode says? A layout check for UK and US keyboards.

A USB scanner pretends to be a keyboard: it sends key positions for the
layout it was set to, and the PC turns them into characters with its own
layout. When the two differ, letters and digits still come out right but
``@``, ``"``, ``#``, ``\\``, ``|`` and ``~`` do not, so an order reference or a
tracking number with one of them is silently mistyped. The test barcode holds
exactly those characters (plus both letter cases, for Caps Lock, and ``y``/``z``
for a German keyboard); :func:`diagnose` says what went wrong and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Code 128 set B can carry all of these. "Ay" and "Zb" catch Caps Lock and QWERTZ.
TEST_CODE = 'PS-Ay@"#\\|~Zb9'


# What the PC shows for each character when the scanner is set to one layout and
# the PC to the other (same physical key, different character).
_US_SCANNER_ON_UK_PC = {"@": '"', '"': "@", "#": "£", "\\": "#", "|": "~", "~": "¬"}
_UK_SCANNER_ON_US_PC = {'"': "@", "@": '"', "#": "\\", "~": "|", "\\": "<", "|": ">"}
# Windows' US layout gives the extra ISO key (left of Z) \ and | where X11 gives < and >.
_UK_SCANNER_ON_US_WINDOWS = {**_UK_SCANNER_ON_US_PC, "\\": "\\", "|": "|"}


class LayoutVerdict(StrEnum):
    MATCH = "match"
    US_SCANNER_UK_PC = "us-scanner-uk-pc"
    UK_SCANNER_US_PC = "uk-scanner-us-pc"
    CAPS_LOCK = "caps-lock"
    QWERTZ = "qwertz"
    NOTHING = "nothing"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class LayoutCheck:
    verdict: LayoutVerdict
    message: str  # what the packer (or their IT person) should do, in words

    @property
    def ok(self) -> bool:
        return self.verdict is LayoutVerdict.MATCH


def _typed(mapping: dict[str, str], text: str) -> str:
    return "".join(mapping.get(c, c) for c in text)


def diagnose(got: str, expected: str = TEST_CODE) -> LayoutCheck:
    got = got.strip()
    if got == expected:
        return LayoutCheck(LayoutVerdict.MATCH,
                           "The scanner and this PC agree: every character came through.")
    if not got:
        return LayoutCheck(LayoutVerdict.NOTHING,
                           "Nothing arrived. Click into the box, then scan the test barcode.")
    if got == _typed(_US_SCANNER_ON_UK_PC, expected):
        return LayoutCheck(LayoutVerdict.US_SCANNER_UK_PC,
                           "The scanner types as a US keyboard, but this PC uses a UK layout: "
                           "@ and \" are swapped. Set the scanner to “UK English” keyboard "
                           "(scan that setting barcode in its manual), or set the PC to US.")
    if got in (_typed(_UK_SCANNER_ON_US_PC, expected),
               _typed(_UK_SCANNER_ON_US_WINDOWS, expected)):
        return LayoutCheck(LayoutVerdict.UK_SCANNER_US_PC,
                           "The scanner types as a UK keyboard, but this PC uses a US layout: "
                           "@ and \" are swapped. Set the scanner to “US English” keyboard "
                           "(scan that setting barcode in its manual), or set the PC to UK.")
    if got == expected.swapcase():
        return LayoutCheck(LayoutVerdict.CAPS_LOCK,
                           "Capital and small letters came out swapped: Caps Lock is on. "
                           "Turn it off and scan again.")
    if "Az" in got and "Yb" in got:  # the symbols differ too on a German keyboard
        return LayoutCheck(LayoutVerdict.QWERTZ,
                           "Y and Z came out swapped: the scanner or the PC is set to a German "
                           "(QWERTZ) keyboard. Set both to UK English.")
    wrong = sorted({e for e, g in zip(expected, got, strict=False) if e != g})
    shown = " ".join(wrong) if wrong else "the length"
    return LayoutCheck(LayoutVerdict.OTHER,
                       f"The scan differs from the barcode ({shown}; expected {expected}, "
                       f"got {got}). Check the scanner's keyboard country and that it ends "
                       "each scan with Enter; scan again slowly.")
