"""The shift report as a file: CSV (one figure a row, then jobs per hour by packer) and a
one-page A4 PDF (reportlab) with the hourly bar chart, split by packer."""

from __future__ import annotations

import csv
import io

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from packstation import __version__
from packstation.printing.label import _fit, label_fonts
from packstation.shift import ShiftFigures

# Told apart in print and by colour-blind readers (Okabe-Ito), in packer order.
PACKER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                  "#F0E442", "#000000")
MAX_CHART_PACKERS = len(PACKER_COLOURS)  # more: the rest are summed as "others"


def clip(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut (with "…") to ``width`` points: a long name stays on the page. A page
    line holds far fewer than 400 characters, and the cut is found by halving."""
    text = text[:400]
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits lies in [low, high)
    while low + 1 < high:
        middle = (low + high) // 2
        if stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle
    return text[:low] + "…"


def safe_cell(text: str) -> str:
    """A cell as plain text: control and direction characters escaped (a terminal that
    shows the file runs none), and one a spreadsheet would run as a formula kept as text."""
    from packstation.plaintext import cell

    text = cell(text)
    formula = text.lstrip()[:1] in ("=", "+", "-", "@") and text.strip() != "-"
    return "'" + text if formula else text


def shift_csv(figures: ShiftFigures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "value"])
    writer.writerows((what, safe_cell(value)) for what, value in figures.rows())
    writer.writerow([])
    writer.writerow(["hour", "packer", "dispatched"])
    for hour in figures.hours:
        for packer, count in sorted(figures.per_hour.get(hour, {}).items()):
            writer.writerow([f"{hour:02d}:00", safe_cell(packer), count])
    return out.getvalue()


def chart_series(figures: ShiftFigures) -> tuple[list[str], list[list[int]], list[int]]:
    """(packers, per packer the count of each hour, the hours): at most
    ``MAX_CHART_PACKERS`` series, the rest summed as "others"."""
    hours = figures.hours
    packers = figures.packers
    by_total = sorted(packers, key=lambda p: -sum(figures.per_hour.get(h, {}).get(p, 0)
                                                  for h in hours))
    shown = by_total if len(by_total) <= MAX_CHART_PACKERS else \
        by_total[:MAX_CHART_PACKERS - 1]
    series = [[figures.per_hour.get(h, {}).get(p, 0) for h in hours] for p in shown]
    rest = [p for p in packers if p not in shown]
    if rest:
        shown = [*shown, f"{len(rest)} others"]
        series.append([sum(figures.per_hour.get(h, {}).get(p, 0) for p in rest)
                       for h in hours])
    return shown, series, hours


def _chart(figures: ShiftFigures, width: float, height: float, font: str,
           prepare: object) -> Drawing:
    drawing = Drawing(width, height)
    names, series, hours = chart_series(figures)
    if not hours:
        drawing.add(String(0, height / 2, "Nothing dispatched on this day.", fontName=font,
                           fontSize=11))
        return drawing
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 30
    chart.width, chart.height = int(width - 40 - 150), int(height - 50)
    chart.data = [tuple(s) for s in series]
    chart.categoryAxis.categoryNames = [f"{h:02d}" for h in hours]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7 if len(hours) > 12 else 9
    chart.valueAxis.labels.fontName = font
    chart.categoryAxis.style = "stacked"
    chart.valueAxis.valueMin = 0
    top = max(sum(s[i] for s in series) for i in range(len(hours)))
    chart.valueAxis.valueMax = max(top, 1)
    chart.valueAxis.valueStep = max(1, -(-top // 5))
    for index in range(len(series)):
        chart.bars[index].fillColor = colors.HexColor(PACKER_COLOURS[index %
                                                                     len(PACKER_COLOURS)])
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    drawing.add(String(chart.x, 10, "Hour of the day (UK)", fontName=font, fontSize=8))
    legend = Legend()
    legend.x, legend.y = int(width - 140), int(height - 20)
    legend.fontName = font
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = len(names)  # one column, within the page's width
    show = prepare if callable(prepare) else str
    legend.colorNamePairs = [(colors.HexColor(PACKER_COLOURS[i % len(PACKER_COLOURS)]),
                              clip(show(name), font, 8, 110))
                             for i, name in enumerate(names)]
    drawing.add(legend)
    return drawing


def shift_pdf(figures: ShiftFigures, site: str = "") -> bytes:
    """One A4 page: the figures, then the chart."""
    regular, bold, prepare = label_fonts()
    width, height = 210 * mm, 297 * mm
    margin = 18 * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle(f"Shift report {figures.day.isoformat()}")
    title = prepare(f"Shift report · {figures.day:%A %d %B %Y}")
    canvas.setFont(bold, _fit(title, bold, 18, width - 2 * margin))
    canvas.drawString(margin, height - margin - 10, title)
    canvas.setFont(regular, 9)
    canvas.drawString(margin, height - margin - 26, prepare(
        f"{site + ' · ' if site else ''}packstation {__version__}"))
    y = height - margin - 50
    for what, value in figures.rows()[1:]:
        canvas.setFont(regular, 11)
        canvas.drawString(margin, y, what)
        size = _fit(prepare(value), bold, 11, width / 2 - margin)
        text = clip(prepare(value), bold, size, width / 2 - margin)
        canvas.setFont(bold, size)
        canvas.drawString(width / 2, y, text)
        y -= 16
    y -= 10
    canvas.setFont(bold, 12)
    canvas.drawString(margin, y, "Jobs dispatched per hour, by packer")
    chart_height = min(110 * mm, y - margin - 10)
    _chart(figures, width - 2 * margin, chart_height, regular, prepare).drawOn(
        canvas, margin, y - 10 - chart_height)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
