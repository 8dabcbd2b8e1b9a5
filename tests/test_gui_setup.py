"""Setting a station up through the real dialogs: wizard, settings, key prompt, scanner test.

Keys are checked against the sandbox over loopback and kept in a real Secret
Service (GNOME Keyring in a private dbus session); test pages go through the
real CUPS queue.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import replace

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard
from pytestqt.qtbot import QtBot

from packstation.api import ApiKey
from packstation.config import keys
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.scanning.commands import Command, barcode
from packstation.scanning.layout import TEST_CODE
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.ui.app import open_station
from packstation.ui.first_run import FirstRunWizard
from packstation.ui.key_prompt import KeyPrompt
from packstation.ui.main_window import MainWindow
from packstation.ui.scanner_test import ScannerTestDialog
from packstation.ui.serial_scanner import SerialScanner
from packstation.ui.settings_dialog import SettingsDialog
from tests.barcodes import barcodes_in_pdf
from tests.cups import CupsQueue
from tests.gui import scan, wait
from tests.test_gui_window import activate, unnamed_controls


def stored(url: str) -> str | None:
    key = keys.stored_key(url)
    return key.reveal() if key else None


def test_first_run_checks_the_key_live_before_keeping_it(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        secret_service_keyring: KeyringBackend, cups_queue: CupsQueue) -> None:
    # No key stored: starting the app opens the wizard instead of a dead window.
    opening = asyncio.ensure_future(open_station(sandbox.base_url, demo=False))
    qtbot.waitUntil(lambda: any(isinstance(w, FirstRunWizard) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=10_000)
    wizard = next(w for w in QApplication.topLevelWidgets() if isinstance(w, FirstRunWizard))
    assert unnamed_controls(wizard) == []
    env = wizard.environment
    env.custom.setChecked(True)
    qtbot.keyClicks(env.address, "http://example.com")  # plain HTTP off loopback: refused
    assert not env.isComplete() and "HTTPS" in env.problem.text()
    env.address.clear()
    qtbot.keyClicks(env.address, sandbox.base_url)
    assert env.isComplete()
    wizard.next()
    page = wizard.key_page
    assert not page.isComplete()
    qtbot.keyClicks(page.key, "sk_wrong_key_pasted_here")
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused this key" in page.result.text(), timeout=10_000)
    assert not page.isComplete() and stored(sandbox.base_url) is None  # never kept
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    page.key.clear()
    qtbot.keyClicks(page.key, DEMO_KEY)
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.isComplete, timeout=10_000)
    assert "Key accepted" in page.result.text() and DEMO_KEY not in page.result.text()
    assert stored(sandbox.base_url) == DEMO_KEY
    assert page.key.text() == ""  # not left in the field either
    wizard.next()
    printers = wizard.printers
    qtbot.waitUntil(lambda: printers.vouchers.findData(cups_queue.name) >= 0, timeout=10_000)
    printers.vouchers.setCurrentIndex(printers.vouchers.findData(cups_queue.name))
    before = set(cups_queue.outputs_titled("packstation test page"))
    qtbot.mouseClick(printers.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "printed on" in printers.result.text()
                    or "sent to" in printers.result.text(), timeout=30_000)
    assert set(cups_queue.outputs_titled("packstation test page")) - before
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(opening.done, timeout=15_000)
    station, problem = opening.result()
    assert problem is None and isinstance(station, Station)
    assert station.api_url == sandbox.base_url
    saved = Settings.load()
    assert saved.api_url == sandbox.base_url and saved.voucher_printer == cups_queue.name
    assert DEMO_KEY not in Settings.path().read_text()  # the key is not a setting
    wait(qtbot, station.aclose())


def test_closing_the_wizard_explains_instead_of_failing(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        secret_service_keyring: KeyringBackend) -> None:
    opening = asyncio.ensure_future(open_station(sandbox.base_url, demo=False))
    qtbot.waitUntil(lambda: any(isinstance(w, FirstRunWizard) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=10_000)
    wizard = next(w for w in QApplication.topLevelWidgets() if isinstance(w, FirstRunWizard))
    wizard.reject()
    qtbot.waitUntil(opening.done, timeout=5_000)
    assert opening.result() == (None, opening.result()[1])
    assert "Set up packstation" in (opening.result()[1] or "")


def open_settings(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.dialogs.of_type(SettingsDialog) is not None, timeout=5_000)
    dialog = window.dialogs.of_type(SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    return dialog


def test_the_delivery_page_lists_the_methods_seen_and_a_change_takes_effect(
        qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_settings(qtbot, window)
    page = dialog.delivery
    names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert names == ["Gift Box", "Gift Envelope", "Gift Letter"]  # the sandbox's, as named
    assert unnamed_controls(dialog) == []
    row = names.index("Gift Box")
    page.kinds[row].setCurrentIndex(page.kinds[row].findData("carrier"))
    page.carriers[row].setCurrentIndex(page.carriers[row].findData("dpd"))
    assert page.carriers[row].isEnabled()
    internal = names.index("Gift Envelope")
    assert not page.carriers[internal].isEnabled()  # internal: no carrier to choose
    assert not dialog.continuous.isChecked()  # the tests' station packs one job at a time
    dialog.continuous.setChecked(True)
    assert page.transits[row].maximum() == 20  # bounded
    page.transits[row].setValue(3)
    dialog.holiday_region.setCurrentIndex(dialog.holiday_region.findData("scotland"))
    dialog.sign_in_required.setChecked(True)
    assert not page.cutoff_times["dpd"].isEnabled()
    page.collected["dpd"].setChecked(True)
    page.cutoff_times["dpd"].setTime(QTime(15, 30))
    dialog.save()
    assert window.station is not None and window.scans is not None
    qtbot.waitUntil(lambda: "Gift Box" in Settings.load().delivery_methods, timeout=5_000)
    saved = Settings.load()
    assert saved.delivery_methods["Gift Box"] == DeliveryMethod("Gift Box", Tracking.CARRIER,
                                                                "dpd", transit_days=3)
    assert saved.continuous_packing and saved.sign_in_required
    assert saved.holiday_region == "scotland"
    assert saved.collection_cutoffs == {"dpd": "15:30"}
    assert window.model.rule.region == "scotland"  # the queue re-ordered at once
    assert window.scans.method("Gift Box").carrier == "dpd"  # in effect at once


def test_settings_take_effect_at_once_and_are_saved(
        qtbot: QtBot, window: MainWindow, cups_queue: CupsQueue) -> None:
    dialog = open_settings(qtbot, window)
    assert unnamed_controls(dialog) == []
    assert dialog.voucher_printer.findData(cups_queue.name) >= 0  # the OS's printers
    dialog.voucher_printer.setCurrentIndex(dialog.voucher_printer.findData(cups_queue.name))
    dialog.print_on_select.setChecked(False)
    dialog.end_key.setCurrentIndex(dialog.end_key.findData("tab"))
    dialog.text_scale.setValue(150)
    dialog.sounds.setChecked(False)
    dialog.sync_interval.setValue(90)
    dialog.log_level.setCurrentIndex(dialog.log_level.findData("debug"))
    dialog.save()
    assert window.station is not None and window.scans is not None
    qtbot.waitUntil(lambda: Settings.load().sync_interval == 90.0, timeout=5_000)
    saved = Settings.load()
    assert saved.voucher_printer == cups_queue.name and saved.scan_end_key == "tab"
    assert saved.text_scale == 1.5 and saved.sounds is False and not saved.print_on_select
    assert saved.log_level == "debug"
    # In effect without a restart:
    assert window.station.sync.interval == 90.0 and not window.scans.settings().print_on_select
    assert window.station.printer.station.vouchers == cups_queue.name
    assert not window.sounds.enabled
    job = window.model.job(3)
    activate(qtbot, window)  # back from the dialog
    qtbot.waitUntil(window.scan_field.hasFocus, timeout=2_000)
    qtbot.keyClicks(window.scan_field, job.order_reference or "")
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Tab)  # the scanner now ends with Tab
    qtbot.waitUntil(lambda: (window.current_job() or window.model.job(0)).id == job.id,
                    timeout=5_000)
    assert window.scan_field.hasFocus() and window.scan_field.text() == ""


def test_key_is_replaced_or_removed_in_settings_and_never_shown(
        qtbot: QtBot, window: MainWindow, secret_service_keyring: KeyringBackend) -> None:
    assert window.station is not None
    url = window.station.api_url
    keys.store_key(url, ApiKey(DEMO_KEY))
    dialog = open_settings(qtbot, window)
    qtbot.waitUntil(lambda: "ending" in dialog.key_state.text(), timeout=5_000)
    assert dialog.key_state.text() == f"stored, ending …{DEMO_KEY[-4:]}"
    qtbot.mouseClick(dialog.replace_key_button, Qt.MouseButton.LeftButton)
    prompt = dialog.dialogs.of_type(KeyPrompt)
    assert isinstance(prompt, KeyPrompt)
    qtbot.keyClicks(prompt.key, "sk_not_the_right_key_1234")
    qtbot.mouseClick(prompt.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused" in prompt.check_result.text(), timeout=10_000)
    assert stored(url) == DEMO_KEY  # a refused key replaces nothing
    assert prompt.key.echoMode() is prompt.key.EchoMode.Password
    prompt.key.clear()
    qtbot.keyClicks(prompt.key, DEMO_KEY)
    qtbot.mouseClick(prompt.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=10_000)
    assert window.station.client.key_hint == f"…{DEMO_KEY[-4:]}"
    qtbot.mouseClick(dialog.remove_key_button, Qt.MouseButton.LeftButton)
    box = dialog.dialogs.of_type(QMessageBox)
    assert isinstance(box, QMessageBox) and "Remove the API key" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.key_state.text() == "removed", timeout=5_000)
    assert stored(url) is None
    texts = [w.text() for w in dialog.findChildren(type(dialog.key_state))]
    assert not any(DEMO_KEY in t for t in texts)


def test_a_401_opens_the_key_prompt_and_the_saved_dispatch_goes_through(
        qtbot: QtBot, window: MainWindow, sandbox: SandboxServer,
        secret_service_keyring: KeyringBackend) -> None:
    station = window.station
    assert station is not None
    station.client.replace_key(ApiKey("sk_revoked_this_morning"))  # revoked mid-shift
    job = window.model.job(0)
    scan(qtbot, window, job.order_reference or "")
    qtbot.waitUntil(lambda: window.job_view.job is not None, timeout=5_000)
    scan(qtbot, window, "JDKEY401GB")
    qtbot.waitUntil(lambda: window.dialogs.of_type(KeyPrompt) is not None, timeout=10_000)
    prompt = window.dialogs.of_type(KeyPrompt)
    assert isinstance(prompt, KeyPrompt) and "refused the API key" in prompt.intro.text()
    entry = station.outbox.for_job(job.id)
    assert entry is not None and entry.tracking_reference == "JDKEY401GB"  # kept meanwhile
    qtbot.keyClicks(prompt.key, DEMO_KEY)
    qtbot.mouseClick(prompt.save_button, Qt.MouseButton.LeftButton)
    # Sent at once with the new key, not after the minute a refused key waits.
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["status"] == "dispatched",  # type: ignore[index]
                    timeout=10_000)
    assert sandbox.state.job(job.id)["tracking_reference"] == "JDKEY401GB"  # type: ignore[index]
    assert stored(station.api_url) == DEMO_KEY
    assert window.dialogs.of_type(KeyPrompt) is None


def test_scanner_test_says_whether_the_layouts_match(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, cups_queue: CupsQueue) -> None:
    dialog = ScannerTestDialog(StationSetup(), cups_queue.name)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    assert not dialog.barcode.pixmap().isNull()
    qtbot.keyClicks(dialog.field, TEST_CODE)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.last is not None and dialog.last.ok and dialog.verdict.good
    qtbot.keyClicks(dialog.field, 'PS-Ay"@£#~¬Zb9')  # a US scanner on a UK PC
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert not dialog.verdict.good and "UK English" in dialog.verdict.text()
    before = set(cups_queue.outputs_titled("packstation scanner test"))
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "scanner test" in dialog.verdict.text().lower()
                    and dialog.verdict.good, timeout=30_000)
    assert set(cups_queue.outputs_titled("packstation scanner test")) - before
    # Beside it, the command sheet: every command barcode decodes to its command.
    before = set(cups_queue.outputs_titled("packstation command barcodes"))
    qtbot.mouseClick(dialog.commands_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "command barcodes" in dialog.verdict.text().lower()
                    and dialog.verdict.good, timeout=30_000)
    [sheet] = set(cups_queue.outputs_titled("packstation command barcodes")) - before
    qtbot.waitUntil(lambda: sheet.stat().st_size > 0 and sheet.read_bytes().rstrip()
                    .endswith(b"%%EOF"), timeout=10_000)
    decoded = barcodes_in_pdf(sheet.read_bytes())[0]
    assert sorted(text for text, _ in decoded) == sorted(barcode(c) for c in Command)
    assert {kind for _, kind in decoded} == {"Code128"}


@pytest.fixture
def serial_pair() -> Iterator[tuple[int, str]]:
    """A pseudo-terminal: the test writes to one end as a serial scanner would."""
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_serial_scanner_lines_become_scans(qtbot: QtBot, window: MainWindow,
                                           serial_pair: tuple[int, str]) -> None:
    master, path = serial_pair
    assert window.station is not None
    window.apply_settings(replace(window.station.settings, serial_port=path))
    assert window.serial is not None and window.serial.port.isOpen()
    job = window.model.job(4)
    os.write(master, (job.order_reference or "").encode() + b"\r\n")
    qtbot.waitUntil(lambda: (window.current_job() or window.model.job(0)).id == job.id,
                    timeout=5_000)
    assert window.banner.good


def test_a_serial_port_that_cannot_open_is_reported(qtbot: QtBot) -> None:
    scanner = SerialScanner("/dev/ttyPACKSTATION-GONE")
    with qtbot.waitSignal(scanner.problem, timeout=2_000) as problem:
        assert scanner.open() is False
    assert "ttyPACKSTATION-GONE" in problem.args[0] and "Settings" in problem.args[0]


def test_a_site_database_is_set_in_settings_and_one_with_a_password_refused(
        qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_settings(qtbot, window)
    assert unnamed_controls(dialog) == []
    qtbot.keyClicks(dialog.site_url, "postgresql://packer:hunter2@db.example/site")
    dialog.save()  # a password in the URL: refused before anything is saved
    assert "keyring" in dialog.result_label.text() and dialog.isVisible()
    assert "hunter2" not in dialog.result_label.text()
    assert Settings.load().site_url == ""
    dialog.site_url.clear()
    qtbot.keyClicks(dialog.site_url, "postgresql://packer@db.example/site")
    qtbot.keyClicks(dialog.station_name, "bench-3")
    dialog.save()
    qtbot.waitUntil(lambda: Settings.load().site_url == "postgresql://packer@db.example/site",
                    timeout=5_000)
    assert Settings.load().station() == "bench-3"
