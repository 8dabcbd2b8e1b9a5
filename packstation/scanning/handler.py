"""What the station does with a scan: select (and print), verify, dispatch, or say no.

Every scan is logged with its outcome. Disk and network work runs off the
caller's thread (the UI's loop never waits); the result says what to show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from packstation.api import ApiError, Job
from packstation.printing.errors import PrintError
from packstation.printing.voucher_printer import VoucherPrinter
from packstation.scanning.interpret import ScanKind, ScanMeaning, interpret
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, InvalidChange, OutboxConflict
from packstation.store.scan_log import ScanLog


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
    outbox: DispatchOutbox
    log: ScanLog
    printer: Callable[[], VoucherPrinter | None] = lambda: None
    print_on_select: bool = True
    poke_sender: Callable[[], None] = lambda: None
    verified: dict[int, set[int]] = field(default_factory=dict)

    async def handle(self, raw: str, in_hand: Job | None, *, confirmed: bool = False,
                     replace: bool = False) -> ScanOutcome:
        """What ``raw`` means and does. ``confirmed``: the packer said yes to the outcome's
        ``confirm`` question; ``replace``: and that question was about replacing a
        different tracking reference (the outcome's ``replace`` says which)."""
        meaning = await asyncio.to_thread(interpret, raw, in_hand, self.cache)
        outcome = await self._act(meaning, confirmed, replace)
        if meaning.kind is not ScanKind.IGNORED:
            await asyncio.to_thread(self.log.record, meaning.text, meaning.kind.value,
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
            message = meaning.message
            printer = self.printer()
            if self.print_on_select and printer is not None and job.status == "pending":
                ok, printed = await self._print(printer, job)
                return ScanOutcome(ok, f"{message}: {printed}", meaning, select=job)
            return ScanOutcome(True, message, meaning, select=job)
        # DISPATCH
        if meaning.confirm and not confirmed:
            return ScanOutcome(False, meaning.confirm, meaning, confirm=meaning.confirm)
        try:
            await asyncio.to_thread(self.outbox.add, job.id, "dispatched", meaning.text,
                                    replace=replace)
        except InvalidChange as exc:
            return ScanOutcome(False, f"{exc} Nothing was saved.", meaning)
        except OutboxConflict as exc:
            if exc.existing is not None and exc.existing.lease_live():
                return ScanOutcome(False, str(exc), meaning)  # no question can fix that
            question = (f"{exc} Replace it with {meaning.text}?").replace(
                "; confirm to replace it.", ".")
            return ScanOutcome(False, question, meaning, confirm=question, replace=True)
        self.poke_sender()
        return ScanOutcome(True, f"Saved, sending: order {job.order_reference} dispatched "
                                 f"with {meaning.text}", meaning, dispatched=True)

    async def print_now(self, job: Job) -> tuple[bool, str]:
        """The packer's Print (Ctrl+P): whatever the print-on-select setting says."""
        printer = self.printer()
        if printer is None:
            return False, "no printer is set up"
        return await self._print(printer, job)

    async def print_batch(self, jobs: list[Job],
                          progress: Callable[[str, int, int], None]) -> tuple[bool, str]:
        """Each job's vouchers in turn (Ctrl+Shift+P), progress told; the outcome in words."""
        failed: list[str] = []
        for done, job in enumerate(jobs):
            progress(f"Printing {done + 1} of {len(jobs)}", done, len(jobs))
            ok, message = await self.print_now(job)
            if not ok:
                failed.append(f"{job.order_reference or job.id}: {message}")
        if failed:
            return False, f"{len(failed)} of {len(jobs)} not printed. First: {failed[0]}"
        return True, f"All {len(jobs)} job(s) sent to the printer."

    async def change_status(self, job: Job, status: str) -> tuple[bool, str]:
        """Mark delivered or cancelled: saved first, then sent."""
        try:
            await asyncio.to_thread(self.outbox.add, job.id, status, None)
        except (OutboxConflict, InvalidChange) as exc:
            return False, str(exc)
        self.poke_sender()
        await asyncio.to_thread(self.log.record, f"({status})", "action", "saved", job.id)
        return True, f"Saved, sending: order {job.order_reference} {status}"

    async def _print(self, printer: VoucherPrinter, job: Job) -> tuple[bool, str]:
        try:
            _, receipt = await printer.print_job(job)
        except (PrintError, ApiError) as exc:
            return False, f"not printed: {exc}"
        return True, f"{receipt.pages} page(s) sent to {receipt.printer}"
