"""The scan field (the scanner types into it and ends with Enter) and the feedback banner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from packstation.ui.text_scale import enlarged

_GOOD = "background: #1e7a34; color: white;"
_BAD = "background: #b3261e; color: white;"
_NEUTRAL = "background: palette(mid); color: palette(window-text);"
# Keys that move through the queue even while the scan field has the keyboard.
_NAVIGATION = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


class ScanField(QLineEdit):
    """Emits ``scanned`` with the text when the scanner (or a person) ends it with Enter,
    and ``started`` at a scan's first character (a scanner's Enter follows tens of
    milliseconds later: time to get ready for it)."""

    scanned = Signal(str)
    started = Signal()

    def __init__(self, tab_ends_scan: bool = False, navigation: QWidget | None = None) -> None:
        super().__init__()
        self.tab_ends_scan = tab_ends_scan
        self.navigation = navigation  # gets the arrow keys: the queue
        self.setPlaceholderText("Scan an order, a voucher, or a tracking reference…")
        self.setAccessibleName("Scan")
        self.setAccessibleDescription("Scans typed by the barcode scanner, ended by Enter")
        enlarged(self, 1.5)
        self.returnPressed.connect(self._finish)
        self.textEdited.connect(self._edited)
        self._empty = True

    def _edited(self, text: str) -> None:
        if self._empty and text:
            self.started.emit()
        self._empty = not text

    def _finish(self) -> None:
        text = self.text()
        self.clear()
        self._empty = True
        self.scanned.emit(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.tab_ends_scan and event.key() == Qt.Key.Key_Tab:
            self._finish()
            return
        if self.navigation is not None and event.key() in _NAVIGATION:
            QApplication.sendEvent(self.navigation, QKeyEvent(
                event.type(), event.key(), event.modifiers()))
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # With Tab as the scanner's end key, Tab must reach keyPressEvent, not move focus.
        return False if self.tab_ends_scan else super().focusNextPrevChild(next)


class FeedbackBanner(QLabel):
    """A large green or red line saying what the last scan did, in words."""

    def __init__(self) -> None:
        super().__init__("Ready: scan START on the command sheet, or an order")
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote what was scanned
        self.setAccessibleName("Scan result")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        enlarged(self, 1.6, bold=True)
        self.setMinimumHeight(self.fontMetrics().height() * 2)
        self.setStyleSheet(_NEUTRAL)
        self.good = True

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the text scale changed
            self.setMinimumHeight(self.fontMetrics().height() * 2)

    def show_outcome(self, ok: bool, message: str) -> None:
        self.good = ok
        self.setText(message)
        self.setStyleSheet(_GOOD if ok else _BAD)
