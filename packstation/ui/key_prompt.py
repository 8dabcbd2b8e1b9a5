"""Asking for the API key: checked with one live request, only then kept in the keyring.

Opened by the window when Smart Gift answers 401/403 (instead of a raw error),
and from Settings to replace the key. The key is typed or pasted into a
password field and never shown back.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from packstation.api import ApiError, ApiKey
from packstation.station_setup import StationSetup
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks


def key_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)  # pasted, never shown back
    field.setAccessibleName("API key")
    field.setPlaceholderText("Paste the API key from the Smart Gift dashboard")
    return field


class KeyPrompt(QDialog):
    key_saved = Signal(ApiKey)

    def __init__(self, setup: StationSetup, api_url: str, reason: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setup = setup
        self.api_url = api_url
        self.tasks = WidgetTasks()
        self.setWindowTitle("Smart Gift API key")
        self.intro = plain(QLabel(reason))
        self.intro.setWordWrap(True)
        self.key = key_field()
        self.check_result = plain(QLabel())
        self.check_result.setWordWrap(True)
        self.check_result.setAccessibleName("Key check result")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "Check and save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.check_and_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.key)
        layout.addWidget(self.check_result)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def check_and_save(self) -> None:
        self.save_button.setEnabled(False)
        self.check_result.setText("Checking the key with Smart Gift…")
        self.tasks.run(self._check_and_save(self.key.text()))

    async def _check_and_save(self, text: str) -> None:
        try:
            check = await self.setup.check_key(self.api_url, text)
            if not check.ok or check.key is None:
                self.check_result.setText(check.message)
                return
            try:
                await self.setup.store_key(self.api_url, check.key)
            except ApiError as exc:  # a keyring that refuses: say so, keep the dialog
                self.check_result.setText(f"The key works, but could not be kept: {exc}")
                return
        finally:
            self.save_button.setEnabled(True)
        self.key.clear()
        self.key_saved.emit(check.key)
        self.accept()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)
