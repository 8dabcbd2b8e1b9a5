"""The scan field (the scanner types into it and ends with Enter) and the feedback banner."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit

_GOOD = "background: #1e7a34; color: white;"
_BAD = "background: #b3261e; color: white;"
_NEUTRAL = "background: palette(mid); color: palette(window-text);"


class ScanField(QLineEdit):
    """Emits ``scanned`` with the text when the scanner (or a person) ends it with Enter."""

    scanned = Signal(str)

    def __init__(self, tab_ends_scan: bool = False) -> None:
        super().__init__()
        self.tab_ends_scan = tab_ends_scan
        self.setPlaceholderText("Scan an order, a voucher, or a tracking reference…")
        self.setAccessibleName("Scan")
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.setFont(font)
        self.returnPressed.connect(self._finish)

    def _finish(self) -> None:
        text = self.text()
        self.clear()
        self.scanned.emit(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.tab_ends_scan and event.key() == Qt.Key.Key_Tab:
            self._finish()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # With Tab as the scanner's end key, Tab must reach keyPressEvent, not move focus.
        return False if self.tab_ends_scan else super().focusNextPrevChild(next)


class FeedbackBanner(QLabel):
    """A large green or red line saying what the last scan did, in words."""

    def __init__(self) -> None:
        super().__init__("Ready to scan")
        self.setAccessibleName("Scan result")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.setFont(font)
        self.setMinimumHeight(self.fontMetrics().height() * 2)
        self.setStyleSheet(_NEUTRAL)
        self.good = True

    def show_outcome(self, ok: bool, message: str) -> None:
        self.good = ok
        self.setText(message)
        self.setStyleSheet(_GOOD if ok else _BAD)
