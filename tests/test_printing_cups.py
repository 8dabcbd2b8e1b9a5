"""Printing through a real CUPS queue and checking the PDF that comes out of cups-pdf."""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from pytestqt.qtbot import QtBot

from packstation.api import ApiKey, BadResponse, Job, RateBudget, SmartGiftClient
from packstation.printing.cups_path import CupsPath
from packstation.printing.discovery import CupsDiscovery, PrinterDiscovery
from packstation.printing.model import (
    PrinterMissing,
    PrinterStopped,
    PrintReceipt,
    PrintRequest,
    PrintState,
)
from packstation.printing.monitor import PrinterMonitor
from packstation.printing.pdf_source import PdfSource
from packstation.printing.pdfcheck import NotAPdf, check_pdf, merge_pdfs
from packstation.printing.printers import StationPrinters, list_printers
from packstation.printing.qt_path import QtPath
from packstation.printing.sheets import print_sheet, printer_test_pdf, scanner_test_pdf
from packstation.printing.voucher_printer import VoucherPrinter, follow_to_end
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.scanning.layout import TEST_CODE
from packstation.store.database import Database
from packstation.store.pdf_cache import PdfCache
from packstation.store.print_history import PrintHistory
from tests.cups import CupsQueue

A4_MM = (210, 297)


def size_mm(path: Path) -> list[tuple[int, int]]:
    reader = pypdf.PdfReader(path)
    return [(round(float(p.mediabox.width) / 72 * 25.4),
             round(float(p.mediabox.height) / 72 * 25.4)) for p in reader.pages]


def text_of(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)


@dataclass
class Station:
    sandbox: SandboxServer
    client: SmartGiftClient
    printer: VoucherPrinter
    history: PrintHistory
    queue: CupsQueue

    async def job_with_vouchers(self, count: int) -> Job:
        jobs = (await self.client.list_jobs(status="pending")).items
        return next(j for j in jobs if len(j.vouchers) == count)


@pytest.fixture
async def station(cups_queue: CupsQueue, tmp_path: Path) -> AsyncIterator[Station]:
    with SandboxServer(pdf_delay=0, jobs=30, seed=11) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            history = PrintHistory(Database(tmp_path / "db.sqlite3"))
            printer = VoucherPrinter(PdfSource(client, PdfCache(tmp_path / "pdf")), history,
                                     StationPrinters(vouchers=cups_queue.name,
                                                     labels=cups_queue.name,
                                                     label_size="100x150mm"),
                                     CupsPath())
            yield Station(sandbox, client, printer, history, cups_queue)


async def test_two_voucher_job_prints_as_one_a4_job(station: Station) -> None:
    job = await station.job_with_vouchers(2)
    record_id, receipt = await station.printer.print_job(job)
    assert receipt.state is PrintState.SENT and receipt.job_id is not None
    final = await station.printer.watch(record_id, receipt)
    assert final.state is PrintState.PRINTED
    out = station.queue.output_of(receipt.job_id)
    assert size_mm(out) == [A4_MM, A4_MM]
    reader = pypdf.PdfReader(out)
    for page, voucher in zip(reader.pages, job.vouchers, strict=True):  # in voucher order
        assert voucher.code and voucher.code in page.extract_text()
    record = station.history.get(record_id)
    assert record is not None and record.outcome == "printed" and record.pages == 2
    assert record.voucher_ids == tuple(v.id for v in job.vouchers)
    assert record.printer == station.queue.name and record.spool_job_id == receipt.job_id


async def test_reprint_from_history(station: Station) -> None:
    job = await station.job_with_vouchers(1)
    first_id, first = await station.printer.print_job(job)
    await station.printer.watch(first_id, first)
    again_id, again = await station.printer.reprint(first_id)
    assert again_id != first_id
    assert (await station.printer.watch(again_id, again)).state is PrintState.PRINTED
    assert job.vouchers[0].code in text_of(station.queue.output_of(again.job_id or 0))


async def test_address_label_on_the_label_size(station: Station) -> None:
    job = await station.job_with_vouchers(1)
    record_id, receipt = await station.printer.print_job(job, label=True)
    assert (await station.printer.watch(record_id, receipt)).state is PrintState.PRINTED
    out = station.queue.output_of(receipt.job_id or 0)
    assert size_mm(out) == [(100, 150)]
    text = text_of(out)
    assert job.order_reference and job.order_reference in text
    assert job.delivery_address and job.delivery_address.postcode in text


async def test_stopped_printer_is_reported_and_nothing_is_printed(station: Station) -> None:
    job = await station.job_with_vouchers(1)
    jobs_before = station.queue.last_job_id()
    station.queue.stop()
    try:
        with pytest.raises(PrinterStopped) as caught:
            await station.printer.print_job(job)
    finally:
        station.queue.start()
    assert "stopped" in str(caught.value) and "Nothing was sent" in str(caught.value)
    assert station.queue.last_job_id() == jobs_before  # nothing queued to come out later
    record = station.history.recent(1)[0]
    assert record.outcome == "printer stopped" and record.job_id == job.id


async def test_printer_stopped_after_sending_cancels_the_job(station: Station) -> None:
    """The printer stops between our check and the spooler's turn: reported, cancelled."""
    job = await station.job_with_vouchers(1)
    pdf = merge_pdfs(await station.printer.pdfs.for_job(job))
    station.queue.stop()
    try:
        # Spool behind the stopped queue directly (our own submit would refuse it).
        done = subprocess.run(["lp", "-d", station.queue.name, "-t", "late stop", "-"],
                              input=pdf.data, capture_output=True, check=True)
        spool_id = int(done.stdout.decode().split(f"{station.queue.name}-")[1].split()[0])
        receipt = PrintReceipt(station.queue.name, "cups", spool_id, pdf.pages, PrintState.SENT)
        record_id = station.history.record(
            job_id=job.id, order_reference=job.order_reference, kind="vouchers",
            voucher_ids=[], pdf_urls=[], printer=receipt.printer, path="cups",
            spool_job_id=spool_id, pages=pdf.pages, copies=1, outcome="sent")
        final = await station.printer.watch(record_id, receipt)
    finally:
        station.queue.start()
    assert final.state is PrintState.STOPPED
    job_state = CupsPath().server.job_attributes(station.queue.name, spool_id)
    assert job_state["job-state"] == [7]  # cancelled: it will not print hours later
    record = station.history.get(record_id)
    assert record is not None and record.outcome == "printer stopped"


async def test_html_voucher_never_reaches_the_spooler(station: Station, tmp_path: Path) -> None:
    job = await station.job_with_vouchers(1)
    jobs_before = station.queue.last_job_id()
    station.sandbox.faults.inject("html")
    with pytest.raises(BadResponse):  # HTML served where the PDF should be
        await station.printer.print_job(job)
    # A damaged cache file (a disk hiccup) is caught as well, before the spooler.
    station.printer.pdfs._cache.put(job.vouchers[0].pdf_copy or "",
                                    b"<html><body>Bad gateway</body></html>")
    with pytest.raises(NotAPdf) as caught:
        await station.printer.print_job(job)
    assert "web page (HTML)" in str(caught.value)
    assert station.queue.last_job_id() == jobs_before
    assert station.history.recent(1)[0].outcome == "refused"


async def test_vanished_printer_is_named_not_replaced(station: Station) -> None:
    job = await station.job_with_vouchers(1)
    with pytest.raises(PrinterMissing) as caught:
        await station.printer.print_job(job, printer="Brother-QL-Gone")
    assert "Brother-QL-Gone" in str(caught.value)
    assert station.history.recent(1)[0].outcome == "printer not found"


def discoveries() -> list[PrinterDiscovery]:
    from packstation.ui.qt_printers import QtDiscovery  # Windows's, tried on CUPS's queues

    return [CupsDiscovery(), QtDiscovery()]


@pytest.mark.parametrize("which", [0, 1], ids=["cups", "qt"])
def test_printers_list_shows_state_and_use(cups_queue: CupsQueue, which: int) -> None:
    discovery = discoveries()[which]
    entries = {e.name: e for e in list_printers(discovery,
                                                StationPrinters(labels=cups_queue.name))}
    entry = entries[cups_queue.name]
    # Idle, or printing what an earlier test (or another run on this machine) sent.
    assert entry.status.state in ("idle", "printing") and entry.status.accepting
    assert [k.value for k in entry.kinds] == ["labels"]
    cups_queue.stop()
    try:
        stopped = {e.name: e for e in list_printers(discovery, StationPrinters())}[
            cups_queue.name]
    finally:
        cups_queue.start()
    assert stopped.status.state == "stopped"
    with pytest.raises(PrinterMissing):
        discovery.status("Zebra-Gone")


def test_both_discoveries_agree_on_the_system(cups_queue: CupsQueue) -> None:
    cups, qt = discoveries()
    assert cups.names() == qt.names() and cups_queue.name in cups.names()
    assert cups.default() == qt.default()


@pytest.fixture
def two_voucher_pdf(cups_queue: CupsQueue) -> Iterator[tuple[Job, bytes]]:
    async def fetch() -> tuple[Job, bytes]:
        with SandboxServer(pdf_delay=0, jobs=30, seed=11) as sandbox:
            async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                       budget=RateBudget()) as client:
                jobs = (await client.list_jobs(status="pending")).items
                job = next(j for j in jobs if len(j.vouchers) == 2)
                parts = [check_pdf(await client.download_pdf(v.pdf_copy or ""))
                         for v in job.vouchers]
                return job, merge_pdfs(parts).data

    yield asyncio.run(fetch())


def test_qt_path_prints_fitted_a4_pages(qtbot: QtBot, cups_queue: CupsQueue,
                                        two_voucher_pdf: tuple[Job, bytes]) -> None:
    """Rendered at 300 dpi and painted: the codes survive as scannable barcodes."""
    from tests.barcodes import barcodes_in_pdf

    job, data = two_voucher_pdf
    title = f"Qt path test {job.id}"
    before = set(cups_queue.outputs_titled(title))
    receipt = QtPath().submit(PrintRequest(check_pdf(data), cups_queue.name, title))
    assert receipt.state is PrintState.SENT and receipt.pages == 2
    qtbot.waitUntil(lambda: bool(set(cups_queue.outputs_titled(title)) - before),
                    timeout=20_000)
    out = (set(cups_queue.outputs_titled(title)) - before).pop()
    qtbot.waitUntil(lambda: _opens(out), timeout=10_000)  # written whole before we read it
    assert size_mm(out) == [A4_MM, A4_MM]
    pages = barcodes_in_pdf(out.read_bytes(), dpi=200)
    assert [[text for text, _ in page] for page in pages] == [[v.code] for v in job.vouchers]


def _opens(path: Path) -> bool:
    try:
        return len(pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages) > 0
    except Exception:
        return False


async def test_test_page_and_scanner_sheet_come_out_with_a_scannable_test_code(
        cups_queue: CupsQueue) -> None:
    from tests.barcodes import barcodes_in_pdf

    path = CupsPath()
    page = await print_sheet(path, printer_test_pdf(cups_queue.name), cups_queue.name,
                             "packstation test page")
    sheet = await print_sheet(path, scanner_test_pdf(), cups_queue.name, "Scanner test")
    for receipt in (page, sheet):
        assert receipt.state is PrintState.SENT and receipt.job_id is not None
        done = await follow_to_end(path, receipt)
        assert done.state is PrintState.PRINTED
        out = cups_queue.output_of(receipt.job_id)
        assert size_mm(out) == [A4_MM]
        assert [text for text, _ in barcodes_in_pdf(out.read_bytes())[0]] == [TEST_CODE]
    assert f"Printer: {cups_queue.name}" in text_of(cups_queue.output_of(page.job_id or 0))


async def test_printer_monitor_reports_ready_stopped_and_gone(cups_queue: CupsQueue) -> None:
    chosen = StationPrinters(vouchers=cups_queue.name, labels="Zebra-Gone")
    monitor = PrinterMonitor(lambda: chosen)
    try:
        vouchers, labels = await monitor.check()
        assert vouchers.ready and vouchers.describe() == f"Voucher printer {cups_queue.name}: ready"
        assert not labels.ready and "Zebra-Gone" in labels.describe()
        cups_queue.stop()
        try:
            vouchers, _ = await monitor.check()
        finally:
            cups_queue.start()
        assert not vouchers.ready and "STOPPED" in vouchers.describe()
    finally:
        await monitor.aclose()
