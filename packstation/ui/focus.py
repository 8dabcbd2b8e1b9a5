"""The scan field keeps the keyboard while its window is active.

A scanner types wherever the focus is: if a click left it on the table or a
button, the next scan would be lost. So whenever focus lands on something in
this window that does not take typed text, it goes back to the scan field.
Focus in another window (a dialog, a message box) is never touched, and the
search box keeps it while the packer types there.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def takes_text(widget: QWidget) -> bool:
    if isinstance(widget, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit):
        return not getattr(widget, "isReadOnly", lambda: False)()
    return isinstance(widget, QComboBox) and widget.isEditable()


class ScanFocusKeeper(QObject):
    def __init__(self, window: QWidget, scan_field: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.scan_field = scan_field
        app = QGuiApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        app.focusChanged.connect(self._focus_changed)
        window.destroyed.connect(self.stop)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Back from a dialog or another program: the scanner types here again.
        if watched is self.window and event.type() == QEvent.Type.WindowActivate:
            QTimer.singleShot(0, self.scan_field, self._return)
        return False

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self._app.focusChanged.disconnect(self._focus_changed)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if new is None or new is self.scan_field or not self.window.isActiveWindow():
            return
        if new.window() is not self.window or takes_text(new):
            return  # a dialog's own field, or the search box: left alone
        # After Qt has finished moving focus (a click is still being delivered); the
        # scan field as context: if it is gone by then, nothing is called.
        QTimer.singleShot(0, self.scan_field, self._return)

    def _return(self) -> None:
        if not self.window.isActiveWindow():
            return
        focused = self._app.focusWidget()
        if focused is None or (focused.window() is self.window and not takes_text(focused)):
            self.scan_field.setFocus()
