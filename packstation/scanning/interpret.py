"""Deciding what a scan means from what it matches.

An order reference or job id selects that job; a voucher code selects its job
when no job is in hand, ticks the voucher when it belongs to the job in hand,
and is a loud "wrong voucher" when it belongs to another. With a job in hand, a
scan that matches nothing known is its tracking reference. A scan that matches
a known order reference or voucher code is never taken as a tracking reference.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from packstation.api import Job
from packstation.api.models import MAX_TRACKING_REFERENCE


class ScanKind(StrEnum):
    SELECT_JOB = "select job"
    VERIFY_VOUCHER = "verify voucher"
    WRONG_VOUCHER = "wrong voucher"
    DISPATCH = "dispatch"
    IGNORED = "ignored"  # empty after cleaning
    REFUSED = "refused"  # too long, or unknown with no job in hand


@dataclass(frozen=True, slots=True)
class ScanMeaning:
    kind: ScanKind
    text: str
    job: Job | None = None  # the job the scan is about
    voucher_id: int | None = None
    message: str = ""
    confirm: str = ""  # non-empty: ask the packer this before acting


class JobLookup(Protocol):
    def by_order_reference(self, reference: str) -> Job | None: ...
    def by_voucher_code(self, code: str) -> Job | None: ...
    def get(self, job_id: int) -> Job | None: ...
    def by_tracking_reference(self, reference: str) -> list[Job]: ...


def clean(raw: str) -> str:
    """Control and format characters out (scanners send some), surrounding space off."""
    return "".join(c for c in raw if unicodedata.category(c) not in ("Cc", "Cf")).strip()


def interpret(raw: str, in_hand: Job | None, lookup: JobLookup) -> ScanMeaning:
    """What ``raw`` means with ``in_hand`` selected. Reads the cache: call it off the UI thread."""
    text = clean(raw)
    if not text:
        return ScanMeaning(ScanKind.IGNORED, text)
    if len(text) > MAX_TRACKING_REFERENCE:
        return ScanMeaning(ScanKind.REFUSED, text, message=(
            f"That scan is {len(text)} characters long; nothing is longer than "
            f"{MAX_TRACKING_REFERENCE}. Scan it again."))
    job = lookup.by_order_reference(text)
    if job is not None:
        return ScanMeaning(ScanKind.SELECT_JOB, text, job,
                           message=f"Order {job.order_reference}")
    owner = lookup.by_voucher_code(text)
    if owner is not None:
        voucher = next(v for v in owner.vouchers if v.code == text)
        if in_hand is None:
            return ScanMeaning(ScanKind.SELECT_JOB, text, owner, voucher.id,
                               message=f"Order {owner.order_reference} (from voucher {text})")
        if owner.id == in_hand.id:
            return ScanMeaning(ScanKind.VERIFY_VOUCHER, text, owner, voucher.id,
                               message=f"Voucher {text} checked")
        return ScanMeaning(ScanKind.WRONG_VOUCHER, text, owner, voucher.id, message=(
            f"WRONG VOUCHER: {text} belongs to order {owner.order_reference}, "
            f"not {in_hand.order_reference}. Put it aside."))
    if text.isdigit() and len(text) <= 12:
        by_id = lookup.get(int(text))
        if by_id is not None:
            return ScanMeaning(ScanKind.SELECT_JOB, text, by_id,
                               message=f"Order {by_id.order_reference} (job {by_id.id})")
    if in_hand is None:
        return ScanMeaning(ScanKind.REFUSED, text, message=(
            f"“{text}” is not an order, job or voucher we know. Scan the order first."))
    if in_hand.status != "pending":
        return ScanMeaning(ScanKind.REFUSED, text, in_hand, message=(
            f"Order {in_hand.order_reference} is already {in_hand.status}."))
    others = [j for j in lookup.by_tracking_reference(text) if j.id != in_hand.id]
    confirm = (f"Tracking reference {text} is already on order {others[0].order_reference}. "
               "Use it for this order too?") if others else ""
    return ScanMeaning(ScanKind.DISPATCH, text, in_hand,
                       message=f"Dispatch order {in_hand.order_reference} with {text}",
                       confirm=confirm)
