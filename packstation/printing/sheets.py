"""Pages the station prints for itself: a printer test page, the scanner test barcode
and the command sheet.

All are drawn here (reportlab), so setting up a bench needs no account and no
voucher: the test page proves the printer, paper size and margins; the barcode
proves the scanner's keyboard layout (see ``scanning.layout``); the command sheet
holds the command barcodes a packer scans instead of using the keyboard.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from packstation import __version__
from packstation.printing.errors import PrintError
from packstation.printing.model import PAPER_SIZES, PrintPath, PrintReceipt, PrintRequest
from packstation.printing.pdfcheck import check_pdf
from packstation.scanning.commands import MEANINGS, Command, barcode
from packstation.scanning.layout import TEST_CODE


def _page(paper: str) -> tuple[float, float]:
    if paper not in PAPER_SIZES:
        raise PrintError(f"Unknown paper size {paper!r}; known: {', '.join(PAPER_SIZES)}.")
    width, height = PAPER_SIZES[paper]
    return width * mm, height * mm


def _barcode(canvas: Canvas, x: float, y: float, width: float) -> float:
    """The scanner test barcode with its text below; returns its height."""
    barcode = Code128(TEST_CODE, barHeight=15 * mm, barWidth=0.4 * mm, humanReadable=False)
    if barcode.width > width:
        barcode = Code128(TEST_CODE, barHeight=15 * mm, barWidth=0.4 * mm * width / barcode.width,
                          humanReadable=False)
    barcode.drawOn(canvas, x, y)
    canvas.setFont("Courier", 11)
    canvas.drawString(x, y - 5 * mm, TEST_CODE)
    return 15 * mm + 5 * mm


MARGIN = 12 * mm


def _headed(out: io.BytesIO, paper: str, title: str, line: str
            ) -> tuple[Canvas, float, float]:
    """A page with the sheet's title and one line under it: (canvas, width, height)."""
    width, height = _page(paper)
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle(title)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(MARGIN, height - MARGIN - 16, title)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(MARGIN, height - MARGIN - 34, line)
    return canvas, width, height


def _finished(canvas: Canvas, out: io.BytesIO) -> bytes:
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def scanner_test_pdf(paper: str = "A4") -> bytes:
    out = io.BytesIO()
    canvas, width, height = _headed(
        out, paper, "packstation scanner test",
        "Open Settings > Scanner > Test the scanner, then scan this barcode.")
    _barcode(canvas, MARGIN, height - MARGIN - 34 - 30 * mm, width - 2 * MARGIN)
    return _finished(canvas, out)


def command_sheet_pdf(paper: str = "A4") -> bytes:
    """Every command barcode with its name and what it does, for beside the scanner."""
    out = io.BytesIO()
    canvas, width, height = _headed(
        out, paper, "packstation command barcodes",
        "Scan one instead of reaching for the keyboard. Keep beside the scanner.")
    margin = MARGIN
    row = (height - 2 * margin - 50) / len(Command)
    bar_height = min(16 * mm, row * 0.5)
    bar_room = (width - 2 * margin) * 0.55  # barcodes left, words right, one column each
    text_x = margin + bar_room + 6 * mm
    for index, command in enumerate(Command):
        top = height - margin - 50 - index * row
        code = Code128(barcode(command), barHeight=bar_height, barWidth=0.45 * mm,
                       humanReadable=False)
        if code.width > bar_room:
            code = Code128(barcode(command), barHeight=bar_height,
                           barWidth=0.45 * mm * bar_room / code.width, humanReadable=False)
        code.drawOn(canvas, margin, top - bar_height - 4 * mm)
        canvas.setFont("Courier", 8)
        canvas.drawString(margin, top - bar_height - 8 * mm, barcode(command))
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(text_x, top - 8 * mm, command.value.replace("-", " "))
        canvas.setFont("Helvetica", 9)
        lines = simpleSplit(MEANINGS[command], "Helvetica", 9, width - margin - text_x)
        for number, line in enumerate(lines):
            canvas.drawString(text_x, top - 14 * mm - number * 11, line)
    return _finished(canvas, out)


def barcode_pdf() -> bytes:
    """Only the test barcode, on a small page: shown on screen by the scanner test."""
    width, height = 90 * mm, 32 * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    _barcode(canvas, 5 * mm, 10 * mm, width - 10 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def printer_test_pdf(printer: str, paper: str = "A4", station: str = "") -> bytes:
    width, height = _page(paper)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle("packstation test page")
    margin = 10 * mm
    canvas.setLineWidth(1)
    canvas.rect(margin, margin, width - 2 * margin, height - 2 * margin)  # margins visible
    x, y = margin + 6 * mm, height - margin - 14 * mm
    size = 18 if width > 120 * mm else 12
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(x, y, "packstation test page")
    canvas.setFont("Helvetica", size * 0.6)
    for line in (f"Printer: {printer}", f"Paper: {paper}",
                 f"Station: {station or 'this PC'}",
                 f"Printed: {datetime.now().strftime('%d/%m/%Y %H:%M')}",
                 f"packstation {__version__}",
                 "The frame should sit 10 mm inside every edge of the paper."):
        y -= size * 0.9
        canvas.drawString(x, y, line)
    if width > 120 * mm:  # room for the scanner test on A4/A5/Letter
        _barcode(canvas, x, y - 30 * mm, width - 2 * margin - 12 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


async def print_sheet(path: PrintPath, data: bytes, printer: str, title: str,
                      paper: str = "A4") -> PrintReceipt:
    """Send one of these pages; the spooler's receipt once it is queued."""
    pdf = await asyncio.to_thread(check_pdf, data, title)
    return await asyncio.to_thread(path.submit, PrintRequest(pdf, printer, title, paper))
