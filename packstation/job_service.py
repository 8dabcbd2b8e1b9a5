"""What a packer does to a job: print its vouchers (one job, or every job shown),
dispatch it with a tracking reference, mark it delivered or cancelled.

The scan handler and the window's Job menu both come here; ``scanning`` only
decides what a scan means. Every change is checked and written to the outbox
before it is sent (a scan's dispatch goes on the wire as that write's commit syncs
to disk: see ``EarlySend``), and on disk before anyone is told it is saved; every
action is logged. Disk and printer work runs
off the caller's thread. No Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from packstation.api import ApiError, Job
from packstation.api.errors import PdfNotReady
from packstation.printing.errors import PrintError
from packstation.printing.voucher_printer import VoucherPrinter
from packstation.store.claims import Holder, JobClaims, LocalClaims
from packstation.store.outbox import (
    DEFAULT_LEASE,
    DispatchOutbox,
    InvalidChange,
    OutboxConflict,
    OutboxEntry,
)
from packstation.store.scan_log import ScanLog
from packstation.store.site_database import SiteUnreachable
from packstation.sync.outbox_sender import OutboxEvent, SendOutcome

SEND_FIRST = 0.25  # seconds a scan's outcome waits for Smart Gift's answer (a slow line: less)
NO_NEW_JOB = ("The site's database cannot be reached: no new job until it is back. The job "
              "in hand can still be dispatched (saved on this station and sent from here).")

SendFirst = Callable[[OutboxEntry, asyncio.Event | None], asyncio.Future[OutboxEvent]]


@dataclass(frozen=True, slots=True)
class Alone:
    """Where a packer's change goes while the site's database cannot be reached: this
    station's own outbox (SQLite), sent by its own sender (its history is carried into the
    site's once the site is back: ``sync.site_catch_up``)."""

    outbox: DispatchOutbox
    send_first: SendFirst
    poke: Callable[[], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str
    ask: str = ""  # non-empty: nothing was done; ask the packer this first
    replace: bool = False  # ...and, if yes, do it again with replace=True
    waiting_for_pdfs: bool = False  # not printed only because the PDFs are not made yet


@dataclass(frozen=True, slots=True)
class Saved:
    """A dispatch saved (``claimed``: and leased here, to be sent now), or ``refused``:
    nothing saved, and what to say (or ask). ``early``: its send already started."""

    refused: Outcome | None = None
    claimed: OutboxEntry | None = None
    early: EarlySend | None = None
    alone: bool = False  # saved in this station's own outbox: the site was out of reach


class EarlySend:
    """A packer's dispatch put on the wire from the loop as its commit reaches the disk
    (``save_dispatch`` with a loop): the scan then waits on one disk sync, not on a disk
    sync followed by the network. It starts only once every check has passed (nothing
    refused is ever sent); the packer is told it is saved only once it is committed, and
    Smart Gift's answer is recorded only after the commit (the same database lock). A
    commit that fails (a full disk) withdraws the send unless it is already on the wire,
    as it usually is by then: the packer is told it is NOT saved here and that Smart Gift
    may have it (then exactly as scanned, and the next sync shows it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, written: asyncio.Event) -> None:
        self.loop, self.written = loop, written
        self.started = False  # set in the worker
        self.answer: asyncio.Future[OutboxEvent] | None = None  # set on the loop's thread

    def start(self, send_first: Callable[[OutboxEntry, asyncio.Event | None],
                                         asyncio.Future[OutboxEvent]],
              entry: OutboxEntry) -> None:
        """From the worker, inside the transaction: the send starts on the loop, before
        the worker's own result gets there (both go through the loop's one queue)."""
        def begin() -> None:
            self.answer = send_first(entry, self.written)
        self.started = True
        self.loop.call_soon_threadsafe(begin)

    def abandon(self) -> None:
        """From the worker: the commit failed. The send is withdrawn unless its request is
        already on the wire (it runs after ``begin``: the same queue)."""
        def withdraw() -> None:
            if self.answer is not None:
                self.answer.cancel()  # send_first: a cancelled answer withdraws the send
        self.loop.call_soon_threadsafe(withdraw)


@dataclass
class JobService:
    outbox: DispatchOutbox
    log: ScanLog
    printer: Callable[[], VoucherPrinter | None] = lambda: None
    poke_sender: Callable[[], None] = lambda: None
    # Sends a packer's dispatch at once and waits (bounded) for its answer: the dispatch
    # goes before anything the scan does next. None: saved, and the sender is poked.
    send_first: Callable[[OutboxEntry, asyncio.Event | None],
                         asyncio.Future[OutboxEvent]] | None = None
    lease: Callable[[], float] = lambda: DEFAULT_LEASE
    # Which station has which job in hand: a site's (shared) or nobody else's (alone).
    claims: JobClaims = field(default_factory=LocalClaims)
    # A site's station: where a dispatch goes while the site's database is out of reach.
    alone: Alone | None = None

    async def take_next(self, candidates: list[Job]) -> Job | None:
        """The first of ``candidates`` no other station holds, now held here (alone: the
        first, with no trip to a worker: the next job's print is on the packer's clock)."""
        if not self.claims.shared:
            return candidates[0] if candidates else None
        taken = await asyncio.to_thread(self.claims.take_first, [j.id for j in candidates])
        return next((j for j in candidates if j.id == taken), None)

    async def release(self, job: Job) -> None:
        """``job`` back in the queue for any bench (SKIP, PAUSE)."""
        if self.claims.shared:
            with contextlib.suppress(SiteUnreachable):  # it lapses by itself (CLAIM_TIMEOUT)
                await asyncio.to_thread(self.claims.release, job.id)

    async def hold(self, job: Job, *, take_over: bool = False) -> Holder | None:
        """``job`` in this station's hand; the other station holding it (nothing taken)
        unless ``take_over``."""
        if not self.claims.shared:
            return None
        try:
            return await asyncio.to_thread(lambda: self.claims.take(job.id, take_over=take_over))
        except SiteUnreachable:  # the job in hand stays in hand: its dispatch is saved here
            return None

    async def print_now(self, job: Job, *, label: bool = False) -> Outcome:
        """The job's vouchers (or address label) to its printer, whatever print-on-select
        says."""
        printer = self.printer()
        if printer is None:
            return Outcome(False, "not printed: no printer is set up")
        if self.claims.shared:  # never a job another bench of the site has in hand
            try:
                holder = await asyncio.to_thread(self.claims.holder, job.id)
            except SiteUnreachable:  # the job in hand was this bench's: it prints
                holder = None
            if holder is not None:
                return Outcome(False, f"not printed: order {job.order_reference} is in hand "
                                      f"at {holder.station}; scan its order here to take it "
                                      "over first")
        try:
            _, receipt = await printer.print_job(job, label=label)
        except PdfNotReady as exc:
            return Outcome(False, f"not printed: {exc}", waiting_for_pdfs=True)
        except (PrintError, ApiError) as exc:
            return Outcome(False, f"not printed: {exc}")
        what = "label" if label else f"{receipt.pages} page(s)"
        return Outcome(True, f"{what} sent to {receipt.printer}")

    async def print_handover(self, job: Job, courier_job_id: str) -> Outcome:
        """The handover label of a job booked with the courier (its job id as a barcode) to
        the label printer, or the voucher printer when there is none."""
        printer = self.printer()
        if printer is None:
            return Outcome(False, "handover label not printed: no printer is set up")
        try:
            _, receipt = await printer.print_job(job, label=True, handover=courier_job_id)
        except (PrintError, ApiError) as exc:
            return Outcome(False, f"handover label not printed: {exc}")
        return Outcome(True, f"handover label sent to {receipt.printer}")

    async def look_ahead(self) -> None:
        """The voucher printer made ready for a print about to come (its state asked now,
        while the scan before it is saved): never fails, the print says what is wrong."""
        printer = self.printer()
        if printer is not None:
            await asyncio.to_thread(printer.look_ahead)

    async def print_batch(self, jobs: list[Job],
                          progress: Callable[[str, int, int], None]) -> Outcome:
        """Each job's vouchers in turn (Ctrl+Shift+P), progress told; the outcome in words."""
        failed: list[str] = []
        for done, job in enumerate(jobs):
            progress(f"Printing {done + 1} of {len(jobs)}", done, len(jobs))
            outcome = await self.print_now(job)
            if not outcome.ok:
                failed.append(f"{job.order_reference or job.id}: {outcome.message}")
        if failed:
            return Outcome(False, f"{len(failed)} of {len(jobs)} not printed. First: {failed[0]}")
        return Outcome(True, f"All {len(jobs)} job(s) sent to the printer.")

    async def dispatch(self, job: Job, tracking: str | None, *, replace: bool = False
                       ) -> Outcome:
        """Saved as dispatched with ``tracking`` (None: untracked), then sent. Another
        reference already waiting (or already given) is not replaced without a yes."""
        return await self.sending(job, tracking, await self.save(job, tracking, replace))

    async def save(self, job: Job, tracking: str | None, replace: bool = False) -> Saved:
        """``save_dispatch`` in a worker."""
        try:
            return await asyncio.to_thread(self.save_dispatch, job, tracking, replace)
        except asyncio.CancelledError:
            self.poke_sender()  # saved or not, the sender looks: nothing waits for a restart
            raise

    def save_dispatch(self, job: Job, tracking: str | None, replace: bool = False,
                      early: EarlySend | None = None) -> Saved:
        """The saving half of ``dispatch``, in the caller's worker thread (a scan does it in
        the same trip as reading the scan: the packer's clock). ``early``: a leased
        change's send is started on that loop as its commit begins."""
        try:
            try:
                claimed = self._save(job.id, tracking, replace, early)
                return Saved(claimed=claimed, early=early if claimed is not None else None)
            except SiteUnreachable:
                if self.alone is None or (early is not None and early.started):
                    raise
            return Saved(claimed=self._save(job.id, tracking, replace, alone=self.alone),
                         alone=True)
        except InvalidChange as exc:
            return Saved(Outcome(False, f"{exc} Nothing was saved."))
        except OutboxConflict as exc:
            if exc.existing is not None and exc.existing.lease_live():
                return Saved(Outcome(False, str(exc)))  # no question can fix that
            question = f"{exc} Replace it with {tracking or 'no reference'}?".replace(
                "; confirm to replace it.", ".")
            return Saved(Outcome(False, question, ask=question, replace=True))
        except Exception as exc:  # the commit failed (a full disk, an I/O error)
            if early is None or not early.started:
                raise
            early.abandon()
            return Saved(Outcome(False, (
                f"Order {job.order_reference}: NOT saved on this station ({type(exc).__name__}:"
                f" {exc}). Check the disk, then scan the label again (if Smart Gift already "
                "had it, the job leaves the queue by itself).")))

    def sending(self, job: Job, tracking: str | None, saved: Saved,
                written: asyncio.Event | None = None) -> Awaitable[Outcome]:
        """The sending half: at once, its request started on the caller's turn of the
        loop (its answer briefly waited for by whoever awaits this), or by the sender when
        it was not leased here. ``written``: set once it is on the wire, or handed over."""
        answer: asyncio.Future[OutboxEvent] | None = None
        send_first, poke = self.send_first, self.poke_sender
        if saved.alone and self.alone is not None:
            send_first, poke = self.alone.send_first, self.alone.poke
        if saved.early is not None and saved.early.answer is not None:
            answer = saved.early.answer  # on its way since the commit began
        elif saved.refused is None:
            if send_first is None or saved.claimed is None:
                poke()
                if written is not None:
                    written.set()
            else:
                answer = send_first(saved.claimed, written)
        return self._told(job, tracking, saved, answer)

    async def _told(self, job: Job, tracking: str | None, saved: Saved,
                    answer: asyncio.Future[OutboxEvent] | None) -> Outcome:
        if saved.refused is not None:
            return saved.refused
        if answer is not None:
            try:
                event = await asyncio.wait_for(asyncio.shield(answer), SEND_FIRST)
            except TimeoutError:  # it carries on: a slow line holds nothing up
                event = None
            if event is not None and event.outcome is SendOutcome.ATTENTION:
                return Outcome(False, f"Smart Gift refused order {job.order_reference}: "
                                      f"{event.message} (kept: Station > Changes waiting)")
        given = f"with {tracking}" if tracking else "untracked (no reference)"
        where = " on this station (the site's database is out of reach)" if saved.alone else ""
        return Outcome(True, f"Saved{where}, sending: order {job.order_reference} "
                             f"dispatched {given}")

    def _save(self, job_id: int, tracking: str | None, replace: bool,
              early: EarlySend | None = None, alone: Alone | None = None
              ) -> OutboxEntry | None:
        """Saved, then leased to this process to be sent now: one trip to the disk thread.
        None when it is saved but not leased here: the sender sends it. ``alone``: into
        this station's own outbox instead of the site's."""
        send_first = alone.send_first if alone is not None else self.send_first
        outbox = alone.outbox if alone is not None else self.outbox
        if send_first is None:
            outbox.add(job_id, "dispatched", tracking, replace=replace)
            return None
        entry, leased = outbox.add_leased(
            job_id, "dispatched", tracking, replace=replace, lease=self.lease(),
            before_commit=(lambda e: early.start(send_first, e)) if early else None)
        return entry if leased else None  # the same change already waiting: the sender's

    async def set_status(self, job: Job, status: str) -> Outcome:
        """Mark delivered or cancelled: saved first, then sent."""
        poke, where = self.poke_sender, ""
        try:
            try:
                await asyncio.to_thread(self.outbox.add, job.id, status, None)
            except SiteUnreachable:
                if self.alone is None:
                    raise
                await asyncio.to_thread(self.alone.outbox.add, job.id, status, None)
                poke, where = self.alone.poke, " on this station (the site is out of reach)"
        except (OutboxConflict, InvalidChange) as exc:
            return Outcome(False, str(exc))
        poke()
        # The change is saved; a site out of reach loses only its line in the scan log.
        with contextlib.suppress(SiteUnreachable):
            await asyncio.to_thread(self.log.record, f"({status})", "action", "saved", job.id)
        return Outcome(True, f"Saved{where}, sending: order {job.order_reference} {status}")
