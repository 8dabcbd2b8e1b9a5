"""Check voucher PDFs before anything reaches a printer, and merge a job's into one.

HTML error pages, JSON error bodies and truncated downloads are refused here
with a message a packer can act on; they never reach the spooler.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from packstation.printing.errors import NotAPdf, PrintError

__all__ = ["MAX_MERGED_PAGES", "MAX_PAGES", "CheckedPdf", "NotAPdf", "PrintError",
           "check_pdf", "merge_pdfs"]

# Sane page sizes, in points: a small label (25 mm) up to A2 (420 x 594 mm).
_MIN_SIDE = 70.0
_MAX_SIDE = 1700.0


@dataclass(frozen=True, slots=True)
class CheckedPdf:
    data: bytes
    pages: int
    sizes: tuple[tuple[float, float], ...]  # (width, height) in points, per page


def _describe(data: bytes) -> str:
    head = data.lstrip()[:64].lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "a web page (HTML)"
    if head[:1] in (b"{", b"["):
        return "an error message (JSON)"
    if not data:
        return "empty"
    return "not a PDF"


MAX_PAGES = 20  # pages of one voucher's PDF (Limits.max_voucher_pages may change it)
MAX_MERGED_PAGES = 200  # pages of a job's vouchers together (Limits.max_job_pages)


def check_pdf(data: bytes, what: str = "The voucher PDF", *,
              max_pages: int = MAX_PAGES) -> CheckedPdf:
    """Open ``data`` with pypdf and check it is a PDF fit to print; else :class:`NotAPdf`."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotAPdf(f"{what} is {_describe(data)}; nothing was sent to the printer.")
    from pypdf import PdfReader  # 0.25 s to import: only once a PDF is really checked
    from pypdf.errors import PdfReadError

    failure: NotAPdf | None = None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotAPdf(f"{what} is password-protected; nothing was sent to the printer.")
        count = len(reader.pages)
        if count > max_pages:
            raise NotAPdf(f"{what} has {count:,} pages, more than the {max_pages} this station "
                          "prints for one voucher (a setting); nothing was sent to the printer.")
        sizes = tuple((float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages)
    except NotAPdf:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError,
            RecursionError, IndexError, ZeroDivisionError, AssertionError) as exc:
        # A hostile PDF can make pypdf fail in many ways; each is "damaged", never a crash.
        failure = NotAPdf(f"{what} is damaged or incomplete ({type(exc).__name__}); "
                          "nothing was sent to the printer.")
    if failure is not None:
        raise failure
    if not sizes:
        raise NotAPdf(f"{what} has no pages; nothing was sent to the printer.")
    for number, (width, height) in enumerate(sizes, 1):
        if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
            raise NotAPdf(f"{what} has a page {number} of {width:.0f} x {height:.0f} pt, "
                          "not a paper size; nothing was sent to the printer.")
    return CheckedPdf(data, len(sizes), sizes)


def merge_pdfs(parts: list[CheckedPdf], *, max_pages: int = MAX_MERGED_PAGES) -> CheckedPdf:
    """One PDF of all parts in order, so a job's pages come out together."""
    total = sum(p.pages for p in parts)
    if total > max_pages:
        raise NotAPdf(f"The job's voucher PDFs have {total:,} pages together, more than the "
                      f"{max_pages} this station prints for one job (a setting); nothing was "
                      "sent to the printer.")
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part.data), strict=False))
    out = io.BytesIO()
    writer.write(out)
    return CheckedPdf(out.getvalue(), sum(p.pages for p in parts),
                      tuple(s for p in parts for s in p.sizes))
