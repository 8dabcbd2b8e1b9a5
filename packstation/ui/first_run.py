"""The first-run wizard: where Smart Gift is, the API key, the printers, a test page.

The key is checked with one live request and only then stored in the keyring;
the wizard cannot go on with a key Smart Gift refused. Settings are written
when it finishes.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from packstation.api import DEVELOPMENT_URL, PRODUCTION_URL, ConfigError
from packstation.config.keys import resolve_api_url
from packstation.config.settings import Settings
from packstation.station_setup import StationSetup
from packstation.ui.key_prompt import key_field
from packstation.ui.plain import plain
from packstation.ui.settings_dialog import combo
from packstation.ui.tasks import WidgetTasks


class EnvironmentPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Which Smart Gift?")
        self.setSubTitle("Production is the live service. Use Development only for testing "
                         "with a development key.")
        self.production = QRadioButton(f"Production ({PRODUCTION_URL})")
        self.development = QRadioButton(f"Development ({DEVELOPMENT_URL})")
        self.custom = QRadioButton("Another address:")
        self.production.setChecked(True)
        self.group = QButtonGroup(self)
        for button in (self.production, self.development, self.custom):
            self.group.addButton(button)
        self.address = QLineEdit()
        self.address.setAccessibleName("Custom Smart Gift address")
        self.address.setPlaceholderText("https://…")
        self.address.textEdited.connect(lambda _: self.custom.setChecked(True))
        self.problem = plain(QLabel())
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Address problem")
        self.group.buttonToggled.connect(lambda *_: self.completeChanged.emit())
        self.address.textChanged.connect(lambda _: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        for widget in (self.production, self.development, self.custom, self.address,
                       self.problem):
            layout.addWidget(widget)

    def api_url(self) -> str:
        if self.production.isChecked():
            return PRODUCTION_URL
        if self.development.isChecked():
            return DEVELOPMENT_URL
        return self.address.text().strip()

    def isComplete(self) -> bool:
        try:
            resolve_api_url(self.api_url() or "-")
        except ConfigError as exc:
            self.problem.setText(str(exc))
            return False
        self.problem.clear()
        return True


class KeyPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("The API key")
        self.setSubTitle("Paste your API key from the Smart Gift dashboard. It is checked with "
                         "Smart Gift, then kept in this PC's keyring (never in a file).")
        self.key = key_field()
        self.key.textEdited.connect(lambda _: self._forget())
        self.check_button = QPushButton("Check the key")
        self.check_button.clicked.connect(self.check)
        self.result = plain(QLabel())
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Key check result")
        self.accepted_for: str | None = None  # the address the stored key was checked at
        layout = QVBoxLayout(self)
        for widget in (self.key, self.check_button, self.result):
            layout.addWidget(widget)

    def _forget(self) -> None:
        self.accepted_for = None
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.accepted_for == self.owner.api_url()

    def check(self) -> None:
        self.check_button.setEnabled(False)
        self.result.setText("Checking the key with Smart Gift…")
        self.owner.tasks.run(self._check(self.owner.api_url(), self.key.text()))

    async def _check(self, url: str, text: str) -> None:
        setup = self.owner.setup
        try:
            check = await setup.check_key(url, text)
            if check.ok and check.key is not None:
                await setup.store_key(resolve_api_url(url), check.key)
                self.accepted_for = url
                self.key.clear()
                self.result.setText(f"{check.message} It is now kept in the keyring.")
            else:
                self.result.setText(check.message)
        except ConfigError as exc:  # no usable keyring
            self.result.setText(str(exc))
        finally:
            self.check_button.setEnabled(True)
            self.completeChanged.emit()


class PrintersPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Printers")
        self.setSubTitle("Vouchers print on A4; addresses can go to a label printer.")
        self.form = QFormLayout(self)
        self.vouchers = combo("Voucher printer", [("System default", "")], "")
        self.labels = combo("Label printer", [("No label printer", "")], "")
        self.test_button = QPushButton("Print a test page")
        self.test_button.clicked.connect(self.print_test_page)
        self.result = plain(QLabel())
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Test page result")
        self.form.addRow("Vouchers on:", self.vouchers)
        self.form.addRow("Labels on:", self.labels)
        self.form.addRow("", self.test_button)
        self.form.addRow("", self.result)

    def initializePage(self) -> None:
        self.owner.tasks.run(self._load_printers())

    async def _load_printers(self) -> None:
        choices = await self.owner.setup.printers()
        for box in (self.vouchers, self.labels):
            while box.count() > 1:
                box.removeItem(1)
            for name in choices.names:
                box.addItem(name, name)
        if choices.default:
            self.vouchers.setItemText(0, f"System default ({choices.default})")

    def print_test_page(self) -> None:
        self.test_button.setEnabled(False)
        self.owner.tasks.run(self._print())

    async def _print(self) -> None:
        try:
            _, message = await self.owner.setup.print_test_page(self.vouchers.currentData())
        finally:
            self.test_button.setEnabled(True)
        self.result.setText(message)


class FirstRunWizard(QWizard):
    """Emits ``configured`` with the new settings once they are saved."""

    configured = Signal(Settings)

    def __init__(self, setup: StationSetup, settings: Settings) -> None:
        super().__init__()
        self.setup = setup
        self.settings = settings
        self.tasks = WidgetTasks()
        self.setWindowTitle("Set up packstation")
        self.environment = EnvironmentPage()
        self.key_page = KeyPage(self)
        self.printers = PrintersPage(self)
        for page in (self.environment, self.key_page, self.printers):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Start packing")
        self.resize(640, 440)

    def api_url(self) -> str:
        return self.environment.api_url()

    def accept(self) -> None:
        chosen = replace(self.settings, api_url=resolve_api_url(self.api_url()),
                         voucher_printer=self.printers.vouchers.currentData(),
                         label_printer=self.printers.labels.currentData())
        self.tasks.run(self._save(chosen))

    async def _save(self, chosen: Settings) -> None:
        await self.setup.save(chosen)
        self.configured.emit(chosen)
        super().accept()

    def done(self, result: int) -> None:
        if result == QWizard.DialogCode.Rejected:
            self.tasks.cancel_all()
        super().done(result)
