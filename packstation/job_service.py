"""What a packer does to a job: print its vouchers (one job, or every job shown),
dispatch it with a tracking reference, mark it delivered or cancelled.

The scan handler and the window's Job menu both come here; ``scanning`` only
decides what a scan means. Every change is saved in the outbox before it is
sent (and the sender woken), every action is logged. Disk and printer work runs
off the caller's thread. No Qt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from packstation.api import ApiError, Job
from packstation.api.errors import PdfNotReady
from packstation.printing.errors import PrintError
from packstation.printing.voucher_printer import VoucherPrinter
from packstation.store.outbox import (
    DEFAULT_LEASE,
    DispatchOutbox,
    InvalidChange,
    OutboxConflict,
    OutboxEntry,
)
from packstation.store.scan_log import ScanLog
from packstation.sync.outbox_sender import OutboxEvent, SendOutcome

SEND_FIRST = 0.25  # seconds a dispatch may hold back what follows it (a slow line: less)


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
    nothing saved, and what to say (or ask)."""

    refused: Outcome | None = None
    claimed: OutboxEntry | None = None


@dataclass
class JobService:
    outbox: DispatchOutbox
    log: ScanLog
    printer: Callable[[], VoucherPrinter | None] = lambda: None
    poke_sender: Callable[[], None] = lambda: None
    # Sends a packer's dispatch at once and waits (bounded) for its answer: the dispatch
    # goes before anything the scan does next. None: saved, and the sender is poked.
    send_first: Callable[[OutboxEntry, float], Awaitable[OutboxEvent | None]] | None = None
    lease: Callable[[], float] = lambda: DEFAULT_LEASE

    async def print_now(self, job: Job, *, label: bool = False) -> Outcome:
        """The job's vouchers (or address label) to its printer, whatever print-on-select
        says."""
        printer = self.printer()
        if printer is None:
            return Outcome(False, "not printed: no printer is set up")
        try:
            _, receipt = await printer.print_job(job, label=label)
        except PdfNotReady as exc:
            return Outcome(False, f"not printed: {exc}", waiting_for_pdfs=True)
        except (PrintError, ApiError) as exc:
            return Outcome(False, f"not printed: {exc}")
        what = "label" if label else f"{receipt.pages} page(s)"
        return Outcome(True, f"{what} sent to {receipt.printer}")

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
        try:
            saved = await asyncio.to_thread(self.save_dispatch, job, tracking, replace)
        except asyncio.CancelledError:
            self.poke_sender()  # saved or not, the sender looks: nothing waits for a restart
            raise
        return await self.send_dispatch(job, tracking, saved)

    def save_dispatch(self, job: Job, tracking: str | None, replace: bool = False) -> Saved:
        """The saving half of ``dispatch``, in the caller's worker thread (a scan does it in
        the same trip as reading the scan: the packer's clock)."""
        try:
            return Saved(claimed=self._save(job.id, tracking, replace))
        except InvalidChange as exc:
            return Saved(Outcome(False, f"{exc} Nothing was saved."))
        except OutboxConflict as exc:
            if exc.existing is not None and exc.existing.lease_live():
                return Saved(Outcome(False, str(exc)))  # no question can fix that
            question = f"{exc} Replace it with {tracking or 'no reference'}?".replace(
                "; confirm to replace it.", ".")
            return Saved(Outcome(False, question, ask=question, replace=True))

    async def send_dispatch(self, job: Job, tracking: str | None, saved: Saved) -> Outcome:
        """The sending half: at once (its PUT before the next job's print, briefly waited
        for), or by the sender when it was not leased here."""
        if saved.refused is not None:
            return saved.refused
        if self.send_first is None or saved.claimed is None:
            self.poke_sender()
        else:
            event = await self.send_first(saved.claimed, SEND_FIRST)
            if event is not None and event.outcome is SendOutcome.ATTENTION:
                return Outcome(False, f"Smart Gift refused order {job.order_reference}: "
                                      f"{event.message} (kept: Station > Changes waiting)")
        given = f"with {tracking}" if tracking else "untracked (no reference)"
        return Outcome(True, f"Saved, sending: order {job.order_reference} dispatched {given}")

    def _save(self, job_id: int, tracking: str | None, replace: bool) -> OutboxEntry | None:
        """Saved, then leased to this process to be sent now: one trip to the disk thread.
        None when it is saved but not leased here: the sender sends it."""
        if self.send_first is None:
            self.outbox.add(job_id, "dispatched", tracking, replace=replace)
            return None
        entry, leased = self.outbox.add_leased(job_id, "dispatched", tracking,
                                               replace=replace, lease=self.lease())
        return entry if leased else None  # the same change already waiting: the sender's

    async def set_status(self, job: Job, status: str) -> Outcome:
        """Mark delivered or cancelled: saved first, then sent."""
        try:
            await asyncio.to_thread(self.outbox.add, job.id, status, None)
        except (OutboxConflict, InvalidChange) as exc:
            return Outcome(False, str(exc))
        self.poke_sender()
        await asyncio.to_thread(self.log.record, f"({status})", "action", "saved", job.id)
        return Outcome(True, f"Saved, sending: order {job.order_reference} {status}")
