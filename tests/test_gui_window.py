"""The window around the scan: focus, preview, status bar, batch print, palette, names."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QTabBar,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from packstation.api import Job
from packstation.sandbox import SandboxServer
from packstation.ui.job_queue_model import LEAVE_BY
from packstation.ui.main_window import MainWindow
from packstation.ui.palette import warning_colour
from tests.cups import CupsQueue
from tests.gui import make_station, open_window, synced_window, wait


def activate(qtbot: QtBot, window: QWidget) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


def test_scan_field_keeps_the_keyboard_but_not_from_search_or_dialogs(
        qtbot: QtBot, window: MainWindow) -> None:
    activate(qtbot, window)
    qtbot.waitUntil(window.scan_field.hasFocus, timeout=2_000)  # ready to scan at once
    # A click on the queue selects the job, and the keyboard goes back to the scan field.
    row = window.table.visualRect(window.proxy.index(2, 0)).center()
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=row)
    assert window.table.currentIndex().row() == 2
    qtbot.waitUntil(window.scan_field.hasFocus, timeout=2_000)
    # Arrow keys in the scan field move through the queue.
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == 3 and window.scan_field.hasFocus()
    # The search box keeps the keyboard while the packer types there...
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.search.hasFocus, timeout=2_000)
    qtbot.keyClicks(window.search, "zz")
    assert window.search.hasFocus() and window.search.text() == "zz"
    # ...and Escape gives it back to the scanner.
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(window.scan_field.hasFocus, timeout=2_000)
    # A dialog keeps its own focus: the scan field does not take it.
    window.search.clear()
    window.select_row(0)
    window.jobs.dispatch_typed()
    dialog = window.dialogs.of_type(QInputDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isActiveWindow() and QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is dialog, timeout=3_000)
    qtbot.keyClicks(QApplication.focusWidget(), "JD1")
    assert QApplication.focusWidget().window() is dialog
    assert isinstance(dialog, QInputDialog) and dialog.textValue() == "JD1"
    dialog.reject()
    activate(qtbot, window)  # as the window manager does when a dialog closes
    qtbot.waitUntil(window.scan_field.hasFocus, timeout=2_000)


def test_preview_shows_each_voucher_pdf_once_downloaded(qtbot: QtBot,
                                                        window: MainWindow) -> None:
    jobs = [window.model.job(r) for r in range(window.model.rowCount())]
    job = next(j for j in jobs if len(j.vouchers) == 2)
    window.select_job(job)
    preview = window.job_view.preview
    qtbot.waitUntil(lambda: preview.showing_pdf, timeout=5_000)
    assert preview.document.pageCount() == 1
    assert job.vouchers[0].code in preview.document.getAllText(0).text()
    window.job_view.vouchers.setCurrentCell(1, 1)  # the second voucher
    qtbot.waitUntil(lambda: job.vouchers[1].code in preview.document.getAllText(0).text(),
                    timeout=5_000)
    assert isinstance(preview.currentWidget(), QPdfView)


def test_preview_says_not_ready_until_the_service_has_made_the_pdf(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    with SandboxServer(pdf_delay=2.0, jobs=4, seed=5) as sandbox:
        station = make_station(sandbox, tmp_path / "station.sqlite3")
        station.pdfs._first_retry = 0.3
        wait(qtbot, station.sync.sync_once())
        window = open_window(qtbot, station)
        window.select_row(0)
        preview = window.job_view.preview
        qtbot.waitUntil(lambda: "generating" in preview.state.text(), timeout=5_000)
        assert preview.state.text().startswith("PDF not ready yet")
        assert not preview.showing_pdf
        qtbot.waitUntil(lambda: preview.showing_pdf, timeout=15_000)  # it arrives by itself
        window.close()
        wait(qtbot, station.aclose())


def test_status_bar_shows_connection_and_printer_state(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: Path, cups_queue: CupsQueue) -> None:
    with synced_window(qtbot, sandbox, tmp_path / "station.sqlite3",
                       voucher_printer=cups_queue.name, label_printer="Zebra-Gone") as window:
        station = window.station
        assert station is not None
        station.monitor.start()
        bar = window.status
        qtbot.waitUntil(lambda: f"Voucher printer {cups_queue.name}: ready"
                        in bar.printers.text(), timeout=10_000)
        assert "Label printer: " in bar.printers.text() and "Zebra-Gone" in bar.printers.text()
        assert "Connected · synced" in bar.connection.text()
        assert "requests left this minute" in bar.connection.text()
        cups_queue.stop()
        try:
            station.monitor.check_soon()
            qtbot.waitUntil(lambda: "STOPPED" in bar.printers.text(), timeout=10_000)
        finally:
            cups_queue.start()


def test_printing_every_shown_job_shows_progress_and_prints_each(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: Path, cups_queue: CupsQueue) -> None:
    with synced_window(qtbot, sandbox, tmp_path / "station.sqlite3",
                       voucher_printer=cups_queue.name) as window:
        station = window.station
        assert station is not None
        # A search that shows a few jobs: a batch, not the whole queue.
        postcodes = [j.delivery_address.postcode for j in window.queue.shown_pending()
                     if j.delivery_address]
        term = next(p[:2] for p in postcodes
                    if 2 <= sum(q.startswith(p[:2]) for q in postcodes) <= 5)
        qtbot.keyClicks(window.search, term.lower())
        jobs = window.queue.shown_pending()
        assert len(jobs) >= 2
        activate(qtbot, window)
        seen_progress: list[str] = []
        window.status.progress.valueChanged.connect(
            lambda _: seen_progress.append(window.status.progress_label.text()))
        qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)
        box = window.dialogs.of_type(QMessageBox)
        assert isinstance(box, QMessageBox) and f"all {len(jobs)} pending" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: window.banner.text().startswith("All "), timeout=30_000)
        assert window.banner.text() == f"All {len(jobs)} job(s) sent to the printer."
        assert f"Printing {len(jobs)} of {len(jobs)}" in seen_progress
        assert not window.status.busy
        printed = {r.job_id for r in station.history.recent(100)}
        assert printed == {j.id for j in jobs}


def test_text_scale_enlarges_everything_in_proportion(qtbot: QtBot, window: MainWindow) -> None:
    base = QGuiApplication.font().pointSizeF()
    scan_before = window.scan_field.font().pointSizeF()
    assert window.station is not None
    window.apply_settings(replace(window.station.settings, text_scale=1.5))
    assert window.font().pointSizeF() == pytest.approx(base * 1.5)
    assert window.scan_field.font().pointSizeF() == pytest.approx(scan_before * 1.5)
    assert window.job_view.address.font().pointSizeF() == pytest.approx(base * 1.5 * 1.4)
    assert window.banner.minimumHeight() >= window.banner.fontMetrics().height() * 2


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return (0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF())
                + 0.0722 * channel(c.blueF()))
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("base", ["#ffffff", "#f5f5f5", "#1e1e1e", "#2b2b2b", "#000000"])
def test_warning_colour_is_readable_on_light_and_dark_themes(base: str) -> None:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    assert _contrast(warning_colour(palette), QColor(base)) >= 4.5


def test_overdue_and_due_today_jobs_are_marked_in_words_and_readable_colours(
        qtbot: QtBot, window: MainWindow) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    model = window.model
    model.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday
    before = model.due_counts()
    model.upsert([Job.from_json({"id": 990001, "status": "pending", "vouchers": [],
                                 "order_reference": "LATE", "delivery_date": "2026-12-02"}),
                  Job.from_json({"id": 990002, "status": "pending", "vouchers": [],
                                 "order_reference": "TODAY", "delivery_date": "2026-12-03"}),
                  Job.from_json({"id": 990003, "status": "pending", "vouchers": [],
                                 "order_reference": "LATER", "delivery_date": "2026-12-09"})])
    late, today, later = (model.row_of(i) for i in (990001, 990002, 990003))
    assert late is not None and today is not None and later is not None
    assert model.index(late, LEAVE_BY).data().startswith("OVERDUE Tue 01 Dec")
    assert model.index(today, LEAVE_BY).data().startswith("TODAY Wed 02 Dec")
    assert model.index(later, LEAVE_BY).data() == "Tue 08 Dec"
    assert model.index(later, LEAVE_BY).data(Qt.ItemDataRole.ForegroundRole) is None
    today_count, overdue_count = model.due_counts()
    assert (today_count, overdue_count) == (before[0] + 1, before[1] + 1)
    window._show_counts()  # as after every change to the queue
    assert f"{today_count} due today, {overdue_count} overdue" in window.windowTitle()
    assert window.status.due.text() == f"{today_count} due today · {overdue_count} overdue"
    saved = app.palette()
    for base, text in (("#1e1e1e", "#eeeeee"), ("#ffffff", "#000000")):
        palette = QPalette(saved)
        for role, colour in ((QPalette.ColorRole.Window, base),
                             (QPalette.ColorRole.Base, base), (QPalette.ColorRole.Text, text)):
            palette.setColor(role, QColor(colour))
        try:
            app.setPalette(palette)
            marks = [model.index(row, LEAVE_BY).data(Qt.ItemDataRole.ForegroundRole)
                     for row in (late, today)]
            assert marks[0] != marks[1]  # overdue red, today amber
            for mark in marks:
                assert _contrast(mark, QColor(base)) >= 4.5
            assert model.index(late, LEAVE_BY).data(Qt.ItemDataRole.FontRole).bold()
        finally:
            app.setPalette(saved)


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls a screen reader would announce without a name."""
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        parent = widget.parentWidget()
        if isinstance(parent, QLineEdit | QAbstractSpinBox | QComboBox | QTabWidget
                      | QAbstractItemView):
            continue  # parts of a named control (clear button, inner edit, tab bar, header)
        if isinstance(widget, QAbstractButton):
            named = bool(widget.accessibleName() or widget.text() or widget.toolTip())
        elif isinstance(widget, QLineEdit | QComboBox | QAbstractSpinBox | QAbstractItemView
                        | QTabBar | QTabWidget | QPdfView):
            named = bool(widget.accessibleName())
        else:
            continue
        if not named and widget.isVisibleTo(root):
            missing.append(f"{type(widget).__name__} in {type(parent).__name__}")
    return missing


def test_every_control_of_the_window_has_an_accessible_name(window: MainWindow) -> None:
    assert unnamed_controls(window) == []


def test_about_names_the_version_from_the_package(window: MainWindow) -> None:
    from packstation import __version__

    about = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu()
    about.actions()[0].trigger()
    box = window.dialogs.of_type(QMessageBox)
    assert isinstance(box, QMessageBox) and f"packstation {__version__}" in box.text()
    box.accept()
