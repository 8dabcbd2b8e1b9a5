"""Continuous packing: one scan per job.

After a dispatch the next job in the queue's order is put in hand and its vouchers
printed at once; the first job prints on START (or Ctrl+P). When the next job cannot
print (its PDFs not generated yet, the printer stopped) the flow says so and waits on
that job: it prints by itself once the PDFs arrive (``resume``), or on REPRINT. PAUSE
leaves nothing in hand and prints nothing until the next START or order scan. No Qt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from typing import Protocol

from packstation.api import Job
from packstation.job_service import NO_NEW_JOB, JobService
from packstation.store.site_database import SiteUnreachable


class QueueOrder(Protocol):
    """The queue as the packer sees it (its order, its filter)."""

    def pending_in_order(self, after: Job | None, skip: Set[int]) -> list[Job]:
        """The candidates for "next job", in order (the first one no other station of a
        site holds is taken)."""

    def put_in_hand(self, job: Job) -> None:
        """Shown as the job in hand now: its print is with the spooler (or slow), and the
        job just dispatched may leave the view (its dispatch confirmed) meanwhile."""


SHOW_WITHIN = 0.05  # seconds: the next job is in hand by then, printed or not


@dataclass(frozen=True, slots=True)
class Step:
    """What the flow did: say ``message`` (red unless ``ok``), put ``select`` in hand,
    or nothing at all when ``clear``."""

    ok: bool
    message: str
    select: Job | None = None
    clear: bool = False


@dataclass
class PackingFlow:
    jobs: JobService
    continuous: Callable[[], bool] = lambda: True
    pdfs_ready: Callable[[Job], bool] = lambda job: False  # memory only: asked every second
    paused: bool = False
    waiting: Job | None = None  # could not print: printed on REPRINT (or when PDFs arrive)
    waiting_for_pdfs: bool = False
    packed: set[int] = field(default_factory=set)  # dispatched here (maybe not yet confirmed)

    def prints_next(self) -> bool:
        """Whether a dispatch now prints the next job."""
        return self.continuous() and not self.paused

    async def print_in_hand(self, job: Job, queue: QueueOrder | None = None) -> Step:
        printing = asyncio.ensure_future(self.jobs.print_now(job))
        try:
            if queue is not None:
                # Shown once the spooler has it (or after SHOW_WITHIN, a slow spooler): the
                # window's painting is held meanwhile anyway, and showing a job would take
                # the one interpreter from the print's worker for a few milliseconds.
                await asyncio.wait({printing}, timeout=SHOW_WITHIN)
                queue.put_in_hand(job)
            printed = await printing
        except asyncio.CancelledError:
            printing.cancel()
            raise
        if printed.ok:
            self.waiting, self.waiting_for_pdfs = None, False
            return Step(True, f"Order {job.order_reference}: {printed.message}", select=job)
        self.waiting, self.waiting_for_pdfs = job, printed.waiting_for_pdfs
        then = ("It prints by itself once they arrive, or scan REPRINT."
                if printed.waiting_for_pdfs else "Put it right, then scan REPRINT.")
        return Step(False, f"Order {job.order_reference} NOT printed: {printed.message}. "
                           f"{then}", select=job)

    async def start(self, in_hand: Job | None, queue: QueueOrder) -> Step:
        self.paused = False
        try:
            job = in_hand if in_hand is not None and in_hand.status == "pending" \
                else await self.jobs.take_next(queue.pending_in_order(None, self.packed))
        except SiteUnreachable:
            return Step(False, NO_NEW_JOB)
        if job is None:
            return Step(True, "Nothing to pack: every job in the queue is done.")
        holder = await self.jobs.hold(job) if job is in_hand else None
        if holder is not None:  # picked by hand, but another bench has it
            return Step(False, f"Order {job.order_reference} is in hand at {holder.station}:"
                               " scan its order to take it over, or PAUSE then START for "
                               "the next job.", select=job)
        return await self.print_in_hand(job, queue)

    def pause(self) -> Step:
        self.paused, self.waiting, self.waiting_for_pdfs = True, None, False
        return Step(True, "Paused: nothing in hand. Scan START to carry on.", clear=True)

    def hand_changed(self, job: Job | None) -> None:
        """Another job in hand: the one the flow waited on is no longer the packer's."""
        if self.waiting is not None and (job is None or job.id != self.waiting.id):
            self.waiting, self.waiting_for_pdfs = None, False

    async def skip(self, in_hand: Job | None, queue: QueueOrder) -> Step:
        self.hand_changed(None)
        try:
            following = await self.jobs.take_next(queue.pending_in_order(
                in_hand, self.packed | ({in_hand.id} if in_hand is not None else set())))
        except SiteUnreachable:
            return Step(False, NO_NEW_JOB)
        if following is None:
            return Step(True, "No other job to take.")
        if in_hand is not None:
            await self.jobs.release(in_hand)  # back in the queue, for any bench
        if self.prints_next():
            step = await self.print_in_hand(following, queue)
            return Step(step.ok, f"Skipped. {step.message}", select=following)
        return Step(True, f"Skipped: order {following.order_reference} in hand.",
                    select=following)

    async def reprint(self, in_hand: Job | None) -> Step:
        self.hand_changed(in_hand)
        job = self.waiting or in_hand
        if job is None:
            return Step(False, "No job in hand to print.")
        self.paused = False
        return await self.print_in_hand(job)

    async def after_dispatch(self, done: Job, queue: QueueOrder) -> Step:
        """The next job in hand (and printed, when packing continuously); the message says
        what became of the next job only."""
        self.packed.add(done.id)
        self.hand_changed(None)  # the job waited on (if it was this one) is packed
        try:
            following = await self.jobs.take_next(queue.pending_in_order(done, self.packed))
        except SiteUnreachable:  # the dispatch is saved (here): the packer is told so, red
            return Step(False, NO_NEW_JOB, clear=True)
        if following is None:
            return Step(True, "That was the last job in the queue.", clear=True)
        if not self.prints_next():
            return Step(True, "", select=following)
        step = await self.print_in_hand(following, queue)
        return Step(step.ok, f"Next: {step.message}", select=following)

    def ready_to_resume(self, in_hand: Job | None) -> Job | None:
        """The job waiting for its PDFs, once they are all here and it is still the one in
        hand (cheap: ask it often)."""
        job = self.waiting
        if job is not None and in_hand is not None and job.id == in_hand.id \
                and self.waiting_for_pdfs and self.pdfs_ready(job):
            return job
        return None
