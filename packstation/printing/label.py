"""Address labels made locally: the recipient in large type, the order as text and Code 128.

reportlab draws the page and encodes the barcode (a tested encoder, nothing
hand-made); the text shrinks to fit so a long address never runs off a label.
The text is set in DejaVu Sans, embedded (subset) in the PDF: the standard PDF
fonts stop at Latin-1, which would print "Tŷ Gwyn" or "Łukasz" with question
marks. Without the bundled font (a bare pip install) the standard fonts are
used and characters beyond Latin-1 are replaced, with a warning in the log.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from packstation.api.models import Job
from packstation.printing.errors import PrintError
from packstation.printing.model import LABEL_SIZES
from packstation.resources import resource_dir

log = logging.getLogger(__name__)

_FONTS = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}
_registering = threading.Lock()


def label_fonts() -> tuple[str, str, Callable[[str], str]]:
    """(regular, bold, how text must be prepared): DejaVu Sans, registered on first use."""
    with _registering:
        try:
            for name, file in _FONTS.items():
                if name not in pdfmetrics.getRegisteredFontNames():
                    pdfmetrics.registerFont(TTFont(name, str(resource_dir() / "fonts" / file)))
            return "DejaVuSans", "DejaVuSans-Bold", str
        except (OSError, TTFError) as exc:
            log.warning("label font unavailable (%s): names beyond Latin-1 print as '?'", exc)
            return "Helvetica", "Helvetica-Bold", _latin1


def _latin1(text: str) -> str:
    # What the standard PDF fonts can show: Latin-1 (not ŵ, ŷ or Ł).
    return text.encode("latin-1", "replace").decode("latin-1")


def _fit(text: str, font: str, size: float, width: float, smallest: float = 7) -> float:
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _barcode(reference: str, height: float, usable: float) -> Code128 | None:
    """Code 128 of ``reference`` with bars as wide as fit, up to 0.5 mm (a 203 dpi label
    printer's dots are 0.125 mm; 0.33 mm bars of a short code read badly at 200 dpi), or
    None when it cannot be one that reads back as itself: Code 128 carries ASCII only
    (reportlab drops the rest silently), and bars under 0.25 mm do not scan."""
    if not reference or not reference.isascii() or not reference.isprintable():
        return None
    barcode = Code128(reference, barHeight=height, barWidth=0.5 * mm, humanReadable=False)
    if barcode.width > usable * 0.9:  # narrower bars for long references on small labels
        bar = 0.5 * mm * usable * 0.9 / barcode.width
        if bar < 0.25 * mm:
            return None
        barcode = Code128(reference, barHeight=height, barWidth=bar, humanReadable=False)
    return barcode


def label_pdf(job: Job, size: str = "4x6in", handover: str | None = None) -> bytes:
    """The job's address label; ``handover``: the courier's job id, which its barcode then
    carries (the handover label of a job booked with the courier)."""
    if size not in LABEL_SIZES:
        raise PrintError(f"Unknown label size {size!r}; known: {', '.join(LABEL_SIZES)}.")
    regular, bold, prepared = label_fonts()
    address = job.delivery_address
    lines = [prepared(line) for line in (address.label_lines() if address else [])]
    if not lines:
        raise PrintError(f"Job {job.id} has no delivery address to put on a label.")
    width, height = (side * mm for side in LABEL_SIZES[size])
    margin = 4 * mm
    usable = width - 2 * margin
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    order = job.order_reference or str(job.id)
    canvas.setTitle(f"Handover label for order {order}" if handover
                    else f"Address label for order {order}")
    scale = min(width / (101.6 * mm), height / (152.4 * mm))  # 1.0 on a 4x6 in label
    y = height - margin
    for index, line in enumerate(lines):
        font = bold if index == 0 else regular
        size_pt = _fit(line, font, (20 if index == 0 else 16) * scale, usable)
        y -= size_pt * 1.25
        canvas.setFont(font, size_pt)
        canvas.drawString(margin, y, line)
    reference = handover or order
    bar_height = 18 * mm * scale
    bottom = margin + 8 * mm * scale
    barcode = _barcode(reference, bar_height, usable)
    if barcode is not None:
        barcode.drawOn(canvas, (width - barcode.width) / 2, bottom)
    else:  # said, never a barcode that reads as something else
        canvas.setFont(regular, 9 * scale)
        canvas.drawCentredString(width / 2, bottom + bar_height / 2,
                                 "(no barcode: this reference cannot be printed as one)")
    caption = prepared(f"Courier job {handover} · Order {order}" if handover
                       else f"Order {order}")
    caption_size = _fit(caption, bold, 11 * scale, usable)
    while len(caption) > 12 and stringWidth(caption, bold, caption_size) > usable:
        caption = caption[:-2] + "…"  # the rest is on the job: never off the label
    canvas.setFont(bold, caption_size)
    canvas.drawCentredString(width / 2, margin + 2 * mm * scale, caption)
    if handover:  # said above the barcode too: this parcel waits for the courier's van
        canvas.setFont(bold, 14 * scale)
        canvas.drawCentredString(width / 2, bottom + bar_height + 3 * mm * scale,
                                 "HAND TO THE COURIER")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
