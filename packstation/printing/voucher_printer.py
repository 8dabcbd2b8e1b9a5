"""Print a job: its checked, merged vouchers (or its address label) to the right printer.

The blocking work (checking, merging, spooling, asking the spooler) runs in a
worker thread, so the caller's loop (and the UI thread) never waits on the
disk or the printer. Every attempt, refused ones included, is in the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from packstation.api import Job
from packstation.printing.cups_path import CupsPath, cups_available
from packstation.printing.discovery import PrinterDiscovery, system_discovery
from packstation.printing.errors import NotAPdf, PrintError
from packstation.printing.label import label_pdf
from packstation.printing.model import (
    PrinterMissing,
    PrinterStopped,
    PrintPath,
    PrintReceipt,
    PrintRequest,
    PrintState,
)
from packstation.printing.pdf_source import PdfSource
from packstation.printing.pdfcheck import CheckedPdf, check_pdf, merge_pdfs
from packstation.printing.printers import DocumentKind, StationPrinters, resolve_printer
from packstation.store.print_history import PrintHistory
from packstation.store.site_database import SiteUnreachable

log = logging.getLogger(__name__)

QUEUE_LIMIT = 300.0  # a job still queued after this is cancelled and reported


@dataclass(frozen=True, slots=True)
class _What:
    """What is being printed, for the spooler's title and the history."""

    kind: DocumentKind
    title: str
    copies: int
    job_id: int | None
    order_reference: str | None
    voucher_ids: list[int]
    urls: list[str]


def default_path(preference: str = "auto") -> PrintPath:
    """CUPS where it is installed (vectors, real job status), else Qt."""
    if preference == "cups" or (preference == "auto" and cups_available()):
        return CupsPath()
    from packstation.printing.qt_path import QtPath  # QtPdf only when needed

    return QtPath()


class VoucherPrinter:
    def __init__(self, pdfs: PdfSource, history: PrintHistory, station: StationPrinters,
                 path: PrintPath | None = None, queue_limit: float = QUEUE_LIMIT,
                 discovery: Callable[[], PrinterDiscovery] = system_discovery) -> None:
        self.pdfs = pdfs
        self.history = history
        self.station = station
        self.path = path or default_path()
        self.queue_limit = queue_limit
        self._discovery = discovery  # asked only when no printer is chosen

    async def print_job(self, job: Job, *, printer: str | None = None, copies: int = 1,
                        label: bool = False, handover: str | None = None
                        ) -> tuple[int, PrintReceipt]:
        """Send a job's vouchers (or label; with ``handover``, the courier's job id, its
        handover label); returns (history id, receipt) once spooled.

        Raises :class:`PrintError` (and records why) when nothing could be sent.
        """
        what = _What(
            kind=DocumentKind.LABELS if label else DocumentKind.VOUCHERS,
            title=f"{'Handover label' if handover else 'Label' if label else 'Vouchers'} "
                  f"order {job.order_reference or job.id}",
            copies=copies, job_id=job.id, order_reference=job.order_reference,
            voucher_ids=[] if label else [v.id for v in job.vouchers],
            urls=[] if label else [v.pdf_copy or "" for v in job.vouchers])

        if handover and printer is None and not self.station.printer_for(DocumentKind.LABELS):
            # No label printer: the handover label goes where the vouchers go.
            printer = await asyncio.to_thread(resolve_printer, self._discovery(), self.station,
                                              DocumentKind.VOUCHERS, None)

        async def prepare() -> CheckedPdf:
            if label:
                return await asyncio.to_thread(lambda: check_pdf(
                    label_pdf(job, self.station.label_size, handover), "The address label"))
            return await self.pdfs.merged_for(job)

        return await self._send(what, prepare, printer)

    def look_ahead(self) -> None:
        """Blocking: the voucher printer made ready for a print about to come."""
        try:
            name = resolve_printer(self._discovery(), self.station, DocumentKind.VOUCHERS, None)
        except PrintError:
            return  # the print itself says why
        self.path.look_ahead(name)

    async def reprint(self, record_id: int, printer: str | None = None
                      ) -> tuple[int, PrintReceipt]:
        record = self.history.get(record_id)
        if record is None:
            raise PrintError(f"There is no print {record_id} in the history.")
        if record.kind == DocumentKind.LABELS.value or not record.pdf_urls:
            raise PrintError("Only voucher prints can be reprinted from the history; "
                             "print the job's label again from the job.")
        what = _What(kind=DocumentKind(record.kind),
                     title=f"Reprint order {record.order_reference or record.job_id}",
                     copies=record.copies, job_id=record.job_id,
                     order_reference=record.order_reference,
                     voucher_ids=list(record.voucher_ids), urls=list(record.pdf_urls))

        async def prepare() -> CheckedPdf:
            parts = [await self.pdfs.get(url) for url in record.pdf_urls]
            return await asyncio.to_thread(merge_pdfs, parts)

        return await self._send(what, prepare, printer or record.printer)

    async def _send(self, what: _What, prepare: Callable[[], Awaitable[CheckedPdf]],
                    printer: str | None) -> tuple[int, PrintReceipt]:
        chosen = [printer or ""]  # the printer resolved, for the failure's record
        pages = 0

        def spool(pdf: CheckedPdf) -> tuple[int, PrintReceipt]:
            # One trip to a worker for resolving, spooling and the history: each trip
            # costs the loop a wake-up, and the next job's print is on a packer's clock.
            name = chosen[0] = resolve_printer(self._discovery(), self.station, what.kind,
                                               printer)
            request = PrintRequest(pdf, name, what.title, self.station.paper_for(what.kind),
                                   what.copies,
                                   self.station.duplex and what.kind is DocumentKind.VOUCHERS)
            receipt = self.path.submit(request)
            self.path.check_after(receipt)
            return self._record(what, receipt), receipt

        try:
            pdf = await prepare()
            pages = pdf.pages
            return await asyncio.to_thread(spool, pdf)
        except PrintError as exc:
            state = (PrintState.STOPPED if isinstance(exc, PrinterStopped)
                     else PrintState.MISSING if isinstance(exc, PrinterMissing)
                     else PrintState.REFUSED if isinstance(exc, NotAPdf) else PrintState.FAILED)
            failed = PrintReceipt(chosen[0] or "(none)", self.path.name, None, pages, state,
                                  str(exc))
            await asyncio.to_thread(self._record, what, failed)
            raise

    def _record(self, what: _What, receipt: PrintReceipt) -> int:
        """The print in the history; 0 when a site's database is out of reach (the print
        stands: the packer's job in hand is printed all the same)."""
        try:
            return self._write_record(what, receipt)
        except SiteUnreachable as exc:
            log.warning("print of order %s not in the site's history: %s",
                        what.order_reference, exc)
            return 0

    def _write_record(self, what: _What, receipt: PrintReceipt) -> int:
        return self.history.record(
            job_id=what.job_id, order_reference=what.order_reference, kind=what.kind.value,
            voucher_ids=what.voucher_ids, pdf_urls=what.urls, printer=receipt.printer,
            path=receipt.path, spool_job_id=receipt.job_id, pages=receipt.pages,
            copies=what.copies, outcome=receipt.state.value, detail=receipt.detail)

    async def watch(self, record_id: int, receipt: PrintReceipt, poll: float = 0.2,
                    max_poll: float = 2.0) -> PrintReceipt:
        """Follow the spooler until it says printed, failed or stopped; record the end."""
        receipt = await follow_to_end(self.path, receipt, self.queue_limit, poll, max_poll)
        if record_id:
            with contextlib.suppress(SiteUnreachable):  # its end unrecorded, said above
                await asyncio.to_thread(self.history.update, record_id, receipt.state.value,
                                        receipt.detail)
        return receipt


async def follow_to_end(path: PrintPath, receipt: PrintReceipt,
                        queue_limit: float = QUEUE_LIMIT, poll: float = 0.2,
                        max_poll: float = 2.0) -> PrintReceipt:
    """The spooler's last word on a job: printed, failed or stopped.

    A job still queued after ``queue_limit`` s, or whose printer stopped, is
    cancelled so it cannot come out hours later unnoticed.
    """
    started = time.monotonic()
    while not receipt.state.final:
        if receipt.job_id is None:  # the Qt path cannot see the spooler's job
            return receipt
        if time.monotonic() - started > queue_limit:
            receipt = replace(receipt, state=PrintState.TOO_SLOW,
                              detail=f"still queued after {queue_limit:.0f} s; "
                                     "cancelled so it does not print later unnoticed")
            await asyncio.to_thread(path.cancel, receipt)
            break
        await asyncio.sleep(poll)
        poll = min(poll * 1.5, max_poll)
        receipt = await asyncio.to_thread(path.follow, receipt)
        if receipt.state is PrintState.STOPPED:
            await asyncio.to_thread(path.cancel, receipt)
    return receipt
