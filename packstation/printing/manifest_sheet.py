"""A courier manifest on A4 (reportlab): the carrier, the collection, every parcel (order,
tracking number or "untracked", recipient, postcode), the count and total, the
manifest's id as a barcode, and lines for the driver's name, signature and the time.
A reprint says so; an amended one says "AMENDED" and lists what changed; a job
cancelled since it was put on is flagged. Also as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Set

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from packstation import __version__
from packstation.formats import pence_as_pounds
from packstation.printing.label import _fit, label_fonts
from packstation.printing.shift_sheet import clip, safe_cell
from packstation.scanning.commands import COMMAND_PREFIX
from packstation.store.manifests import Manifest
from packstation.tracking.carriers import CARRIERS

ROW = 14  # points a parcel's line takes
PER_PAGE = 30  # parcels a page; the last keeps room for totals, changes and signatures
MAX_CHANGES_SHOWN = 8


def manifest_barcode(manifest_id: int) -> str:
    """The reserved prefix: a manifest scanned at a bench is never taken for a label."""
    return f"{COMMAND_PREFIX}MANIFEST-{manifest_id}"


def manifest_csv(manifest: Manifest, cancelled: Set[int] = frozenset()) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["manifest", "carrier", "collection", "closed_at", "station", "packer"])
    writer.writerow([manifest.id, manifest.carrier, manifest.collection, manifest.closed_at,
                     safe_cell(manifest.station), safe_cell(manifest.packer)])
    writer.writerow([])
    writer.writerow(["job", "order", "tracking", "recipient", "postcode", "value",
                     "dispatched_at", "state", "removed_reason", "removed_by"])
    for e in manifest.entries:
        state = ("taken off" if e.removed else "cancelled since" if e.job_id in cancelled
                 else "on")
        writer.writerow([e.job_id, safe_cell(e.order_reference),
                         safe_cell(e.tracking_reference or "untracked"),
                         safe_cell(e.recipient), safe_cell(e.postcode),
                         f"{e.value_pence / 100:.2f}", e.dispatched_at, state,
                         safe_cell(e.removed_reason), safe_cell(e.removed_by)])
    return out.getvalue()


def manifest_pdf(manifest: Manifest, *, reprint: bool = False,
                 cancelled: Set[int] = frozenset(), site: str = "") -> bytes:
    regular, bold, prepare = label_fonts()
    width, height = 210 * mm, 297 * mm
    margin = 15 * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle(f"Manifest {manifest.id} {manifest.carrier}")
    carrier = CARRIERS.get(manifest.carrier, manifest.carrier)
    on_it = manifest.on_it
    pages = max(1, -(-len(on_it) // PER_PAGE))
    columns = ((0, "Order", 32 * mm), (32 * mm, "Tracking", 52 * mm),
               (84 * mm, "Recipient", 52 * mm), (136 * mm, "Postcode", 22 * mm),
               (158 * mm, "Value", 22 * mm))

    def head(page: int) -> float:
        code = Code128(manifest_barcode(manifest.id), barHeight=12 * mm, barWidth=0.33 * mm,
                       humanReadable=False)
        code.drawOn(canvas, width - margin - code.width, height - margin - 12 * mm)
        canvas.setFont("Courier", 7)
        canvas.drawRightString(width - margin, height - margin - 15 * mm,
                               manifest_barcode(manifest.id))
        room = width - 2 * margin - code.width - 6 * mm  # the title never under the bars
        title = prepare(f"{carrier} manifest {manifest.id}")
        size = _fit(title, bold, 18, room)
        canvas.setFont(bold, size)
        canvas.drawString(margin, height - margin - 14, clip(title, bold, size, room))
        marks = " · ".join(m for m, on in (("AMENDED", manifest.amended), ("REPRINT", reprint))
                           if on)
        if marks:
            canvas.setFont(bold, 12)
            canvas.drawString(margin, height - margin - 30, marks)
        canvas.setFont(regular, 9)
        for n, line in enumerate((  # below the barcode: the page's whole width
                f"Collection {manifest.collection or '-'} · closed "
                f"{manifest.closed_at[:16].replace('T', ' ')} UTC · page {page} of {pages}",
                f"Closed at {manifest.station} by {manifest.packer or manifest.station}"
                f"{' · ' + site if site else ''}")):
            canvas.drawString(margin, height - margin - 52 - 11 * n,
                              clip(prepare(line), regular, 9, width - 2 * margin))
        y = height - margin - 30 * mm
        canvas.setFont(bold, 9)
        for x, heading, _ in columns:
            canvas.drawString(margin + x, y, heading)
        canvas.line(margin, y - 3, width - margin, y - 3)
        return y - ROW

    for page in range(pages):
        y = head(page + 1)
        for entry in on_it[page * PER_PAGE:(page + 1) * PER_PAGE]:
            flag = entry.job_id in cancelled
            values = (entry.order_reference, entry.tracking_reference or "untracked",
                      entry.recipient, entry.postcode,
                      "CANCELLED" if flag else pence_as_pounds(entry.value_pence))
            font = bold if flag else regular
            canvas.setFont(font, 9)
            for (x, _, room), value in zip(columns, values, strict=True):
                canvas.drawString(margin + x, y, clip(prepare(value), font, 9, room - 4))
            y -= ROW
        if page + 1 < pages:
            canvas.showPage()
    canvas.line(margin, y + ROW - 5, width - margin, y + ROW - 5)
    canvas.setFont(bold, 11)
    canvas.drawString(margin, y - 4, f"Parcels: {len(on_it)}")
    canvas.drawString(margin + 60 * mm, y - 4,
                      f"Total value: {pence_as_pounds(manifest.total_pence)}")
    y -= 10 * mm
    if cancelled & {e.job_id for e in on_it}:
        canvas.setFont(bold, 9)
        canvas.drawString(margin, y, "CANCELLED: cancelled in Smart Gift since it was put on "
                                     "this manifest; take it back from the driver.")
        y -= 8 * mm
    removed = [e for e in manifest.entries if e.removed]
    if removed:
        canvas.setFont(bold, 10)
        canvas.drawString(margin, y, "Amended: taken off this manifest")
        canvas.setFont(regular, 8)
        for entry in removed[:MAX_CHANGES_SHOWN]:
            y -= 11
            canvas.drawString(margin, y, clip(prepare(
                f"{entry.order_reference} ({entry.tracking_reference or 'untracked'}):"
                f" {entry.removed_reason} — {entry.removed_by}, {entry.removed_at[:16]} UTC"),
                regular, 8, width - 2 * margin))
        if len(removed) > MAX_CHANGES_SHOWN:
            y -= 11
            canvas.drawString(margin, y, f"and {len(removed) - MAX_CHANGES_SHOWN} more (see "
                                         "'packstation manifest show')")
        y -= 8 * mm
    y = min(y, 40 * mm)
    canvas.setFont(regular, 10)
    for label, x in (("Driver's name", 0), ("Signature", 70 * mm), ("Time", 140 * mm)):
        canvas.line(margin + x, y, margin + x + 60 * mm if x < 140 * mm else width - margin,
                    y)
        canvas.drawString(margin + x, y - 12, label)
    canvas.setFont(regular, 7)
    canvas.drawString(margin, margin, f"packstation {__version__}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
