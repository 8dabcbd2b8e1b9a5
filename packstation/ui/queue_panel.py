"""The job queue: status views with counts, the search box and the table of jobs.

A ``JobQueueModel`` (ordered by itself, not by a sorting proxy, so thousands of
rows load without a stall) behind a ``JobFilterProxy`` that only filters.
"""

from __future__ import annotations

from collections.abc import Set

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from packstation.api import Job
from packstation.ui.job_queue_model import (
    JOB_ROLE,
    LEAVE_BY,
    STATUS_VIEWS,
    JobFilterProxy,
    JobQueueModel,
)


class QueuePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Parented: Qt, not Python's garbage collector, decides when they go, so a view
        # never outlives the model it shows.
        self.model = JobQueueModel(self)
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setAccessibleName("Job queue")
        self.table.setModel(self.proxy)
        header = self.table.horizontalHeader()
        header.moveSection(LEAVE_BY, 0)  # the queue's order, read first
        self.fit_leave_by()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        header.sortIndicatorChanged.connect(self.model.sort)
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        # Fixed heights: with thousands of rows the view need not measure each one.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.tabs = QTabBar()
        self.tabs.setAccessibleName("Status views")
        for view in STATUS_VIEWS:
            self.tabs.addTab(view.capitalize())
        self.tabs.currentChanged.connect(lambda i: self.proxy.set_status(STATUS_VIEWS[i]))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search order, name, postcode, voucher code, tracking…")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tabs)
        layout.addWidget(self.table, 1)

    def fit_leave_by(self) -> None:
        """The Leave by column as wide as its longest text, in bold as an overdue row's
        (its day must show, not "OVERDUE T…"): at start and when the text size changes."""
        bold = self.table.font()
        bold.setBold(True)
        self.table.horizontalHeader().resizeSection(
            LEAVE_BY, QFontMetrics(bold).horizontalAdvance("OVERDUE Wed 30 Nov")
            + 2 * self.table.fontMetrics().averageCharWidth() + 8)

    def show_counts(self) -> None:
        counts = self.model.counts()
        for i, view in enumerate(STATUS_VIEWS):
            self.tabs.setTabText(i, f"{view.capitalize()} ({counts[view]})")

    def current_job(self) -> Job | None:
        index = self.table.currentIndex()
        job = index.data(JOB_ROLE) if index.isValid() else None
        return job if isinstance(job, Job) else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.proxy.rowCount():
            index = self.proxy.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)

    def select_job(self, job: Job) -> None:
        row = self.model.row_of(job.id)
        if row is None:
            self.model.upsert([job])
            row = self.model.row_of(job.id)
        index = self.proxy.mapFromSource(self.model.index(row or 0, 0))
        if not index.isValid():  # filtered out: show everything so it can be seen
            self.search.clear()
            self.tabs.setCurrentIndex(STATUS_VIEWS.index("all"))
            index = self.proxy.mapFromSource(self.model.index(row or 0, 0))
        self.select_row(index.row())

    def shown_pending(self) -> list[Job]:
        rows = (self.proxy.index(r, 0).data(JOB_ROLE) for r in range(self.proxy.rowCount()))
        return [j for j in rows if isinstance(j, Job) and j.status == "pending"]

    def next_pending(self, after: Job | None, skip: Set[int]) -> Job | None:
        """The first pending job shown after ``after`` (then from the top), not in ``skip``:
        "next job" follows the queue's own order and filter."""
        return next(iter(self.pending_in_order(after, skip)), None)

    def pending_in_order(self, after: Job | None, skip: Set[int]) -> list[Job]:
        """Every pending job shown, from the one after ``after`` round to the top, none
        in ``skip``: the candidates for "next job", in the queue's order."""
        rows = [self.proxy.index(r, 0).data(JOB_ROLE) for r in range(self.proxy.rowCount())]
        jobs = [j for j in rows if isinstance(j, Job)]
        # Where ``after`` stands in the queue's order, even once it has left the view (its
        # dispatch confirmed): the model keeps every job in order.
        anchor = self.model.row_of(after.id) if after is not None else None
        start = 0 if anchor is None else next(
            (i for i, j in enumerate(jobs) if (self.model.row_of(j.id) or 0) > anchor),
            len(jobs))
        return [job for job in jobs[start:] + jobs[:start]
                if job.status == "pending" and job.id not in skip
                and (after is None or job.id != after.id)]

    def put_in_hand(self, job: Job) -> None:
        self.select_job(job)

    def clear_current(self) -> None:
        """Nothing in hand (PAUSE)."""
        self.table.selectionModel().clear()
