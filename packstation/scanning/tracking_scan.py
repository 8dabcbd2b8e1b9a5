"""Is this scan the tracking reference for a job sent by this delivery method?

``carrier`` methods take a known courier format with a good check character, sent
as the number the customer knows (DPD's 14 digits, not its 28-character label
barcode); a misread, a product code, a parcel id, a Mailmark payload or a web
address are refused, saying what they are; another carrier's number is asked
about; an unknown format counts only when scanned twice in a row. ``internal``
methods take any reference as scanned; ``untracked`` ones take none.
"""

from __future__ import annotations

from dataclasses import dataclass

from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.scanning.commands import Command, barcode
from packstation.tracking.reading import CarrierNumber, ReadingKind, read, without_symbology


@dataclass(frozen=True, slots=True)
class TrackingVerdict:
    reference: str | None  # what to dispatch with; None: refused
    message: str
    ask: str = ""  # ask the packer this before dispatching
    number: CarrierNumber | None = None
    caution: str = ""  # why it is asked, as a statement (the CLI says it, cannot ask)


def _refused(message: str) -> TrackingVerdict:
    return TrackingVerdict(None, message)


def judge(text: str, method: DeliveryMethod, previous: str = "") -> TrackingVerdict:
    """``text``: one cleaned scan; ``previous``: the scan before it (the double-scan rule)."""
    if method.courier:  # its reference is the courier's job id, which BOOK gets
        return _refused(f"{method.name or 'This method'} is booked with the courier: scan "
                        f"{barcode(Command.BOOK)} (or press Ctrl+K) to book and dispatch it.")
    if method.tracking is Tracking.UNTRACKED:
        return _refused(f"{method.name or 'This method'} is untracked: scan "
                        f"{barcode(Command.DISPATCHED)} to dispatch it with no reference.")
    if method.tracking is Tracking.INTERNAL:
        own, _ = without_symbology(text)  # a scanner's "]C0" is not part of it
        return TrackingVerdict(own, f"Own reference {own}") if own else _refused(
            "That scan is empty.")
    reading = read(text)
    expected = method.carrier
    if reading.kind is ReadingKind.TRACKING:
        chosen = next((n for n in reading.numbers if expected and n.fits_carrier(expected)),
                      None)
        if chosen is not None:
            # 1 in 10 numbers of a format without letters also has a product code's check
            # digit: the packer says which this is, rather than either being refused.
            ask = (f"{chosen.number} is a {method.carrier_name} number but also "
                   f"{reading.product}. Is it the label's tracking number?"
                   if reading.product else "")
            return TrackingVerdict(chosen.number, f"{method.carrier_name}: {chosen.number}",
                                   ask=ask, number=chosen,
                                   caution=f"also {reading.product}" if ask else "")
        if reading.product:
            return _refused(f"That is {reading.product}, not a tracking number. Scan the "
                            "courier label's tracking barcode.")
        first = reading.numbers[0]
        if expected:
            return TrackingVerdict(first.number, f"{first.carrier_name}: {first.number}", ask=(
                f"That is a {first.carrier_name} number ({first.number}), but "
                f"{method.name or 'this method'} goes by {method.carrier_name}. "
                "Dispatch with it anyway?"), number=first,
                caution=f"{method.name or 'this method'} goes by {method.carrier_name}")
        return TrackingVerdict(first.number, f"{first.carrier_name}: {first.number}",
                               number=first)
    if reading.kind is ReadingKind.NOT_TRACKING:
        return _refused(f"That is {reading.looks_like}, not a tracking number. Scan the "
                        "courier label's tracking barcode."
                        if "not a tracking number" not in reading.looks_like
                        else f"That is {reading.looks_like}. Scan the label's tracking barcode.")
    if reading.kind is ReadingKind.MISREAD:
        bad = reading.misread[0]
        return _refused(f"MISREAD: {reading.text} looks like a {bad.carrier_name} number, but "
                        "its check digit is wrong. Scan it again.")
    if previous and previous == text:
        return TrackingVerdict(reading.text, "Used as scanned (a format we do not know): "
                                             f"{reading.text}")
    carrier = f" for {method.carrier_name}" if expected else ""
    return _refused(f"“{reading.text}” is no tracking number format we know{carrier}. "
                    "Scan the same barcode again to use it as it is.")
