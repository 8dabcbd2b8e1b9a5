"""Reading barcodes back from a PDF, as a scanner would: rendered, then decoded."""

from __future__ import annotations

import zxingcpp
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument


def barcodes_in_pdf(pdf: bytes, dpi: int = 200) -> list[list[tuple[str, str]]]:
    """Per page, the (text, format) of every barcode zxing-cpp finds. Needs a QGuiApplication."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    assert document.status() == QPdfDocument.Status.Ready, "not a PDF QtPdf can open"
    pages = []
    for index in range(document.pageCount()):
        points = document.pagePointSize(index)
        scale = dpi / 72
        image = document.render(index, QSize(int(points.width() * scale),
                                             int(points.height() * scale)))
        # Pages render onto transparency: flatten onto white paper first.
        paper = QImage(image.size(), QImage.Format.Format_RGB32)
        paper.fill(QColor("white"))
        painter = QPainter(paper)
        painter.drawImage(0, 0, image)
        painter.end()
        gray = paper.convertToFormat(QImage.Format.Format_Grayscale8)
        view = memoryview(gray.constBits()).cast("B", (gray.height(), gray.bytesPerLine()))
        pages.append([(b.text, b.format.name) for b in zxingcpp.read_barcodes(view)])
    return pages
