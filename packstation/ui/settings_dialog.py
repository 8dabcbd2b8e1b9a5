"""Settings: the Smart Gift address and key, printers, the scanner, text size and sounds.

Edits a copy of the settings and hands it back through ``saved``; the window
saves it (off the UI thread) and applies it at once. The key is only ever
replaced or removed here, never shown: the most it says is its last four
characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtSerialPort import QSerialPortInfo
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from packstation.api import ApiKey
from packstation.config.delivery import DeliveryMethod
from packstation.config.settings import Settings
from packstation.leave_by import REGIONS
from packstation.logs import log_file
from packstation.printing.model import LABEL_SIZES
from packstation.station_setup import StationSetup
from packstation.ui.courier_page import CourierPage
from packstation.ui.delivery_methods_page import DeliveryMethodsPage
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.key_prompt import KeyPrompt
from packstation.ui.plain import plain
from packstation.ui.scanner_test import ScannerTestDialog
from packstation.ui.tasks import WidgetTasks

PAPERS = ("A4", "Letter", "A5")
BAUDS = (9600, 19200, 38400, 57600, 115200)


def combo(name: str, items: Sequence[tuple[str, object]], current: object) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for text, data in items:
        box.addItem(text, data)
    index = box.findData(current)
    if index < 0 and isinstance(current, str) and current:  # a printer that has gone
        box.addItem(f"{current} (not found)", current)
        index = box.count() - 1
    box.setCurrentIndex(max(index, 0))
    return box


class SettingsDialog(QDialog):
    saved = Signal(Settings)
    key_replaced = Signal(ApiKey)
    packers_requested = Signal()  # the list of packers is the station's data: its dialog

    def __init__(self, settings: Settings, setup: StationSetup, api_url: str,
                 printers: list[str], demo: bool = False,
                 parent: QWidget | None = None,
                 methods: list[DeliveryMethod] | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setup = setup
        self.api_url = api_url
        self.demo = demo
        self.tasks = WidgetTasks()
        self.dialogs = OpenDialogs()
        self.setWindowTitle("Settings")
        tabs = QTabWidget()
        tabs.setAccessibleName("Settings sections")
        tabs.addTab(self._connection_page(), "Connection")
        tabs.addTab(self._printing_page(printers), "Printing")
        tabs.addTab(self._scanner_page(), "Scanner")
        self.delivery = DeliveryMethodsPage(methods or [], self.settings.collection_cutoffs)
        tabs.addTab(self.delivery, "Delivery")
        self.courier = CourierPage(self.settings.courier, setup, self.tasks, demo)
        tabs.addTab(self.courier, "Courier")
        tabs.addTab(self._display_page(), "Display and sound")
        self.result_label = plain(QLabel())
        self.result_label.setWordWrap(True)
        self.result_label.setAccessibleName("Settings message")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        if not demo:
            self.tasks.run(self._show_key_hint())

    # -- pages ---------------------------------------------------------------------------

    def _connection_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        address = plain(QLabel(self.api_url))
        address.setAccessibleName("Smart Gift address")
        form.addRow("Smart Gift address:", address)
        self.key_state = plain(QLabel("Demo: the built-in sandbox needs no key." if self.demo
                                else "checking…"))
        self.key_state.setAccessibleName("API key state")
        form.addRow("API key:", self.key_state)
        self.replace_key_button = QPushButton("Replace key…")
        self.replace_key_button.clicked.connect(self.replace_key)
        self.remove_key_button = QPushButton("Remove key")
        self.remove_key_button.clicked.connect(self.remove_key)
        row = QHBoxLayout()
        row.addWidget(self.replace_key_button)
        row.addWidget(self.remove_key_button)
        row.addStretch(1)
        form.addRow("", row)
        for button in (self.replace_key_button, self.remove_key_button):
            button.setEnabled(not self.demo)
        self.log_level = combo("Log detail", [
            ("Errors only", "error"), ("Warnings", "warning"),
            ("Normal: each request", "info"), ("Everything (for support)", "debug")],
            self.settings.log_level)
        log_path = plain(QLabel(str(log_file())))
        log_path.setAccessibleName("Log file")
        log_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Log detail:", self.log_level)
        form.addRow("Log file:", log_path)
        self.site_url = QLineEdit(self.settings.site_url)
        self.site_url.setAccessibleName("Site database")
        self.site_url.setPlaceholderText("postgresql://user@host/database (empty: alone)")
        self.station_name = QLineEdit(self.settings.station_name)
        self.station_name.setAccessibleName("Station name")
        self.station_name.setPlaceholderText(self.settings.station())
        self.station_name.setMaxLength(100)
        site_note = plain(QLabel("A site of benches shares one database: it takes effect "
                                 "when packstation starts again. Its password goes in the "
                                 "keyring: packstation site password."))
        site_note.setWordWrap(True)
        form.addRow("Site database:", self.site_url)
        form.addRow("Station name:", self.station_name)
        form.addRow("", site_note)
        return page

    def _printing_page(self, printers: list[str]) -> QWidget:
        s = self.settings
        page = QWidget()
        form = QFormLayout(page)
        self.voucher_printer = combo("Voucher printer", [("System default", "")]
                                     + [(p, p) for p in printers], s.voucher_printer)
        self.label_printer = combo("Label printer", [("No label printer", "")]
                                   + [(p, p) for p in printers], s.label_printer)
        self.paper = combo("Voucher paper", [(p, p) for p in PAPERS], s.voucher_paper)
        self.label_size = combo("Label size", [(k, k) for k in LABEL_SIZES], s.label_size)
        self.duplex = QCheckBox("Print vouchers on both sides")
        self.duplex.setChecked(s.duplex)
        self.print_on_select = QCheckBox("Print a job's vouchers as soon as it is scanned")
        self.print_on_select.setChecked(s.print_on_select)
        self.test_page_button = QPushButton("Print a test page")
        self.test_page_button.clicked.connect(self.print_test_page)
        form.addRow("Vouchers on:", self.voucher_printer)
        form.addRow("Voucher paper:", self.paper)
        form.addRow("Labels on:", self.label_printer)
        form.addRow("Label size:", self.label_size)
        form.addRow("", self.duplex)
        form.addRow("", self.print_on_select)
        form.addRow("", self.test_page_button)
        return page

    def _scanner_page(self) -> QWidget:
        s = self.settings
        page = QWidget()
        form = QFormLayout(page)
        self.end_key = combo("Scanner end key", [("Enter", "enter"), ("Tab", "tab")],
                             s.scan_end_key)
        ports = [(f"{p.portName()}: {p.description() or 'serial port'}", p.portName())
                 for p in QSerialPortInfo.availablePorts()]
        self.serial_port = combo("Serial scanner port",
                                 [("None: the scanner types (USB)", ""), *ports],
                                 s.serial_port)
        self.serial_baud = combo("Serial speed", [(str(b), b) for b in BAUDS], s.serial_baud)
        self.continuous = QCheckBox("After a dispatch, put the next job in hand and print it")
        self.continuous.setChecked(s.continuous_packing)
        self.sign_in_required = QCheckBox("Packers must sign in (scan their badge or pick "
                                          "their name) before packing")
        self.sign_in_required.setChecked(s.sign_in_required)
        self.packers_button = QPushButton("Packers and badges…")
        self.packers_button.clicked.connect(self.packers_requested)
        self.holiday_region = combo("Bank holidays of", [(words, key) for key, (_, words)
                                                         in REGIONS.items()], s.holiday_region)
        self.scanner_test_button = QPushButton("Test the scanner…")
        self.scanner_test_button.clicked.connect(self.test_scanner)
        form.addRow("The scanner ends each scan with:", self.end_key)
        form.addRow("Serial (COM) scanner:", self.serial_port)
        form.addRow("Serial speed (baud):", self.serial_baud)
        form.addRow("Continuous packing:", self.continuous)
        form.addRow("Sign-in:", self.sign_in_required)
        form.addRow("", self.packers_button)
        form.addRow("Bank holidays of:", self.holiday_region)
        form.addRow("", self.scanner_test_button)
        return page

    def _display_page(self) -> QWidget:
        s = self.settings
        page = QWidget()
        form = QFormLayout(page)
        self.text_scale = QSpinBox()
        self.text_scale.setAccessibleName("Text size")
        self.text_scale.setRange(75, 250)
        self.text_scale.setSingleStep(10)
        self.text_scale.setSuffix(" %")
        self.text_scale.setValue(round(s.text_scale * 100))
        self.sounds = QCheckBox("Play a sound for each scan")
        self.sounds.setChecked(s.sounds)
        self.sync_interval = QSpinBox()
        self.sync_interval.setAccessibleName("Check for new jobs every")
        self.sync_interval.setRange(10, 3600)
        self.sync_interval.setSuffix(" s")
        self.sync_interval.setValue(round(s.sync_interval))
        form.addRow("Text size:", self.text_scale)
        form.addRow("", self.sounds)
        form.addRow("Check for new jobs every:", self.sync_interval)
        return page

    # -- what the dialog holds -----------------------------------------------------------

    def edited(self) -> Settings:
        return replace(
            self.settings,
            voucher_printer=self.voucher_printer.currentData(),
            label_printer=self.label_printer.currentData(),
            voucher_paper=self.paper.currentData(),
            label_size=self.label_size.currentData(),
            duplex=self.duplex.isChecked(),
            print_on_select=self.print_on_select.isChecked(),
            scan_end_key=self.end_key.currentData(),
            serial_port=self.serial_port.currentData(),
            serial_baud=int(self.serial_baud.currentData()),
            text_scale=self.text_scale.value() / 100,
            sounds=self.sounds.isChecked(),
            log_level=self.log_level.currentData(),
            sync_interval=float(self.sync_interval.value()),
            continuous_packing=self.continuous.isChecked(),
            sign_in_required=self.sign_in_required.isChecked(),
            holiday_region=self.holiday_region.currentData(),
            site_url=self.site_url.text().strip(),
            station_name=self.station_name.text().strip(),
            delivery_methods={**self.settings.delivery_methods, **self.delivery.records()},
            collection_cutoffs=self.delivery.cutoffs(),
            courier=self.courier.edited(),
        )

    def save(self) -> None:
        problem = self.courier.problem()
        if problem:  # refused before it is saved
            self.result_label.setText(problem)
            return
        edited = self.edited()
        if edited.site_url:  # refused before it is saved, never half-used at the next start
            from packstation.store.database import DatabaseError
            from packstation.store.site_database import check_site_url

            try:
                check_site_url(edited.site_url)
            except DatabaseError as exc:
                self.result_label.setText(str(exc))
                self.site_url.setFocus()
                return
        self.saved.emit(edited)
        self.accept()

    # -- the key, printers and scanner ----------------------------------------------------

    async def _show_key_hint(self) -> None:
        self.key_state.setText(await self.setup.key_hint(self.api_url))

    def replace_key(self) -> None:
        prompt = KeyPrompt(self.setup, self.api_url,
                           "Paste the new API key. It is checked with Smart Gift first, and "
                           "replaces the stored key only if it works.", self)
        prompt.key_saved.connect(self._key_replaced)
        self.dialogs.show(prompt)

    def _key_replaced(self, key: ApiKey) -> None:
        self.key_state.setText(f"stored, ending {key.hint()}")
        self.key_replaced.emit(key)

    def remove_key(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Remove the API key",
                          "Remove the API key from this PC? packstation cannot reach Smart "
                          "Gift until a key is entered again.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.accepted.connect(lambda: self.tasks.run(self._remove_key()))
        self.dialogs.show(box)

    async def _remove_key(self) -> None:
        removed = await self.setup.remove_key(self.api_url)
        self.key_state.setText("removed" if removed else "none stored")

    def print_test_page(self) -> None:
        self.test_page_button.setEnabled(False)
        self.tasks.run(self._print_test_page(self.edited()))

    async def _print_test_page(self, settings: Settings) -> None:
        try:
            _, message = await self.setup.print_test_page(settings.voucher_printer,
                                                          settings.voucher_paper)
        finally:
            self.test_page_button.setEnabled(True)
        self.result_label.setText(message)

    def test_scanner(self) -> None:
        edited = self.edited()
        self.dialogs.show(ScannerTestDialog(self.setup, edited.voucher_printer,
                                     edited.scan_end_key == "tab", self))

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)
