"""Packers' badges: a card each (name and barcode), ten to an A4 sheet, to cut out.

The barcode is the badge's scan (``scanning.commands.badge_barcode``): the command
barcodes' reserved prefix, so it is never taken for an order, voucher or label.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from packstation.packers import Packer
from packstation.printing.label import _fit, label_fonts
from packstation.printing.sheets import _page
from packstation.scanning.commands import badge_barcode

CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 54 * mm  # a payment card's size: fits a badge holder


def badges_pdf(packers: Sequence[Packer], paper: str = "A4", station: str = "") -> bytes:
    """Every packer's badge, in name order; an empty list makes a page saying so."""
    regular, bold, prepare = label_fonts()
    width, height = _page(paper)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle("packstation badges")
    columns = max(1, int((width - 10 * mm) // (CARD_WIDTH + 5 * mm)))
    rows = max(1, int((height - 10 * mm) // (CARD_HEIGHT + 4 * mm)))
    left = (width - columns * CARD_WIDTH - (columns - 1) * 5 * mm) / 2
    top = height - (height - rows * CARD_HEIGHT - (rows - 1) * 4 * mm) / 2
    if not packers:
        canvas.setFont(bold, 14)
        canvas.drawString(15 * mm, height - 25 * mm, "No packers on the list yet.")
    for index, packer in enumerate(packers):
        place = index % (columns * rows)
        if index and place == 0:
            canvas.showPage()
        x = left + (place % columns) * (CARD_WIDTH + 5 * mm)
        y = top - (place // columns + 1) * CARD_HEIGHT - (place // columns) * 4 * mm
        canvas.setDash(2, 2)  # cut here
        canvas.rect(x, y, CARD_WIDTH, CARD_HEIGHT)
        canvas.setDash()
        name = prepare(packer.name)
        size = _fit(name, bold, 16, CARD_WIDTH - 8 * mm)
        canvas.setFont(bold, size)
        canvas.drawString(x + 4 * mm, y + CARD_HEIGHT - 10 * mm, name)
        canvas.setFont(regular, 7)
        canvas.drawString(x + 4 * mm, y + CARD_HEIGHT - 15 * mm,
                          prepare(f"packstation badge{' · ' + station if station else ''}"))
        text = badge_barcode(packer.badge)
        room = CARD_WIDTH - 8 * mm
        code = Code128(text, barHeight=16 * mm, barWidth=0.4 * mm, humanReadable=False)
        if code.width > room:
            code = Code128(text, barHeight=16 * mm, barWidth=0.4 * mm * room / code.width,
                           humanReadable=False)
        code.drawOn(canvas, x + 4 * mm, y + 10 * mm)
        canvas.setFont("Courier", 8)
        canvas.drawString(x + 4 * mm, y + 5 * mm, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
