"""The window's middle: a list on the left (jobs or agreements), its detail on the right.

The two lists are tabs of one widget and the right side follows the tab, so a
manager looks at agreements where a packer looks at jobs; the scan field's
arrow keys move through whichever list is shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSplitter, QStackedWidget, QTabWidget, QWidget

from packstation.ui.agreements_view import AgreementDetail, AgreementsView
from packstation.ui.queue_panel import QueuePanel
from packstation.ui.scan_bar import ScanField


class WorkArea(QSplitter):
    def __init__(self, queue: QueuePanel, job_view: QWidget, agreements: AgreementsView,
                 agreement: AgreementDetail, scan_field: ScanField,
                 today: QWidget | None = None, chart: QWidget | None = None) -> None:
        super().__init__()
        self.queue = queue
        self.agreements = agreements
        self.today = today
        self.scan_field = scan_field
        self.sides = QTabWidget()
        self.sides.setAccessibleName("Jobs, agreements and today")
        self.sides.addTab(queue, "&Jobs")
        self.sides.addTab(agreements, "A&greements")
        self.details = QStackedWidget()
        self.details.addWidget(job_view)
        self.details.addWidget(agreement)
        if today is not None and chart is not None:  # the day at a glance, and its chart
            self.sides.addTab(today, "T&oday")
            self.details.addWidget(chart)
        self.sides.currentChanged.connect(self._side_changed)
        self.addWidget(self.sides)
        self.addWidget(self.details)
        self.setSizes([560, 720])

    def _side_changed(self, index: int) -> None:
        self.details.setCurrentIndex(index)
        self.scan_field.navigation = self.agreements.table if index == 1 else self.queue.table

    def show_jobs(self) -> None:
        self.sides.setCurrentWidget(self.queue)

    def show_agreements(self) -> None:
        self.sides.setCurrentWidget(self.agreements)

    def show_today(self) -> None:
        if self.today is not None:
            self.sides.setCurrentWidget(self.today)

    @property
    def showing_today(self) -> bool:
        return self.today is not None and self.sides.currentWidget() is self.today

    @property
    def showing_agreements(self) -> bool:
        return self.sides.currentWidget() is self.agreements

    def show_new_agreements(self, count: int) -> None:
        self.sides.setTabText(1, f"A&greements ({count} new)" if count else "A&greements")
