"""Real voucher PDFs for the sandbox, made with reportlab.

reportlab rather than Qt's QPdfWriter: it needs no QGuiApplication (the
sandbox serves from plain threads and runs headless), and it ships a
tested Code 128 encoder, so nothing is hand-encoded.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

_FONT = "Helvetica"
_BOLD = "Helvetica-Bold"


def _latin1(text: str) -> str:
    # The standard PDF fonts cover Latin-1 (all of Welsh and Irish accents, not
    # emoji or Polish Ł): anything else is shown as "?" rather than dropped.
    return text.encode("latin-1", "replace").decode("latin-1")


def voucher_value_text(voucher: dict[str, Any]) -> str:
    value = voucher.get("value")
    persons = voucher.get("persons") or 1
    if voucher.get("type") == "experience":
        return f"Experience for {persons}" + (f" (worth £{Decimal(value):,.2f})" if value else "")
    return f"£{Decimal(value or '0'):,.2f}"


def voucher_pdf(voucher: dict[str, Any], company: str | None, order_reference: str | None,
                header: bool = True) -> bytes:
    """One A4 page: name, value, code as text and Code 128, to / from / message."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(_latin1(f"Smart Gift voucher {voucher.get('code') or voucher['id']}"))
    canvas.setAuthor("packstation sandbox")
    width, height = A4
    left, y = 20 * mm, height - 25 * mm
    if header:
        canvas.setFont(_BOLD, 12)
        canvas.drawString(left, y, _latin1(company or "Smart Gift"))
        canvas.setFont(_FONT, 9)
        canvas.drawRightString(width - left, y, f"Order {order_reference or '-'}")
        y -= 20 * mm
    canvas.setFont(_BOLD, 26)
    canvas.drawString(left, y, _latin1(voucher.get("name") or "Gift voucher"))
    y -= 14 * mm
    canvas.setFont(_FONT, 20)
    canvas.drawString(left, y, _latin1(voucher_value_text(voucher)))
    y -= 16 * mm
    canvas.setFont(_FONT, 13)
    for label, key in (("To", "to"), ("From", "from")):
        if voucher.get(key):
            canvas.drawString(left, y, _latin1(f"{label}: {voucher[key]}"))
            y -= 8 * mm
    message = voucher.get("message")
    if message:
        canvas.setFont("Helvetica-Oblique", 12)
        for line in simpleSplit(_latin1(message), "Helvetica-Oblique", 12, width - 2 * left):
            canvas.drawString(left, y, line)
            y -= 6 * mm
    code = str(voucher.get("code") or voucher["id"])
    barcode = Code128(code, barHeight=18 * mm, barWidth=0.45 * mm, humanReadable=False)
    y = max(y - 30 * mm, 60 * mm)
    barcode.drawOn(canvas, (width - barcode.width) / 2, y)
    canvas.setFont(_BOLD, 16)
    text = f"Code: {code}"
    canvas.drawString((width - stringWidth(text, _BOLD, 16)) / 2, y - 9 * mm, text)
    canvas.setFont(_FONT, 9)
    valid = f"Valid {voucher.get('valid_from') or '-'} until {voucher.get('valid_until') or '-'}"
    canvas.drawCentredString(width / 2, 25 * mm, valid)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
