"""The Today tab: what must leave, how the shift goes (the figures on the left, jobs
dispatched per hour by packer on the right, as a stacked bar chart).

Redrawn from ``ShiftFigures`` the window reads in a worker (``TodayWatch``): after
work happens (a dispatch confirmed, a scan, a print) and every few seconds while it is
shown; never a request to Smart Gift.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from packstation.leave_by import uk_today
from packstation.manifests import Collection
from packstation.printing.shift_sheet import PACKER_COLOURS, chart_series
from packstation.shift import ShiftFigures, duration
from packstation.station import Station
from packstation.store.site_database import SiteUnreachable
from packstation.tracking.carriers import CARRIERS
from packstation.ui.palette import warning_style
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks

_FIGURES = (("pending", "Pending"), ("due_today", "Due today"), ("overdue", "Overdue"),
            ("dispatched", "Dispatched today"), ("median", "Time per job (median)"),
            ("p90", "Time per job (90th percentile)"), ("wrong", "Wrong-voucher scans"),
            ("refused", "Refused tracking scans"), ("reprints", "Reprints"),
            ("failures", "Print failures"))


class TodaySummary(QWidget):
    """The day's figures, one a line, big enough to read from the bench; the next
    collection, and Close manifest."""

    close_manifest = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Today")
        self.heading = plain(QLabel("Today"))
        self.heading.setAccessibleName("Day")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, words in _FIGURES:
            value = plain(QLabel("…"))
            value.setAccessibleName(words)
            self.values[key] = value
            form.addRow(words + ":", value)
        self.packers = plain(QLabel(""))
        self.packers.setAccessibleName("Packers today")
        self.packers.setWordWrap(True)
        self.collection = plain(QLabel("No collection times set (Settings > Delivery)."))
        self.collection.setAccessibleName("Next collection")
        self.collection.setWordWrap(True)
        self.manifest_button = QPushButton("Close &manifest…")
        self.manifest_button.clicked.connect(self.close_manifest)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.packers)
        layout.addWidget(self.collection)
        layout.addWidget(self.manifest_button)
        layout.addStretch(1)

    def show_collection(self, collection: Collection | None) -> None:
        if collection is None:
            self.collection.setText("No collection times set (Settings > Delivery).")
            return
        when = collection.at.strftime("%H:%M") if collection.at.date() == uk_today() \
            else collection.at.strftime("%a %d %b %H:%M")
        self.collection.setText(
            f"Next collection: {CARRIERS.get(collection.carrier, collection.carrier)} at "
            f"{when}, {collection.waiting} job{'s' if collection.waiting != 1 else ''} "
            "waiting for its manifest")

    def show_figures(self, figures: ShiftFigures) -> None:
        self.heading.setText(f"Today, {figures.day:%A %d %B}")
        shown = {"pending": str(figures.pending), "due_today": str(figures.due_today),
                 "overdue": str(figures.overdue), "dispatched": str(figures.dispatched),
                 "median": duration(figures.median_seconds),
                 "p90": duration(figures.p90_seconds),
                 "wrong": str(figures.wrong_voucher_scans),
                 "refused": str(figures.refused_tracking_scans),
                 "reprints": str(figures.reprints), "failures": str(figures.print_failures)}
        for key, text in shown.items():
            self.values[key].setText(text)
        self.values["overdue"].setStyleSheet(warning_style() if figures.overdue else "")
        totals = {name: sum(h.get(name, 0) for h in figures.per_hour.values())
                  for name in figures.packers}
        self.packers.setText("Dispatched by: " + ", ".join(
            f"{name} {count}" for name, count in sorted(totals.items(),
                                                        key=lambda kv: -kv[1]))
                             if totals else "Nothing dispatched yet today.")


class TodayChart(QChartView):
    """Jobs dispatched per hour, stacked by packer."""

    def __init__(self) -> None:
        self.chart_ = QChart()
        super().__init__(self.chart_)
        self.setAccessibleName("Jobs dispatched per hour, by packer")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_.setTitle("Jobs dispatched per hour, by packer")
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.shown: list[tuple[str, list[int]]] = []  # what the bars say (for tests)
        self.hours: list[int] = []

    def show_figures(self, figures: ShiftFigures) -> None:
        names, series, hours = chart_series(figures)
        if list(zip(names, series, strict=True)) == self.shown and hours == self.hours:
            return  # the same bars: no redraw
        self.shown, self.hours = list(zip(names, series, strict=True)), hours
        chart = self.chart_
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        if not hours:
            chart.setTitle("Jobs dispatched per hour, by packer: none yet today")
            return
        chart.setTitle("Jobs dispatched per hour, by packer")
        bars = QStackedBarSeries()
        for index, (name, counts) in enumerate(self.shown):
            # Names are the supervisor's list: shown as given, never as markup.
            bar_set = QBarSet(name.replace("<", "\u2039").replace(">", "\u203a"))
            bar_set.setColor(QColor(PACKER_COLOURS[index % len(PACKER_COLOURS)]))
            bar_set.append([float(c) for c in counts])
            bars.append(bar_set)
        chart.addSeries(bars)
        hours_axis = QBarCategoryAxis()
        hours_axis.append([f"{h:02d}:00" for h in hours])
        chart.addAxis(hours_axis, Qt.AlignmentFlag.AlignBottom)
        bars.attachAxis(hours_axis)
        count_axis = QValueAxis()
        top = max(sum(s[i] for _, s in self.shown) for i in range(len(hours)))
        count_axis.setRange(0, max(top, 1))
        count_axis.setLabelFormat("%d")
        count_axis.setTickCount(min(max(top, 1), 10) + 1)
        chart.addAxis(count_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(count_axis)


class TodayWatch:
    """Keeps the Today tab current: read again (in a worker) when work happened, and every
    ``EVERY`` seconds while it is shown; one read at a time."""

    EVERY = 5.0

    def __init__(self, station: Station, tasks: WidgetTasks,
                 queue: Callable[[], tuple[int, int, int]],
                 shown: Callable[[], bool]) -> None:
        self.station, self.tasks, self.queue, self.shown = station, tasks, queue, shown
        self.summary = TodaySummary()
        self.chart = TodayChart()
        self.dirty = True
        self.reads = 0  # how many times the figures were read (for tests)
        self._reading = False
        self._read_at = 0.0
        self.last: ShiftFigures | None = None
        self.collection: Collection | None = None
        self.dirty_collection = True
        self._collection_at = 0.0

    def work_happened(self, *_: object) -> None:
        self.dirty = self.dirty_collection = True

    def tick(self) -> None:
        """Once a second, from the window."""
        if self._reading or not self.shown():
            return
        if self.dirty or time.monotonic() - self._read_at >= self.EVERY:
            self._reading, self.dirty = True, False
            self.tasks.run(self._read())

    async def _read(self) -> None:
        try:
            figures = await asyncio.to_thread(self.station.shift.figures, None, None, None,
                                              None, self.queue())
            collection = self.collection
            if self.dirty_collection or time.monotonic() - self._collection_at >= 30:
                # Judging each waiting job's carrier costs more than the figures: after
                # a dispatch, or every 30 s.
                collection = await asyncio.to_thread(self.station.manifests.next_collection)
                self.collection, self._collection_at = collection, time.monotonic()
                self.dirty_collection = False
        except SiteUnreachable:
            self.dirty = True  # the site's records out of reach: asked again next tick
            return
        finally:
            self._reading = False
            self._read_at = time.monotonic()
        self.reads += 1
        self.last = figures
        self.summary.show_figures(figures)
        self.summary.show_collection(collection)
        self.chart.show_figures(figures)
