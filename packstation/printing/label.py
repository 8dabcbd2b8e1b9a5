"""Address labels made locally: the recipient in large type, the order as text and Code 128.

reportlab draws the page and encodes the barcode (a tested encoder, nothing
hand-made); the text shrinks to fit so a long address never runs off a label.
"""

from __future__ import annotations

import io

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from packstation.api.models import Job
from packstation.printing.model import LABEL_SIZES
from packstation.printing.pdfcheck import PrintError

_FONT, _BOLD = "Helvetica", "Helvetica-Bold"


def _latin1(text: str) -> str:
    # The standard PDF fonts cover Latin-1 (Welsh and Irish accents included).
    return text.encode("latin-1", "replace").decode("latin-1")


def _fit(text: str, font: str, size: float, width: float, smallest: float = 7) -> float:
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def label_pdf(job: Job, size: str = "4x6in") -> bytes:
    if size not in LABEL_SIZES:
        raise PrintError(f"Unknown label size {size!r}; known: {', '.join(LABEL_SIZES)}.")
    address = job.delivery_address
    lines = [_latin1(line) for line in (address.label_lines() if address else [])]
    if not lines:
        raise PrintError(f"Job {job.id} has no delivery address to put on a label.")
    width, height = (side * mm for side in LABEL_SIZES[size])
    margin = 4 * mm
    usable = width - 2 * margin
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle(f"Address label for order {job.order_reference or job.id}")
    scale = min(width / (101.6 * mm), height / (152.4 * mm))  # 1.0 on a 4x6 in label
    y = height - margin
    for index, line in enumerate(lines):
        font = _BOLD if index == 0 else _FONT
        size_pt = _fit(line, font, (20 if index == 0 else 16) * scale, usable)
        y -= size_pt * 1.25
        canvas.setFont(font, size_pt)
        canvas.drawString(margin, y, line)
    reference = job.order_reference or str(job.id)
    bar_height = 18 * mm * scale
    barcode = Code128(reference, barHeight=bar_height, barWidth=0.33 * mm, humanReadable=False)
    if barcode.width > usable:  # narrower bars for long references on small labels
        barcode = Code128(reference, barHeight=bar_height,
                          barWidth=0.33 * mm * usable / barcode.width, humanReadable=False)
    bottom = margin + 8 * mm * scale
    barcode.drawOn(canvas, (width - barcode.width) / 2, bottom)
    canvas.setFont(_BOLD, 11 * scale)
    canvas.drawCentredString(width / 2, margin + 2 * mm * scale, f"Order {_latin1(reference)}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
