"""Printing parts that need no spooler: PDF checks, labels, cache, prefetch, history."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest

from packstation.api import ApiKey, Job, PdfNotReady, RateBudget, SmartGiftClient
from packstation.printing.label import label_pdf
from packstation.printing.model import LABEL_SIZES, PrintReceipt, PrintRequest, PrintState
from packstation.printing.pdf_source import PdfSource
from packstation.printing.pdfcheck import NotAPdf, check_pdf, merge_pdfs
from packstation.printing.printers import StationPrinters
from packstation.printing.voucher_printer import VoucherPrinter
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.sandbox.pdf import voucher_pdf
from packstation.store.database import Database, DatabaseError
from packstation.store.pdf_cache import PdfCache
from packstation.store.print_history import PrintHistory
from tests.test_models import DOC_JOB

VOUCHER = DOC_JOB["vouchers"][0]


def a_pdf(code: str = "12345678") -> bytes:
    return voucher_pdf({**VOUCHER, "code": code}, "The Conservatory", "rEJzAQ732r")


@pytest.mark.parametrize(("body", "says"), [
    (b"<!DOCTYPE html><html><body>Gateway timeout</body></html>", "web page (HTML)"),
    (b'{"message": "The PDF has not been generated yet."}', "error message (JSON)"),
    (b"", "empty"),
    (b"PK\x03\x04 zip", "not a PDF"),
])
def test_non_pdfs_are_refused_with_a_clear_message(body: bytes, says: str) -> None:
    with pytest.raises(NotAPdf) as caught:
        check_pdf(body)
    assert says in str(caught.value) and "nothing was sent" in str(caught.value)


def test_truncated_pdf_is_refused() -> None:
    whole = a_pdf()
    with pytest.raises(NotAPdf) as caught:
        check_pdf(whole[: len(whole) // 3])
    assert "damaged or incomplete" in str(caught.value) or "no pages" in str(caught.value)


def test_merge_keeps_voucher_order() -> None:
    merged = merge_pdfs([check_pdf(a_pdf("11111111")), check_pdf(a_pdf("22222222"))])
    reader = pypdf.PdfReader(io.BytesIO(merged.data))
    assert merged.pages == 2 == len(reader.pages)
    assert "11111111" in reader.pages[0].extract_text()
    assert "22222222" in reader.pages[1].extract_text()


@pytest.mark.parametrize("size", sorted(LABEL_SIZES))
def test_label_is_the_right_size_with_address_and_order(size: str) -> None:
    job = Job.from_json(DOC_JOB)
    pdf = check_pdf(label_pdf(job, size))
    width_mm, height_mm = (side / 72 * 25.4 for side in pdf.sizes[0])
    assert (round(width_mm, 1), round(height_mm, 1)) == LABEL_SIZES[size]
    text = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    for line in ("John Smith", "Bank Chambers, High Street", "Newbridge", "NP11 4EY",
                 "rEJzAQ732r"):
        assert line in text


def test_label_prints_welsh_polish_and_other_latin_extended_names() -> None:
    raw = {**DOC_JOB, "delivery_address": {
        "first_name": "Łukasz", "last_name": "Ŵyn-Żółć", "line1": "Tŷ Gwyn, Heol yr Eglwys",
        "line2": "Ærøskøbing Štúr Ğ", "city": "Llanfair Pwllgwyngyll", "postcode": "LL61 5UJ"}}
    pdf = label_pdf(Job.from_json(raw))
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for line in ("Łukasz Ŵyn-Żółć", "Tŷ Gwyn, Heol yr Eglwys", "Ærøskøbing Štúr Ğ"):
        assert line in text
    assert "?" not in text
    assert b"DejaVuSans" in pdf  # embedded, so the printer needs no font of its own


def test_cache_is_bounded_and_survives_a_new_instance(tmp_path: Path) -> None:
    cache = PdfCache(tmp_path, max_bytes=3 * len(a_pdf()) + 10)
    pdfs = [a_pdf(f"{n:08d}") for n in range(5)]
    for n, pdf in enumerate(pdfs):
        cache.put(f"https://api.example/{n}", pdf)
    assert cache.size() <= cache.max_bytes
    again = PdfCache(tmp_path)
    assert again.get("https://api.example/4") == pdfs[4]  # newest kept
    assert again.get("https://api.example/0") is None  # oldest evicted


def test_database_migrates_forward_and_refuses_newer(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    assert db.version >= 1
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(DatabaseError) as caught:
        Database(path)
    assert "newer packstation" in str(caught.value)


async def test_prefetch_fills_the_cache_and_printing_then_needs_no_download(
        tmp_path: Path) -> None:
    with SandboxServer(pdf_delay=0.6, jobs=6, seed=4) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            jobs = (await client.list_jobs(status="pending")).items
            source = PdfSource(client, PdfCache(tmp_path), first_retry=0.2)
            url = jobs[0].vouchers[0].pdf_copy or ""
            with pytest.raises(PdfNotReady):
                await source.get(url)  # not generated yet...
            assert source.generating_for(url) is not None  # ...and we know for how long
            source.prefetch(jobs)
            await source.idle()
            assert all(source.cached(v.pdf_copy or "") for j in jobs for v in j.vouchers)
            assert source.generating_for(url) is None
            assets_before = sum("/assets/" in r.path for r in sandbox.requests)
            parts = await source.for_job(jobs[0])
            assert len(parts) == len(jobs[0].vouchers)
            assert sum("/assets/" in r.path for r in sandbox.requests) == assets_before
            # The next session: the disk cache is found again, nothing is downloaded twice.
            again = PdfSource(client, PdfCache(tmp_path))
            assert not again.cached(url)  # memory only: unknown until looked for off-thread
            again.prefetch(jobs)
            await again.idle()
            assert all(again.cached(v.pdf_copy or "") for j in jobs for v in j.vouchers)
            assert await again.cached_pdf(url) == (await source.get(url)).data
            assert sum("/assets/" in r.path for r in sandbox.requests) == assets_before


class NeverPrints:
    """A spooler that accepts and then never gets to the job (a jammed queue)."""

    name = "cups"

    def __init__(self) -> None:
        self.cancelled: list[int | None] = []

    def look_ahead(self, printer: str) -> None:
        pass

    def check_after(self, receipt: PrintReceipt) -> None:
        pass

    def submit(self, request: PrintRequest) -> PrintReceipt:
        return PrintReceipt(request.printer, self.name, 41, request.pdf.pages, PrintState.SENT)

    def follow(self, receipt: PrintReceipt) -> PrintReceipt:
        return receipt

    def cancel(self, receipt: PrintReceipt) -> None:
        self.cancelled.append(receipt.job_id)


async def test_a_job_queued_too_long_is_cancelled_and_reported(
        tmp_path: Path, cups_queue: object) -> None:
    history = PrintHistory(Database(tmp_path / "db.sqlite3"))
    cache = PdfCache(tmp_path / "pdf")
    job = Job.from_json(DOC_JOB)
    cache.put(job.vouchers[0].pdf_copy or "", a_pdf())
    path = NeverPrints()
    async with SmartGiftClient("https://api.smart-gift.co.uk", ApiKey("sk_unused")) as client:
        printer = VoucherPrinter(PdfSource(client, cache), history,
                                 StationPrinters(vouchers="PDF"), path, queue_limit=0.3)
        record_id, receipt = await printer.print_job(job)
        final = await printer.watch(record_id, receipt, poll=0.05)
    assert final.state is PrintState.TOO_SLOW and path.cancelled == [41]
    stored = history.get(record_id)
    assert stored is not None and stored.outcome == "waited too long"
    assert "cancelled" in stored.detail


def test_receipt_states_are_honest() -> None:
    sent = PrintReceipt("PDF", "cups", 1, 2, PrintState.SENT)
    assert not sent.state.final and not sent.state.done
    assert replace(sent, state=PrintState.PRINTED).state.done
    assert replace(sent, state=PrintState.STOPPED).state.final


async def test_print_waits_for_no_one_on_the_loop(tmp_path: Path, cups_queue: object) -> None:
    """The blocking spooler call runs in a thread: the loop keeps ticking meanwhile."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    class SlowSpooler(NeverPrints):
        def submit(self, request: PrintRequest) -> PrintReceipt:
            import threading
            threading.Event().wait(0.2)  # a slow spooler, in the worker thread
            return super().submit(request)

    cache = PdfCache(tmp_path)
    job = Job.from_json(DOC_JOB)
    cache.put(job.vouchers[0].pdf_copy or "", a_pdf())
    async with SmartGiftClient("https://api.smart-gift.co.uk", ApiKey("sk_unused")) as client:
        printer = VoucherPrinter(PdfSource(client, cache), PrintHistory(Database(":memory:")),
                                 StationPrinters(vouchers="PDF"), SlowSpooler())
        task = asyncio.ensure_future(ticker())
        _, receipt = await printer.print_job(job, printer="PDF")
        task.cancel()
    assert receipt.state is PrintState.SENT
    assert ticks > 100
