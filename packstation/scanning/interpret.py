"""Deciding what a scan means from what it matches.

A command barcode (``scanning.commands``) is a command and nothing else. An order
reference or job id selects that job; a voucher code selects its job when no job is
in hand, ticks the voucher when it belongs to the job in hand, and is a loud "wrong
voucher" when it belongs to another. With a job in hand, any other scan is judged as
its tracking reference by the job's delivery method (``tracking_scan``). A scan that
matches a known order reference or voucher code is never taken as a tracking reference.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from packstation.api import Job
from packstation.api.models import MAX_TRACKING_REFERENCE
from packstation.config.delivery import DeliveryMethod
from packstation.packers import Packer
from packstation.scanning import commands
from packstation.scanning.commands import Command
from packstation.scanning.tracking_scan import judge


class ScanKind(StrEnum):
    SELECT_JOB = "select job"
    VERIFY_VOUCHER = "verify voucher"
    WRONG_VOUCHER = "wrong voucher"
    DISPATCH = "dispatch"
    COMMAND = "command"
    IGNORED = "ignored"  # empty after cleaning
    REFUSED = "refused"  # too long, no tracking number, or unknown with no job in hand
    BADGE = "badge"  # a packer's badge: signs them in


@dataclass(frozen=True, slots=True)
class ScanMeaning:
    kind: ScanKind
    text: str
    job: Job | None = None  # the job the scan is about
    voucher_id: int | None = None
    message: str = ""
    confirm: str = ""  # non-empty: ask the packer this before acting
    command: Command | None = None
    reference: str | None = None  # DISPATCH: what is sent (the normalised number)
    packer: Packer | None = None  # BADGE: whose it is (None: not on the list)


class JobLookup(Protocol):
    def by_order_reference(self, reference: str) -> Job | None: ...
    def by_voucher_code(self, code: str) -> Job | None: ...
    def get(self, job_id: int) -> Job | None: ...
    def by_tracking_reference(self, reference: str) -> list[Job]: ...


def clean(raw: str) -> str:
    """Control and format characters out (scanners send some), surrounding space off."""
    return "".join(c for c in raw if unicodedata.category(c) not in ("Cc", "Cf")).strip()


def interpret(raw: str, in_hand: Job | None, lookup: JobLookup,
              method: Callable[[str | None], DeliveryMethod] | None = None,
              previous: str = "", replacing: bool = False) -> ScanMeaning:
    """What ``raw`` means with ``in_hand`` selected; ``method`` gives a job's delivery
    method by name, ``previous`` is the scan before (an unknown format counts when
    scanned twice); ``replacing``: ``in_hand`` is a dispatched job whose reference the
    scan replaces (WRONG LABEL). Reads the cache: call it off the UI thread."""
    text = clean(raw)
    if not text:
        return ScanMeaning(ScanKind.IGNORED, text)
    if commands.is_reserved(text):
        command = commands.parse(text)
        if command is None:
            return ScanMeaning(ScanKind.REFUSED, text, message=(
                f"“{text}” is not a command this station knows. Use the command sheet "
                "from Settings > Scanner."))
        return ScanMeaning(ScanKind.COMMAND, text, in_hand, command=command,
                           message=command.value.replace("-", " ").capitalize())
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
    if text.isascii() and text.isdigit() and len(text) <= 12:  # "²" isdigit, int() refuses
        by_id = lookup.get(int(text))
        if by_id is not None:
            return ScanMeaning(ScanKind.SELECT_JOB, text, by_id,
                               message=f"Order {by_id.order_reference} (job {by_id.id})")
    if in_hand is None:
        return ScanMeaning(ScanKind.REFUSED, text, message=(
            f"“{text}” is not an order, job or voucher we know. Scan the order first."))
    if in_hand.status != "pending" and not replacing:
        return ScanMeaning(ScanKind.REFUSED, text, in_hand, message=(
            f"Order {in_hand.order_reference} is already {in_hand.status}."))
    name = in_hand.delivery_method_name
    record = method(name) if method is not None else DeliveryMethod(name or "")
    return as_tracking(text, in_hand, lookup, record, previous)


def as_tracking(text: str, job: Job, lookup: JobLookup, method: DeliveryMethod,
                previous: str = "") -> ScanMeaning:
    """``text`` judged as ``job``'s tracking reference: DISPATCH (maybe asking) or REFUSED."""
    verdict = judge(text, method, previous)
    if verdict.reference is None:
        return ScanMeaning(ScanKind.REFUSED, text, job, message=verdict.message)
    reference = verdict.reference
    others = [j for j in lookup.by_tracking_reference(reference) if j.id != job.id]
    questions = [verdict.ask] if verdict.ask else []
    if others:
        questions.append(f"Tracking reference {reference} is already on order "
                         f"{others[0].order_reference}. Use it for this order too?")
    return ScanMeaning(ScanKind.DISPATCH, text, job, message=verdict.message,
                       confirm=" ".join(questions), reference=reference)
