"""Saved changes in the window: the ones needing attention are listed with the reason, and
sent again (with a corrected reference) or discarded; another reference for a job asks."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from packstation.api import Job
from packstation.sandbox import SandboxServer
from packstation.store.outbox import OutboxState
from packstation.store.scan_log import ScanLog
from packstation.ui.main_window import MainWindow
from packstation.ui.outbox_dialog import OutboxDialog
from tests.gui import scan
from tests.test_gui_backoffice import click, open_dialog
from tests.test_gui_window import unnamed_controls


def in_hand(qtbot: QtBot, window: MainWindow, job: Job) -> None:
    scan(qtbot, window, job.order_reference or "")
    qtbot.waitUntil(lambda: window.job_view.job is not None
                    and window.job_view.job.id == job.id, timeout=5_000)


def refused(qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, job: Job,
            tracking: str) -> None:
    """Dispatch ``job`` with ``tracking``; Smart Gift refuses it (a 422)."""
    in_hand(qtbot, window, job)
    sandbox.faults.inject("422", only=f"PUT /fulfilment/jobs/{job.id}")
    scan(qtbot, window, tracking)
    outbox = window.station.outbox  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: (e := outbox.for_job(job.id)) is not None
                    and e.state is OutboxState.ATTENTION, timeout=10_000)


def outbox_dialog(qtbot: QtBot, window: MainWindow) -> OutboxDialog:
    qtbot.waitUntil(lambda: window.status.outbox_flag.isVisible(), timeout=5_000)
    click(qtbot, window.status.outbox_flag)
    dialog = open_dialog(qtbot, window, OutboxDialog)
    assert isinstance(dialog, OutboxDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=5_000)
    return dialog


def test_a_refused_dispatch_is_corrected_and_sent_from_the_window(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    job = window.model.job(0)
    refused(qtbot, window, sandbox, job, "JDBAD1GB")
    qtbot.waitUntil(lambda: "need attention" in window.status.outbox_flag.text(),
                    timeout=5_000)
    dialog = outbox_dialog(qtbot, window)
    assert unnamed_controls(dialog) == []
    assert dialog.table.item(0, 0).text() == job.order_reference
    assert dialog.table.item(0, 3).text() == "Needs attention"
    assert "not valid for this carrier" in dialog.table.item(0, 5).text()  # the reason
    assert dialog.tracking.text() == "JDBAD1GB"
    dialog.tracking.clear()
    # Pasted (QTest cannot type U+202E): still refused here, before anything is saved.
    dialog.tracking.insert("JD\u202eEVIL")
    click(qtbot, dialog.send_again)
    qtbot.waitUntil(lambda: "control character" in dialog.problem.text(), timeout=5_000)
    assert window.station.outbox.for_job(job.id).tracking_reference == "JDBAD1GB"  # type: ignore[union-attr]
    dialog.tracking.clear()
    qtbot.keyClicks(dialog.tracking, "JDGOOD1GB")
    click(qtbot, dialog.send_again)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["tracking_reference"]  # type: ignore[index]
                    == "JDGOOD1GB", timeout=10_000)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=5_000)
    assert "Nothing is waiting" in dialog.summary.text()
    dialog.reject()


def test_a_refused_change_can_be_discarded_after_asking(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    job = window.model.job(1)
    refused(qtbot, window, sandbox, job, "JDNOPE2GB")
    window.changes.open()  # also Ctrl+Shift+O
    dialog = open_dialog(qtbot, window, OutboxDialog)
    assert isinstance(dialog, OutboxDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5_000)
    click(qtbot, dialog.discard)
    box = open_dialog(qtbot, window, QMessageBox)
    assert isinstance(box, QMessageBox) and job.order_reference in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=5_000)
    assert window.station.outbox.for_job(job.id) is None  # type: ignore[union-attr]
    assert sandbox.state.job(job.id)["status"] == "pending"  # type: ignore[index]
    dialog.reject()


def test_another_reference_for_a_job_with_one_waiting_asks_first(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    job = window.model.job(2)
    in_hand(qtbot, window, job)
    sandbox.faults.retry_after = 60  # Smart Gift busy: the first reference stays waiting
    sandbox.faults.inject("503", only=f"PUT /fulfilment/jobs/{job.id}")
    scan(qtbot, window, "JDFIRST3GB")
    outbox = window.station.outbox  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: (e := outbox.for_job(job.id)) is not None
                    and e.attempts == 1 and e.state is OutboxState.PENDING, timeout=10_000)
    in_hand(qtbot, window, job)  # the packer comes back to it with another label
    scan(qtbot, window, "JDSECOND3GB")
    box = open_dialog(qtbot, window, QMessageBox)
    assert isinstance(box, QMessageBox)
    assert "JDFIRST3GB" in box.text() and "Replace it with JDSECOND3GB?" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.No))
    qtbot.waitUntil(lambda: window.dialogs.of_type(QMessageBox) is None, timeout=5_000)
    assert outbox.for_job(job.id).tracking_reference == "JDFIRST3GB"  # type: ignore[union-attr]
    scan(qtbot, window, "JDSECOND3GB")
    box = open_dialog(qtbot, window, QMessageBox)
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "Saved, sending" in window.banner.text()
                    and "JDSECOND3GB" in window.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["tracking_reference"]  # type: ignore[index]
                    == "JDSECOND3GB", timeout=10_000)


class BrokenScanLog(ScanLog):
    def record(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise sqlite3.OperationalError("disk I/O error")


def test_a_failing_task_shows_a_red_banner_and_plays_the_error_sound(
        qtbot: QtBot, window: MainWindow, caplog: pytest.LogCaptureFixture) -> None:
    assert window.scans is not None and window.station is not None
    window.scans.jobs.log = BrokenScanLog(window.station.db)  # the disk fails under a scan
    window.sounds.enabled = True
    scan(qtbot, window, window.model.job(0).order_reference or "")
    qtbot.waitUntil(lambda: "Something went wrong" in window.banner.text(), timeout=5_000)
    assert not window.banner.good and "disk I/O error" in window.banner.text()
    assert window.sounds.played[-1] == "error"
    assert "Traceback" in caplog.text  # the details, for support
