"""What the station does with a scan: select (and print), verify, dispatch, or say no.

What a scan means is decided by ``interpret``; what is then done to the job
(print, dispatch) by the ``JobService``, which the Job menu uses too. Every
scan is logged with its outcome. Disk and network work runs off the caller's
thread (the UI's loop never waits); the result says what to show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from packstation.api import Job
from packstation.job_service import JobService
from packstation.scanning.interpret import ScanKind, ScanMeaning, interpret
from packstation.store.jobs import JobCache


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    ok: bool
    message: str
    meaning: ScanMeaning
    select: Job | None = None  # select this job in the queue
    dispatched: bool = False  # saved for sending: move on to the next job
    confirm: str = ""  # ask this, then call handle(..., confirmed=True, replace=replace)
    replace: bool = False  # the question is whether to replace another tracking reference


@dataclass
class ScanHandler:
    cache: JobCache
    jobs: JobService
    print_on_select: bool = True
    verified: dict[int, set[int]] = field(default_factory=dict)

    async def handle(self, raw: str, in_hand: Job | None, *, confirmed: bool = False,
                     replace: bool = False) -> ScanOutcome:
        """What ``raw`` means and does. ``confirmed``: the packer said yes to the outcome's
        ``confirm`` question; ``replace``: and that question was about replacing a
        different tracking reference (the outcome's ``replace`` says which)."""
        meaning = await asyncio.to_thread(interpret, raw, in_hand, self.cache)
        outcome = await self._act(meaning, confirmed, replace)
        if meaning.kind is not ScanKind.IGNORED:
            await asyncio.to_thread(self.jobs.log.record, meaning.text, meaning.kind.value,
                                    outcome.message,
                                    meaning.job.id if meaning.job else None)
        return outcome

    async def _act(self, meaning: ScanMeaning, confirmed: bool, replace: bool) -> ScanOutcome:
        kind, job = meaning.kind, meaning.job
        if kind is ScanKind.IGNORED:
            return ScanOutcome(True, "", meaning)
        if kind in (ScanKind.REFUSED, ScanKind.WRONG_VOUCHER):
            return ScanOutcome(False, meaning.message, meaning)
        assert job is not None
        if kind is ScanKind.VERIFY_VOUCHER:
            checked = self.verified.setdefault(job.id, set())
            checked.add(meaning.voucher_id or 0)
            done = len(checked & {v.id for v in job.vouchers})
            total = len(job.vouchers)
            message = (f"All {total} vouchers checked" if done == total
                       else f"{meaning.message} ({done} of {total})")
            return ScanOutcome(True, message, meaning, select=job)
        if kind is ScanKind.SELECT_JOB:
            if self.print_on_select and self.jobs.printer() is not None \
                    and job.status == "pending":
                printed = await self.jobs.print_now(job)
                return ScanOutcome(printed.ok, f"{meaning.message}: {printed.message}",
                                   meaning, select=job)
            return ScanOutcome(True, meaning.message, meaning, select=job)
        # DISPATCH
        if meaning.confirm and not confirmed:
            return ScanOutcome(False, meaning.confirm, meaning, confirm=meaning.confirm)
        saved = await self.jobs.dispatch(job, meaning.text, replace=replace)
        return ScanOutcome(saved.ok, saved.message, meaning, dispatched=saved.ok,
                           confirm=saved.ask, replace=saved.replace)
