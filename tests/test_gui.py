"""The real main window, driven offscreen against the sandbox, scans typed as a scanner would."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from packstation.sandbox import SandboxServer
from packstation.ui.main_window import MainWindow
from tests.gui import fill_cache, make_station, open_window, scan, synced_window, wait


def test_queue_loads_in_leave_by_order_with_counts(window: MainWindow) -> None:
    rows = [window.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1)
            for r in range(window.proxy.rowCount())]
    assert rows and all(job.status == "pending" for job in rows)
    assert window.station is not None
    rule = window.station.settings.leave_by_rule()
    keys = [rule.order_key(job) for job in rows]  # leave-by day, then received
    assert keys == sorted(keys)
    assert [job.received_at for job in rows] != sorted(job.received_at for job in rows)
    assert window.tabs.tabText(0) == f"Pending ({len(rows)})"


def test_search_filters_as_you_type(qtbot: QtBot, window: MainWindow) -> None:
    job = window.model.job(0)
    postcode = job.delivery_address.postcode if job.delivery_address else ""
    qtbot.keyClicks(window.search, postcode.replace(" ", "").lower())
    shown = [window.proxy.index(r, 4).data() for r in range(window.proxy.rowCount())]
    assert shown and all(p == postcode for p in shown)


def test_scan_order_then_tracking_dispatches_and_moves_on(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    window.select_row(2)
    job = window.current_job()
    assert job is not None and job.order_reference
    window.select_row(0)
    scan(qtbot, window, job.order_reference)
    qtbot.waitUntil(lambda: (window.current_job() or job).id == job.id
                    and window.job_view.job is not None, timeout=5_000)
    assert window.banner.good and job.order_reference in window.banner.text()
    row_before = window.table.currentIndex().row()
    scan(qtbot, window, "JD123456789GB")
    qtbot.waitUntil(lambda: "Saved, sending" in window.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["status"] == "dispatched",  # type: ignore[index]
                    timeout=10_000)
    assert sandbox.state.job(job.id)["tracking_reference"] == "JD123456789GB"  # type: ignore[index]
    next_job = window.current_job()
    assert next_job is not None and next_job.id != job.id  # the next pending job
    qtbot.waitUntil(lambda: window.model.job(window.model.row_of(job.id) or 0).status
                    == "dispatched", timeout=10_000)
    assert window.table.currentIndex().row() in (row_before, row_before + 1)


def test_voucher_scans_verify_or_warn(qtbot: QtBot, window: MainWindow) -> None:
    jobs = [window.model.job(r) for r in range(window.model.rowCount())]
    first, other = jobs[0], jobs[1]
    scan(qtbot, window, first.order_reference or "")
    qtbot.waitUntil(lambda: window.job_view.job is not None
                    and window.job_view.job.id == first.id, timeout=5_000)
    scan(qtbot, window, first.vouchers[0].code or "")
    qtbot.waitUntil(lambda: window.job_view.vouchers.item(0, 0).text() == "✓", timeout=5_000)
    assert window.sounds.played[-1] == "ok"
    scan(qtbot, window, other.vouchers[0].code or "")
    qtbot.waitUntil(lambda: "WRONG VOUCHER" in window.banner.text(), timeout=5_000)
    assert not window.banner.good
    assert window.sounds.played[-1] == "error"  # the distinct failure sound
    assert (window.current_job() or first).id == first.id  # not switched silently


def test_garbage_and_nothing_in_hand_is_refused(qtbot: QtBot, window: MainWindow) -> None:
    window.table.clearSelection()
    window.table.setCurrentIndex(window.proxy.index(-1, -1))
    scan(qtbot, window, "%%%GARBAGE%%%")
    qtbot.waitUntil(lambda: "not an order" in window.banner.text(), timeout=5_000)
    assert not window.banner.good


@pytest.mark.parametrize(("fault", "says"), [
    ("422", "not valid for this carrier"), ("429", "will retry"), ("drop", "will retry")])
def test_failures_show_their_message_and_lose_nothing(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, fault: str,
        says: str) -> None:
    job = window.model.job(0)
    scan(qtbot, window, job.order_reference or "")
    qtbot.waitUntil(lambda: window.job_view.job is not None, timeout=5_000)
    sandbox.faults.retry_after = 0
    sandbox.faults.inject(fault)
    scan(qtbot, window, "JDFAULT1GB")
    if fault == "422":
        qtbot.waitUntil(lambda: says in window.banner.text(), timeout=10_000)
        entry = window.station.outbox.for_job(job.id)  # type: ignore[union-attr]
        assert entry is not None and entry.state.value == "attention"  # kept for the user
    else:
        qtbot.waitUntil(lambda: says in window.statusBar().currentMessage()
                        or sandbox.state.job(job.id)["status"] == "dispatched",  # type: ignore[index]
                        timeout=10_000)
        # ...and then it goes through by itself.
        qtbot.waitUntil(lambda: sandbox.state.job(job.id)["status"] == "dispatched",  # type: ignore[index]
                        timeout=15_000)


def test_wrong_key_shows_message_and_keeps_the_dispatch(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: Path) -> None:
    fill_cache(qtbot, sandbox, tmp_path / "station.sqlite3")
    station = make_station(sandbox, tmp_path / "station.sqlite3", key="sk_revoked")
    station.sender.start()
    window = open_window(qtbot, station)
    job = window.model.job(0)
    scan(qtbot, window, job.order_reference or "")
    qtbot.waitUntil(lambda: window.job_view.job is not None, timeout=5_000)
    scan(qtbot, window, "JDKEY1GB")
    qtbot.waitUntil(lambda: "API key" in window.statusBar().currentMessage(), timeout=10_000)
    entry = station.outbox.for_job(job.id)
    assert entry is not None and entry.tracking_reference == "JDKEY1GB"  # nothing lost
    window.close()
    wait(qtbot, station.aclose())


def test_print_on_select_goes_to_the_printing_layer(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: Path, cups_queue: object) -> None:
    with synced_window(qtbot, sandbox, tmp_path / "station.sqlite3", print_on_select=True,
                       voucher_printer="PDF") as window:
        assert window.station is not None
        history = window.station.history
        job = window.model.job(0)
        scan(qtbot, window, job.order_reference or "")
        qtbot.waitUntil(lambda: bool(history.recent(1, job_id=job.id)), timeout=15_000)
        record = history.recent(1, job_id=job.id)[0]
        assert record.printer == "PDF" and record.pages == len(job.vouchers)
        qtbot.waitUntil(lambda: "sent to PDF" in window.banner.text(), timeout=5_000)


def test_a_change_elsewhere_is_announced(qtbot: QtBot, window: MainWindow,
                                         sandbox: SandboxServer) -> None:
    window.select_row(0)
    open_job = window.current_job()
    assert open_job is not None and window.station is not None
    sandbox.state.update_job(open_job.id, {"status": "dispatched",
                                           "tracking_reference": "OTHER-BENCH"})
    wait(qtbot, window.station.sync.sync_once())
    qtbot.waitUntil(lambda: "was dispatched elsewhere" in window.notice_label.text(),
                    timeout=10_000)


def test_start_up_shows_the_cache_before_any_request(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: Path) -> None:
    fill_cache(qtbot, sandbox, tmp_path / "station.sqlite3")
    before = len(sandbox.requests)
    station = make_station(sandbox, tmp_path / "station.sqlite3")
    window = open_window(qtbot, station)
    assert not [r for r in sandbox.requests[before:] if "/assets/" not in r.path]
    window.close()
    wait(qtbot, station.aclose())


def test_sounds_can_be_turned_off_and_never_break_anything(qtbot: QtBot) -> None:
    from packstation.ui.sounds import ScanSounds

    quiet = ScanSounds(enabled=False)
    quiet.play(False)
    assert quiet.played == []
    missing = ScanSounds(folder=Path("/nonexistent"))  # no files: silence, no error
    missing.play(True)
    assert missing.played == ["ok"]


def test_first_sync_of_an_empty_cache_puts_a_job_in_hand(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: Path) -> None:
    """A new station (or the demo) starts empty; once jobs arrive, one is shown at once."""
    from packstation.ui.app import build_window

    station = make_station(sandbox, tmp_path / "station.sqlite3")
    window = build_window(station, "test")
    qtbot.addWidget(window)
    wait(qtbot, window.load_queue())
    assert window.current_job() is None and window.model.rowCount() == 0
    wait(qtbot, station.sync.sync_once())
    qtbot.waitUntil(lambda: window.current_job() is not None, timeout=5_000)
    assert window.job_view.job == window.current_job()
    window.close()
    wait(qtbot, station.aclose())


def test_window_without_a_station_explains(qtbot: QtBot) -> None:
    window = MainWindow(None, "Not connected", "No API key is stored for https://x.")
    qtbot.addWidget(window)
    window.show()
    assert "No API key" in window.notice_label.text()
    window.close()


def test_demo_entry_point_opens_the_window_with_jobs() -> None:
    """`packstation --demo` for real: its own sandbox, window, and jobs on screen."""
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from packstation.cli.main import main\n"
        "from packstation.ui.main_window import MainWindow\n"
        "app = QApplication(sys.argv)\n"
        "def check():\n"
        "    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]\n"
        "    if windows and windows[0].model.rowCount():\n"
        "        print('jobs:', windows[0].model.rowCount(), windows[0].origin_label.text())\n"
        "        windows[0].close()\n"
        "timer = QTimer(); timer.timeout.connect(check); timer.start(50)\n"
        "QTimer.singleShot(30000, lambda: [w.close() for w in app.topLevelWidgets()])\n"
        "sys.exit(main(['--demo']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "jobs:" in result.stdout and "Demo: built-in sandbox" in result.stdout


def test_the_scan_field_says_when_a_scan_begins_once_a_scan(qtbot: QtBot) -> None:
    """A scan's first character is the moment to get ready for its Enter (the printer's
    state asked): once a scan, not once a character."""
    from packstation.ui.scan_bar import ScanField

    field = ScanField()
    qtbot.addWidget(field)
    begun: list[int] = []
    done: list[str] = []
    field.started.connect(lambda: begun.append(1))
    field.scanned.connect(done.append)
    qtbot.keyClicks(field, "JD0002")
    assert len(begun) == 1
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.keyClicks(field, "AB")
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClick(field, Qt.Key.Key_Backspace)  # emptied by hand: the next key begins anew
    qtbot.keyClicks(field, "C")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert done == ["JD0002", "C"] and len(begun) == 3
