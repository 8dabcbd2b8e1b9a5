"""The window's Today tab and who is packing: a badge scanned at the scan field signs a
packer in, the top of the window says so, and the day's figures follow the work."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from packstation.api import Job
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.printing.manifest_sheet import manifest_barcode
from packstation.sandbox import SandboxServer
from packstation.scanning.commands import badge_barcode
from packstation.store.history import DispatchHistory
from packstation.ui.job_queue_model import JobQueueModel
from packstation.ui.main_window import MainWindow
from packstation.ui.manifest_dialog import ManifestDialog
from packstation.ui.packers_view import PackersDialog
from tests.barcodes import barcodes_in_pdf
from tests.cups import CupsQueue
from tests.gui import ANY_REFERENCE, scan
from tests.test_gui_window import unnamed_controls


def test_a_badge_signs_in_and_the_today_tab_follows_the_work(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    station = window.station
    assert station is not None and window.today is not None and window.picker is not None
    aisha = station.packers.add("Aisha Khan")
    ben = station.packers.add("Ben <b>Ode</b>")  # shown as typed, never as markup
    window.picker.reload()
    qtbot.waitUntil(lambda: window.picker is not None and window.picker.combo.count() == 3,
                    timeout=5_000)
    assert window.picker.combo.currentText() == f"Nobody ({station.sign_in.station})"

    scan(qtbot, window, badge_barcode(aisha.badge))
    qtbot.waitUntil(lambda: "Aisha Khan signed in" in window.banner.text(), timeout=5_000)
    assert window.picker.combo.currentText() == "Aisha Khan"
    assert station.sign_in.who() == "Aisha Khan"

    window.select_row(0)
    job = window.current_job()
    assert job is not None
    scan(qtbot, window, "BENCH-TODAY-1")
    qtbot.waitUntil(lambda: station.outbox.for_job(job.id) is None
                    and station.cache.status_of(job.id) == "dispatched"
                    and "BENCH-TODAY-1" in window.banner.text(), timeout=10_000)

    # Picking a name at the top signs that packer in (the mouse's way, for no badge).
    index = window.picker.combo.findText("Ben <b>Ode</b>")
    window.picker.combo.setCurrentIndex(index)
    window.picker.combo.activated.emit(index)
    assert station.sign_in.who() == "Ben <b>Ode</b>"
    assert ben.badge

    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.work.showing_today
    summary, chart = window.today.summary, window.today.chart
    qtbot.waitUntil(lambda: summary.values["dispatched"].text() == "1", timeout=10_000)
    assert _totals(chart.shown) == {"Aisha Khan": 1}
    qtbot.waitUntil(lambda: summary.values["pending"].text()
                    == str(window.model.counts()["pending"]), timeout=10_000)
    assert summary.values["overdue"].text() == str(window.model.due_counts()[1])
    assert "Aisha Khan 1" in summary.packers.text()
    assert unnamed_controls(window) == []

    # The next dispatch (Ben's) shows once the tab is back, without a refresh asked for.
    window.select_row(0)
    second = window.current_job()
    assert second is not None and second.id != job.id
    scan(qtbot, window, "BENCH-TODAY-2")
    qtbot.waitUntil(lambda: DispatchHistory(station.db).count() == 2
                    and "BENCH-TODAY-2" in window.banner.text(), timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: summary.values["dispatched"].text() == "2", timeout=15_000)
    qtbot.waitUntil(lambda: _totals(chart.shown) == {"Aisha Khan": 1, "Ben <b>Ode</b>": 1},
                    timeout=10_000)
    # Reading the figures again and again asks Smart Gift nothing.
    today = window.today
    reads, sent = today.reads, len(sandbox.requests)
    for _ in range(3):
        today.work_happened()
        today.tick()
        qtbot.waitUntil(lambda: not today._reading, timeout=5_000)
    assert today.reads >= reads + 3
    assert len(sandbox.requests) == sent


def _totals(shown: list[tuple[str, list[int]]]) -> dict[str, int]:
    """Per packer, whatever hours the test ran across."""
    return {name: sum(counts) for name, counts in shown}


def test_the_packers_dialog_adds_refuses_removes_and_prints_badges_that_scan(
        qtbot: QtBot, window: MainWindow, cups_queue: CupsQueue) -> None:
    station = window.station
    assert station is not None and window.picker is not None
    window.apply_settings(replace(station.settings, voucher_printer=cups_queue.name))
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.dialogs.of_type(PackersDialog)
    assert isinstance(dialog, PackersDialog)
    assert unnamed_controls(dialog) == []
    qtbot.keyClicks(dialog.name, "Aisha Khan")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5_000)
    assert dialog.name.text() == ""
    qtbot.keyClicks(dialog.name, "aisha khan")  # taken: said, nothing saved, text kept
    qtbot.keyClicks(dialog.badge, "BEN01")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already Aisha Khan's" in dialog.result_label.text(),
                    timeout=5_000)
    assert dialog.list.count() == 1 and dialog.name.text() == "aisha khan"
    assert dialog.result_label.textFormat() == Qt.TextFormat.PlainText
    dialog.name.setText("Ben Ode")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.count() == 2, timeout=5_000)
    # The picker at the top knows them at once.
    qtbot.waitUntil(lambda: window.picker is not None and window.picker.combo.count() == 3,
                    timeout=5_000)
    before = set(cups_queue.outputs_titled("packstation badges"))
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "badges" in dialog.result_label.text(), timeout=30_000)
    [sheet] = set(cups_queue.outputs_titled("packstation badges")) - before
    qtbot.waitUntil(lambda: sheet.stat().st_size > 0 and sheet.read_bytes().rstrip()
                    .endswith(b"%%EOF"), timeout=10_000)
    decoded = sorted(text for text, _ in barcodes_in_pdf(sheet.read_bytes())[0])
    assert decoded == sorted(badge_barcode(p.badge) for p in dialog.packers)
    assert badge_barcode("BEN01") in decoded
    dialog.list.setCurrentRow(0)  # Aisha Khan, in name order
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5_000)
    assert [p.name for p in station.packers.all()] == ["Ben Ode"]


def _dated(job_id: int, delivery: str, received: str = "2026-11-20T09:00:00Z") -> Job:
    return Job.from_json({"id": job_id, "status": "pending", "vouchers": [],
                          "order_reference": f"R{job_id}", "delivery_date": delivery,
                          "received_at": received})


def _in_order(model: JobQueueModel) -> bool:
    keys = [model.rule.order_key(model.job(r)) for r in range(model.rowCount())]
    return keys == sorted(keys)


def test_the_queue_stays_in_leave_by_order_as_pages_load_and_jobs_arrive(
        qtbot: QtBot) -> None:
    model = JobQueueModel()
    # The cache is read oldest received first, 500 at a time: the latest received
    # must leave first here.
    jobs = [_dated(i, f"2026-12-{28 - i // 50:02d}", f"2026-11-{1 + i // 50:02d}T09:00:00Z")
            for i in range(1, 1201)]
    model.set_jobs(jobs[:500])
    for start in range(500, 1200, 500):
        model.upsert(jobs[start:start + 500])
    assert model.rowCount() == 1200 and _in_order(model)
    assert model.job(0) == min(jobs, key=model.rule.order_key)  # the most urgent on top
    assert model.job(0).id > 500  # ... which came in the last page
    # A sync brings a new overdue job: it goes to the top, not the bottom.
    late = _dated(99_999, "2026-11-25")
    model.upsert([late])
    assert model.row_of(late.id) == 0 and _in_order(model)
    # A job whose delivery date changed moves to its new place.
    moved = _dated(1, "2026-11-26")
    model.upsert([moved])
    assert model.row_of(1) == 1 and _in_order(model)


def test_close_manifest_from_the_today_tab_with_a_preview(
        qtbot: QtBot, window: MainWindow, cups_queue: CupsQueue) -> None:
    station = window.station
    assert station is not None and window.today is not None
    window.apply_settings(replace(station.settings, voucher_printer=cups_queue.name,
                                  collection_cutoffs={"dpd": "16:00"}, delivery_methods={
                                      name: DeliveryMethod(name, Tracking.CARRIER)
                                      for name in ANY_REFERENCE}))
    jobs = [window.model.job(r) for r in range(2)]
    for n, job in enumerate(jobs):  # a carrier's number, none named: recognised as DPD
        window.select_job(job)
        scan(qtbot, window, f"1550000000010{n}")
        qtbot.waitUntil(lambda j=job, n=n: station.cache.status_of(j.id) == "dispatched"
                        and f"1550000000010{n}" in window.banner.text(), timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    summary = window.today.summary
    qtbot.waitUntil(lambda: "Next collection: DPD at" in summary.collection.text()
                    and "2 jobs waiting" in summary.collection.text(), timeout=10_000)
    qtbot.mouseClick(summary.manifest_button, Qt.MouseButton.LeftButton)
    dialog = window.dialogs.of_type(ManifestDialog)
    assert isinstance(dialog, ManifestDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=10_000)
    assert unnamed_controls(dialog) == []
    assert dialog.carrier.currentData() == "dpd"  # the busiest first
    shown = {dialog.table.item(r, 1).text() for r in range(2)}
    assert shown == {"15500000000100", "15500000000101"}
    before = set(cups_queue.outputs_titled("packstation manifest"))
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "closed: 2 parcel(s)" in dialog.summary.text(), timeout=30_000)
    assert dialog.closed is not None
    [page] = set(cups_queue.outputs_titled("packstation manifest")) - before
    qtbot.waitUntil(lambda: page.stat().st_size > 0 and page.read_bytes().rstrip()
                    .endswith(b"%%EOF"), timeout=10_000)
    assert (manifest_barcode(dialog.closed.id), "Code128") in barcodes_in_pdf(
        page.read_bytes())[0]
    dialog.reject()
    qtbot.waitUntil(lambda: "0 jobs waiting" in summary.collection.text(), timeout=10_000)
