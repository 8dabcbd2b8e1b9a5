"""Settings > Test the scanner: scan the test barcode, learn whether the layouts match.

The barcode is shown on screen (imaging scanners read screens) and can be
printed (laser scanners need paper). What arrives is judged by
``scanning.layout.diagnose``, which says what to change.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from packstation.printing.sheets import barcode_pdf
from packstation.scanning.layout import TEST_CODE, LayoutCheck, diagnose
from packstation.station_setup import StationSetup
from packstation.ui.plain import plain
from packstation.ui.scan_bar import FeedbackBanner, ScanField
from packstation.ui.tasks import WidgetTasks


def barcode_pixmap(dpi: int = 150) -> QPixmap:
    return QPixmap.fromImage(pdf_page_image(barcode_pdf(), dpi))


def pdf_page_image(data: bytes, dpi: int) -> QImage:
    """The first page of one of our own sheets, on white paper (dark themes too: a
    barcode needs a white background)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    points = document.pagePointSize(0)
    image = document.render(0, QSize(int(points.width() * dpi / 72),
                                     int(points.height() * dpi / 72)))
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    return paper


class ScannerTestDialog(QDialog):
    def __init__(self, setup: StationSetup, printer: str, tab_ends_scan: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setup = setup
        self.printer = printer
        self.tasks = WidgetTasks()
        self.last: LayoutCheck | None = None
        self.setWindowTitle("Test the scanner")
        intro = plain(QLabel("Scan this barcode (from the screen or from paper). The result "
                             "says whether the scanner and this PC use the same keyboard "
                             "layout."))
        intro.setWordWrap(True)
        self.barcode = plain(QLabel())
        self.barcode.setPixmap(barcode_pixmap())
        self.barcode.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.barcode.setAccessibleName(f"Test barcode {TEST_CODE}")
        self.print_button = QPushButton("Print the test barcode")
        self.print_button.clicked.connect(self.print_sheet)
        # Beside the test: the barcodes a packer scans instead of the keyboard.
        self.commands_button = QPushButton("Print the command sheet")
        self.commands_button.clicked.connect(self.print_commands)
        self.field = ScanField(tab_ends_scan)
        self.field.setAccessibleName("Test scan")
        self.field.setPlaceholderText("Scan the test barcode here…")
        self.field.scanned.connect(self.judge)
        self.verdict = FeedbackBanner()
        self.verdict.setText("Waiting for a scan")
        self.verdict.setAccessibleName("Scanner test result")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.barcode, self.print_button, self.commands_button, self.field,
                       self.verdict, buttons):
            layout.addWidget(widget)
        self.field.setFocus()

    def judge(self, text: str) -> None:
        self.last = diagnose(text)
        self.verdict.show_outcome(self.last.ok, self.last.message)

    def print_sheet(self) -> None:
        self.print_button.setEnabled(False)
        self.tasks.run(self._print())

    def print_commands(self) -> None:
        self.commands_button.setEnabled(False)
        self.tasks.run(self._print(commands=True))

    async def _print(self, commands: bool = False) -> None:
        button = self.commands_button if commands else self.print_button
        try:
            ok, message = await (self.setup.print_command_sheet(self.printer) if commands
                                 else self.setup.print_scanner_sheet(self.printer))
        finally:
            button.setEnabled(True)
        self.verdict.show_outcome(ok, message)
        self.field.setFocus()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)
