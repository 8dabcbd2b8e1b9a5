"""What a scanned barcode is: a carrier's tracking number, a misread one, or
something that is no tracking number at all (a product code, a parcel id, a
Mailmark payload, a web address).

The scan is first freed of what scanners add: a GS1 symbology identifier (``]C1``,
``]d2``), spaces and hyphens. GS1 element strings (an SSCC under AI 00, product
GTINs) are read with biip; the rest is matched against every known format.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import StrEnum

from packstation.tracking.formats import TrackingFormat, formats

MAX_SCAN = 255  # the longest reference Smart Gift takes: anything longer is no number

_SYMBOLOGY_ID = re.compile(r"\][A-Za-z][0-9A-Za-z]")  # ISO/IEC 15424: ] + code + modifier
_SEPARATORS = re.compile(r"[\s\-]+")
# A link of any scheme (http, javascript:, mailto:, //host): no tracking number has ":".
_URL = re.compile(r"(?i)([a-z][a-z0-9+.\-]*:|//|www\.)")
_GS1_SYMBOLOGIES = ("]C1", "]d2", "]Q3", "]e0", "]J1")  # GS1-128, DataMatrix, QR, DataBar, DotCode
# Mailmark 2D payloads start "JGB " and run to 70+ characters; a scanner may send the
# space as anything (or drop it), so JGB + a non-alphanumeric, or a long JGB, is one.
_MAILMARK = re.compile(r"(?i)JGB(?:[^0-9A-Za-z]|.{27,})", re.DOTALL)


class ReadingKind(StrEnum):
    TRACKING = "tracking number"
    MISREAD = "misread"  # a known format, but its check character is wrong
    NOT_TRACKING = "not a tracking number"  # product code, SSCC, Mailmark, web address
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CarrierNumber:
    carrier: str  # id, as in formats.CARRIERS
    carrier_name: str
    format_id: str
    format_name: str
    number: str  # normalised: what the carrier's site and the customer know
    url_pattern: str | None = None

    @property
    def link(self) -> str | None:
        return self.url_pattern.replace("%s", self.number) if self.url_pattern else None

    def fits_carrier(self, carrier: str) -> bool:
        # A GB S10 number may be Parcelforce's as well as Royal Mail's (their exports).
        return carrier == self.carrier or (
            carrier == "parcelforce" and self.carrier == "royal-mail"
            and self.format_id == "s10")


@dataclass(frozen=True, slots=True)
class Reading:
    text: str  # the scan without symbology identifier or surrounding space
    kind: ReadingKind
    numbers: tuple[CarrierNumber, ...] = ()  # formats it fits with a good check
    misread: tuple[CarrierNumber, ...] = ()  # formats it fits with a wrong check
    looks_like: str = ""  # what it is when no tracking number ("an EAN-13 product code")
    product: str = ""  # also a valid product code (a UPC-A can look like FedEx's 12)


def _matches(compact: str, known: tuple[TrackingFormat, ...]
             ) -> tuple[list[CarrierNumber], list[CarrierNumber]]:
    good: list[CarrierNumber] = []
    bad: list[CarrierNumber] = []
    for fmt in known:
        match = fmt.fits(compact)
        if match is None:
            continue
        carrier, name, url = fmt.carrier_of(match)
        number = CarrierNumber(carrier, name, fmt.id, fmt.name, fmt.reference(match), url)
        (good if fmt.check_ok(match) else bad).append(number)
    return good, bad


def without_symbology(raw: str) -> tuple[str, str]:
    """(the scan without a scanner's symbology identifier, that identifier or "")."""
    text = raw.strip()
    prefix = _SYMBOLOGY_ID.match(text)
    if prefix is None:
        return text, ""
    return text[prefix.end():].strip(), prefix.group(0)


def _product(compact: str) -> str:
    if not compact.isdigit() or len(compact) not in (8, 12, 13, 14):
        return ""
    import biip  # 120 ms to import: only when a product code is possible (see warm_up)

    gtin = biip.parse(compact).gtin
    if gtin is None:
        return ""
    kind = {8: "an EAN-8", 12: "a UPC-A", 13: "an EAN-13", 14: "a GTIN-14 (carton)"}
    return f"{kind[len(compact)]} product code"


def read(raw: str, known: tuple[TrackingFormat, ...] | None = None) -> Reading:
    """What ``raw`` (one scan, control characters already gone) is."""
    known = formats() if known is None else known
    text, symbology = without_symbology(raw)
    if len(text) > MAX_SCAN:
        return Reading(text[:MAX_SCAN], ReadingKind.UNKNOWN)
    if _MAILMARK.match(text):
        return Reading(text, ReadingKind.NOT_TRACKING, looks_like=(
            "a Royal Mail Mailmark 2D barcode; scan the label's tracking barcode instead"))
    if _URL.match(text):
        return Reading(text, ReadingKind.NOT_TRACKING, looks_like="a web address or link")
    compact = _SEPARATORS.sub("", text)
    if not compact.isascii():  # upper() would make "ﬅ" into "ST": never guess letters
        return Reading(text, ReadingKind.NOT_TRACKING, looks_like=(
            "text with characters no tracking number has"))
    compact = compact.upper()
    if len(compact) == 20 and compact.startswith("00") and compact.isdigit():
        return _sscc(text, compact[2:], known)
    if symbology in _GS1_SYMBOLOGIES and compact[:2] in ("01", "02") and compact.isdigit():
        return Reading(text, ReadingKind.NOT_TRACKING, looks_like=(
            "a GS1 product barcode (a GTIN)"))
    good, bad = _matches(compact, known)
    product = _product(compact)
    if good:
        return Reading(text, ReadingKind.TRACKING, tuple(good), tuple(bad), product=product)
    if product:
        return Reading(text, ReadingKind.NOT_TRACKING, looks_like=product)
    if bad:
        return Reading(text, ReadingKind.MISREAD, misread=tuple(bad))
    return Reading(text, ReadingKind.UNKNOWN)


def warm_up() -> None:
    """Read the formats and import the GS1 parser now (in a worker), not at a first scan."""
    formats()
    import biip  # noqa: F401


def recognised(reference: str | None) -> CarrierNumber | None:
    """The carrier of a stored tracking reference, for showing it; None when unknown or
    while the formats are not read yet (so the UI thread never reads them from disk)."""
    if not reference or formats.cache_info().currsize == 0 or "biip" not in sys.modules:
        return None
    reading = read(reference)
    return reading.numbers[0] if reading.kind is ReadingKind.TRACKING else None


def _sscc(text: str, sscc: str, known: tuple[TrackingFormat, ...]) -> Reading:
    """GS1 AI 00: a serial shipping container code. Only a carrier's own SSCC format
    (FedEx Ground's) is a tracking number; any other is a parcel id."""
    good, _ = _matches(sscc, tuple(f for f in known if "sscc" in f.id))
    if good:
        return Reading(text, ReadingKind.TRACKING, tuple(good))
    return Reading(text, ReadingKind.NOT_TRACKING,
                   looks_like="a parcel id (GS1 SSCC), not a tracking number")
