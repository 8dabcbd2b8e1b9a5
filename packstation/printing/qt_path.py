"""The Qt path (Windows, and anywhere CUPS is missing): pages rendered and painted.

Each page is rendered with QPdfDocument at the printer's real resolution and
painted onto a QPrinter, scaled to fit the printable area without cropping and
centred. QPainter on a QPrinter is allowed off the GUI thread, so this runs in
a worker thread like the CUPS path. No widgets are involved.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from packstation.printing.errors import PrintError
from packstation.printing.model import (
    PAPER_SIZES,
    PrinterMissing,
    PrintReceipt,
    PrintRequest,
    PrintState,
)

DEFAULT_DPI = 300  # Qt's HighResolution is 1200 dpi on CUPS: ~15x slower for no gain


def page_size(paper: str) -> QPageSize:
    standard = {"A4": QPageSize.PageSizeId.A4, "A5": QPageSize.PageSizeId.A5,
                "A6": QPageSize.PageSizeId.A6, "Letter": QPageSize.PageSizeId.Letter}
    if paper in standard:
        return QPageSize(standard[paper])
    width, height = PAPER_SIZES[paper]
    return QPageSize(QSizeF(width, height), QPageSize.Unit.Millimeter, paper)


def fit_rect(page: QSizeF, area: QRectF) -> QRectF:
    """The largest rectangle of ``page``'s proportions inside ``area``, centred."""
    scale = min(area.width() / page.width(), area.height() / page.height())
    width, height = page.width() * scale, page.height() * scale
    return QRectF(area.x() + (area.width() - width) / 2,
                  area.y() + (area.height() - height) / 2, width, height)


class QtPath:
    name = "qt"

    def __init__(self, dpi: int | None = None) -> None:
        self.dpi = dpi

    def _printer(self, request: PrintRequest) -> QPrinter:
        info = QPrinterInfo.printerInfo(request.printer)
        if info.isNull():
            raise PrinterMissing(f"The printer “{request.printer}” is not there any more: check "
                                 "it is on and connected, or choose another in Settings.")
        printer = QPrinter(info, QPrinter.PrinterMode.ScreenResolution)
        resolutions = info.supportedResolutions()
        dpi = self.dpi or (DEFAULT_DPI if not resolutions or DEFAULT_DPI in resolutions
                           else min(resolutions, key=lambda r: abs(r - DEFAULT_DPI)))
        printer.setResolution(dpi)
        printer.setDocName(request.title)
        printer.setCopyCount(request.copies)
        printer.setDuplex(QPrinter.DuplexMode.DuplexLongSide if request.duplex
                          else QPrinter.DuplexMode.DuplexNone)
        printer.setPageLayout(QPageLayout(page_size(request.paper),
                                          QPageLayout.Orientation.Portrait, QMarginsF()))
        return printer

    def look_ahead(self, printer: str) -> None:
        pass  # Qt asks nothing of a printer before printing

    def check_after(self, receipt: PrintReceipt) -> None:
        pass

    def submit(self, request: PrintRequest) -> PrintReceipt:
        buffer = QBuffer()
        buffer.setData(QByteArray(request.pdf.data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument()
        document.load(buffer)
        if document.status() != QPdfDocument.Status.Ready:
            raise PrintError("The PDF could not be opened for printing.")
        printer = self._printer(request)
        painter = QPainter()
        for index in range(document.pageCount()):
            points = document.pagePointSize(index)
            landscape = points.width() > points.height()
            orientation = (QPageLayout.Orientation.Landscape if landscape
                           else QPageLayout.Orientation.Portrait)
            printer.setPageOrientation(orientation)  # before begin()/newPage() to take effect
            if index == 0:
                if not painter.begin(printer):
                    raise PrintError(f"The printer “{request.printer}” could not be opened.")
            elif not printer.newPage():
                painter.end()
                raise PrintError(f"The printer “{request.printer}” stopped taking pages.")
            area = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
            area.moveTo(0, 0)
            target = fit_rect(points, area)
            image = document.render(index, QSize(round(target.width()), round(target.height())))
            painter.drawImage(target, image)
        if not painter.end():
            raise PrintError(f"The printer “{request.printer}” did not take the job.")
        return PrintReceipt(request.printer, self.name, None, document.pageCount(),
                            PrintState.SENT, "sent by Qt (the spooler's job is not visible)")

    def follow(self, receipt: PrintReceipt) -> PrintReceipt:
        return receipt

    def cancel(self, receipt: PrintReceipt) -> None:
        return None
