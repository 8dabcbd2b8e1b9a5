"""The courier in the real window: a courier job booked with one scan of BOOK (earliest-slot
setting) and dispatched, its handover label out of CUPS with the courier's job id as its
barcode; Ctrl+K showing the slots; an expired slot offering the next; the job view saying
the booking; a booked job cancelled in Smart Gift flagged."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from packstation.api import Job
from packstation.config import keys
from packstation.config.courier import DEMO_COLLECTION, CourierSettings
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import Settings
from packstation.sandbox import SandboxServer
from packstation.sandbox.lastmile import LASTMILE_DEMO_KEY, LastMileServer
from packstation.scanning.commands import Command, barcode
from packstation.ui.courier_view import SlotDialog
from packstation.ui.main_window import MainWindow
from tests.barcodes import barcodes_in_pdf
from tests.cups import CupsQueue
from tests.gui import ANY_REFERENCE, scan, synced_window, wait
from tests.test_gui_setup import open_settings
from tests.test_gui_window import activate, unnamed_controls
from tests.test_packing import pages_out

COURIER = DeliveryMethod("Gift Envelope", Tracking.INTERNAL, courier=True)


@pytest.fixture
def lastmile() -> Iterator[LastMileServer]:
    with LastMileServer(seed=9) as server:
        yield server


@pytest.fixture
def courier_window(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, tmp_path: Path,
                   sandbox: SandboxServer, lastmile: LastMileServer, cups_queue: CupsQueue,
                   monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
                   ) -> Iterator[MainWindow]:
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", LASTMILE_DEMO_KEY)
    earliest = getattr(request, "param", True)
    courier = CourierSettings(api_url=lastmile.base_url, collection=DEMO_COLLECTION,
                              book_earliest=earliest)
    with synced_window(qtbot, sandbox, tmp_path / "station.sqlite3",
                       voucher_printer=cups_queue.name, label_printer=cups_queue.name,
                       delivery_methods={**ANY_REFERENCE, "Gift Envelope": COURIER},
                       courier=courier) as window:
        assert window.station is not None
        window.station.sender.start()
        window.show()
        yield window


def courier_job(window: MainWindow) -> Job:
    assert window.station is not None
    return next(j for j in window.station.cache.load(["pending"])
                if j.delivery_method_name == "Gift Envelope")


def handover_out(qtbot: QtBot, window: MainWindow, job: Job, queue: CupsQueue) -> bytes:
    assert window.station is not None
    history = window.station.history
    qtbot.waitUntil(lambda: any(r.kind == "labels" and r.spool_job_id
                                for r in history.recent(5, job_id=job.id)), timeout=15_000)
    record = next(r for r in history.recent(5, job_id=job.id) if r.kind == "labels")
    qtbot.waitUntil(lambda: pages_out(queue, record.spool_job_id or 0) == 1, timeout=30_000)
    return queue.output_of(record.spool_job_id or 0).read_bytes()


def test_one_scan_of_book_books_dispatches_and_prints_the_handover_label(
        qtbot: QtBot, courier_window: MainWindow, lastmile: LastMileServer,
        cups_queue: CupsQueue) -> None:
    window = courier_window
    job = courier_job(window)
    scan(qtbot, window, job.order_reference or str(job.id))
    qtbot.waitUntil(lambda: (window.current_job() or job).id == job.id, timeout=5_000)
    qtbot.waitUntil(lambda: "scan BOOK" in window.job_view.fields["courier"].text(),
                    timeout=5_000)
    scan(qtbot, window, barcode(Command.BOOK))
    qtbot.waitUntil(lambda: len(lastmile.jobs) == 1, timeout=10_000)
    (courier_id,) = lastmile.jobs
    qtbot.waitUntil(lambda: f"Courier job {courier_id} booked" in window.banner.text(),
                    timeout=10_000)
    assert window.station is not None
    station = window.station
    qtbot.waitUntil(lambda: (station.cache.get(job.id) or job).status == "dispatched",
                    timeout=10_000)
    assert (station.cache.get(job.id) or job).tracking_reference == courier_id
    label = handover_out(qtbot, window, job, cups_queue)
    text = PdfReader_text(label)
    assert "HAND TO THE COURIER" in text and courier_id in text
    assert (courier_id, "Code128") in barcodes_in_pdf(label)[0]
    # Booked once: its view says so, and another BOOK of it books nothing more: it prints
    # the handover label again (a jammed printer, a label torn).
    window.select_job(station.cache.get(job.id) or job)
    qtbot.waitUntil(lambda: f"Courier job {courier_id}, " in
                    window.job_view.fields["courier"].text(), timeout=5_000)
    scan(qtbot, window, barcode(Command.BOOK))
    qtbot.waitUntil(lambda: "is dispatched; handover label sent to" in window.banner.text(),
                    timeout=10_000)
    assert len(lastmile.jobs) == 1


def test_a_refused_booking_is_said_at_its_field_and_nothing_is_dispatched(
        qtbot: QtBot, courier_window: MainWindow, lastmile: LastMileServer) -> None:
    window = courier_window
    job = courier_job(window)
    scan(qtbot, window, job.order_reference or str(job.id))
    qtbot.waitUntil(lambda: (window.current_job() or job).id == job.id, timeout=5_000)
    lastmile.faults.inject("422", only="POST /jobs$")
    scan(qtbot, window, barcode(Command.BOOK))
    qtbot.waitUntil(lambda: "not booked" in window.banner.text(), timeout=10_000)
    said = window.banner.text()
    assert "recipient.phone_number: not a valid phone number (the buyer's phone" in said
    assert not lastmile.jobs
    assert window.station is not None
    assert window.station.outbox.for_job(job.id) is None  # nothing dispatched
    qtbot.waitUntil(lambda: "Not booked" in window.job_view.fields["courier"].text(),
                    timeout=5_000)


def PdfReader_text(data: bytes) -> str:
    import io

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("courier_window", [False], indirect=True)
def test_ctrl_k_shows_the_slots_and_an_expired_one_offers_the_next(
        qtbot: QtBot, courier_window: MainWindow, lastmile: LastMileServer) -> None:
    window = courier_window
    job = courier_job(window)
    window.select_job(job)
    qtbot.waitUntil(lambda: (window.current_job() or job).id == job.id, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.dialogs.of_type(SlotDialog) is not None, timeout=5_000)
    dialog = window.dialogs.of_type(SlotDialog)
    assert isinstance(dialog, SlotDialog)
    qtbot.waitUntil(lambda: dialog.book_button.isEnabled(), timeout=10_000)
    assert dialog.list.count() == len(dialog.slots) > 1
    first = dialog.selected()
    assert first is not None and first.id == dialog.slots[0].id
    lastmile.expire_slots()  # the packer took too long: the courier let the slot go
    dialog.book_button.click()
    qtbot.waitUntil(lambda: (d := window.dialogs.of_type(SlotDialog)) is not None
                    and d is not dialog, timeout=10_000)
    offered = window.dialogs.of_type(SlotDialog)
    assert isinstance(offered, SlotDialog)
    assert "expired before it was booked" in offered.reason.text()
    assert offered.reason.textFormat() == Qt.TextFormat.PlainText
    qtbot.waitUntil(lambda: offered.book_button.isEnabled(), timeout=10_000)
    chosen = offered.selected()
    assert chosen is not None and offered.offered is not None
    assert chosen.id == offered.offered.id
    assert not lastmile.jobs
    offered.book_button.click()
    qtbot.waitUntil(lambda: len(lastmile.jobs) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: "booked" in window.banner.text(), timeout=10_000)
    body = next(iter(lastmile.jobs.values()))
    assert body["slot_id"] == chosen.id


def test_a_booked_job_cancelled_in_smart_gift_is_flagged(
        qtbot: QtBot, courier_window: MainWindow, lastmile: LastMileServer,
        sandbox: SandboxServer) -> None:
    window = courier_window
    assert window.station is not None
    station = window.station
    job = courier_job(window)
    booked = []

    async def book() -> None:
        booked.append(await station.courier.book(job))

    wait(qtbot, book())
    courier_id = booked[0].booking.courier_job_id
    qtbot.waitUntil(lambda: (station.cache.get(job.id) or job).status == "dispatched",
                    timeout=10_000)
    sandbox.state.update_job(job.id, {"status": "cancelled"})
    wait(qtbot, station.sync.sync_once())
    flag = f"courier job {courier_id} is booked; cancel it with the courier"
    qtbot.waitUntil(lambda: flag in window.notice_label.text(), timeout=10_000)
    assert flag in window.banner.text()
    window.select_job(station.cache.get(job.id) or dataclasses.replace(job, status="cancelled"))
    qtbot.waitUntil(lambda: "cancel the courier's job" in
                    window.job_view.fields["courier"].text(), timeout=5_000)


def test_the_courier_is_set_up_in_settings_and_a_change_that_cannot_work_refused(
        qtbot: QtBot, courier_window: MainWindow, lastmile: LastMileServer,
        secret_service_keyring: KeyringBackend) -> None:
    window = courier_window
    dialog = open_settings(qtbot, window)
    page = dialog.courier
    assert unnamed_controls(page) == []
    table = dialog.delivery.table
    envelope = next(row for row in range(table.rowCount())
                    if table.item(row, 0).text() == "Gift Envelope")
    assert dialog.delivery.couriers[envelope].isChecked()
    dialog.delivery.comments[envelope].setText("Gift for {recipient}: in person please")
    page.buyer_contact.setChecked(True)
    assert not page.delivery_code.isEnabled()  # the code would go to the buyer
    page.api_url.setText("http://courier.example.com")
    dialog.save()
    assert "HTTPS" in dialog.result_label.text() and dialog.isVisible()
    page.api_url.setText(lastmile.base_url)
    page.address["zip_code"].clear()
    dialog.save()
    assert "zip code" in dialog.result_label.text() and dialog.isVisible()
    assert not Settings.path().exists()  # refused before anything was saved
    page.address["zip_code"].setText("LS11 5PS")
    qtbot.keyClicks(page.key, "lm_live_key_from_the_courier_42")
    qtbot.mouseClick(page.store_key_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ending …r_42" in page.key_state.text(), timeout=5_000)
    assert page.key.text() == ""  # not kept in the widget
    assert keys.stored_courier_key(lastmile.base_url) is not None
    dialog.save()
    qtbot.waitUntil(lambda: Settings.path().exists()
                    and Settings.load().courier.send_buyer_contact, timeout=5_000)
    saved = Settings.load()
    assert saved.courier.collection.zip_code == "LS11 5PS"
    assert saved.delivery_methods["Gift Envelope"].courier_comment.startswith("Gift for")
    assert "lm_live_key" not in Settings.path().read_text()


@pytest.mark.parametrize("courier_window", [False], indirect=True)
def test_a_dispatch_that_needs_a_yes_after_booking_is_asked_and_no_slot_asked_again(
        qtbot: QtBot, courier_window: MainWindow, lastmile: LastMileServer,
        sandbox: SandboxServer) -> None:
    window = courier_window
    assert window.station is not None
    station = window.station
    job = courier_job(window)
    # A reference of its own waits for the job, refused once (kept for attention: no
    # sender takes it up meanwhile).
    sandbox.faults.inject("422", only=f"PUT /fulfilment/jobs/{job.id}$")
    wait(qtbot, station.jobs.dispatch(job, "OWN-REF-7"))
    qtbot.waitUntil(lambda: (entry := station.outbox.for_job(job.id)) is not None
                    and entry.state == "attention", timeout=10_000)
    window.select_job(job)
    qtbot.waitUntil(lambda: (window.current_job() or job).id == job.id, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: (d := window.dialogs.of_type(SlotDialog)) is not None
                    and d.book_button.isEnabled(), timeout=10_000)
    dialog = window.dialogs.of_type(SlotDialog)
    assert isinstance(dialog, SlotDialog)
    dialog.book_button.click()
    qtbot.waitUntil(lambda: window.dialogs.of_type(QMessageBox) is not None, timeout=10_000)
    question = window.dialogs.of_type(QMessageBox)
    assert isinstance(question, QMessageBox)
    (courier_id,) = lastmile.jobs
    assert f"Courier job {courier_id} is booked" in question.text()
    assert "OWN-REF-7" in question.text()
    question.button(QMessageBox.StandardButton.No).click()
    # Ctrl+K again: booked already, so no slots are asked for, only the same question.
    asked = len([r for r in lastmile.requests if "availability" in r.path])
    activate(qtbot, window)  # the question had the keyboard
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.dialogs.of_type(QMessageBox) is not None, timeout=10_000)
    assert window.dialogs.of_type(SlotDialog) is None
    assert len([r for r in lastmile.requests if "availability" in r.path]) == asked
    again = window.dialogs.of_type(QMessageBox)
    assert isinstance(again, QMessageBox)
    again.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: (station.cache.get(job.id) or job).tracking_reference == courier_id,
                    timeout=10_000)
    assert len(lastmile.jobs) == 1
