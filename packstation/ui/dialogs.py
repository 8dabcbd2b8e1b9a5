"""Opening dialogs the qasync way (``open()`` and a signal, never ``exec()``), and the
About box.

``exec()`` inside an async slot runs a nested event loop that re-enters
qasync. The parent keeps a reference to each open dialog until it finishes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from packstation import __version__
from packstation.logs import log_file


class OpenDialogs:
    def __init__(self) -> None:
        self.open: list[QDialog] = []

    def show(self, dialog: QDialog) -> QDialog:
        self.open.append(dialog)
        dialog.finished.connect(lambda _: self.open.remove(dialog))
        dialog.open()
        return dialog

    def ask(self, parent: QWidget, question: str, yes: Callable[[], object],
            title: str = "packstation") -> QDialog:
        box = QMessageBox(QMessageBox.Icon.Question, title, question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          parent)
        box.setTextFormat(Qt.TextFormat.PlainText)  # questions quote scans and server text
        box.accepted.connect(yes)
        return self.show(box)

    def of_type(self, kind: type[QDialog]) -> QDialog | None:
        return next((d for d in self.open if isinstance(d, kind)), None)


def about_box(parent: QWidget, api_url: str | None) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Information, "About packstation",
        f"packstation {__version__}\n\nThe packing station for Smart Gift fulfilment "
        f"providers.\n\nSmart Gift: {api_url or 'not connected'}\n"
        f"Log file (for support): {log_file()}\n"
        f"Qt for Python (PySide6) {pyside_version}\nMIT licence",
        QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box

