"""The packing station window: queue, job view, scan field, feedback; keyboard first.

Thin: what a scan means and does is decided in ``packstation.scanning``; jobs
come from the station's cache and sync; changes go through its outbox. Every
call that touches the disk, the network or the printer is awaited on the
qasync loop, so the window never freezes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from packstation import __version__
from packstation.api import Job
from packstation.scanning.handler import ScanHandler, ScanOutcome
from packstation.station import Station
from packstation.store.jobs import JobChange
from packstation.sync.outbox_sender import Delivery, OutboxEvent
from packstation.ui.job_queue_model import JOB_ROLE, STATUS_VIEWS, JobFilterProxy, JobQueueModel
from packstation.ui.job_view import JobView
from packstation.ui.scan_bar import FeedbackBanner, ScanField
from packstation.ui.sounds import ScanSounds

LOAD_SLICE = 500


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, station: Station | None, origin: str, problem: str | None = None,
                 scans: ScanHandler | None = None) -> None:
        super().__init__()
        self.station = station
        self.scans = scans
        self._tasks: set[asyncio.Task[Any]] = set()  # kept: a dropped task can vanish
        self._gone = False
        self._loaded = False
        self.setWindowTitle(f"packstation {__version__}")
        self.resize(1280, 800)

        # Parented: Qt, not Python's garbage collector, decides when they go, so a view
        # never outlives the model it shows.
        self.model = JobQueueModel(self)
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setAccessibleName("Job queue")
        self.table.setModel(self.proxy)
        header = self.table.horizontalHeader()
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
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
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
        self.job_view = JobView()
        self.scan_field = ScanField(station.settings.scan_end_key == "tab" if station else False)
        self.scan_field.scanned.connect(self.on_scan)
        self.banner = FeedbackBanner()
        self.sounds = ScanSounds(station.settings.sounds if station else False, parent=self)
        self.origin_label = QLabel(origin)
        self.notice_label = QLabel(problem or "")
        self.notice_label.setWordWrap(True)
        self.status_text = QLabel()
        self.statusBar().addWidget(self.status_text, 1)
        self._layout()
        self._actions()
        self._timer = QTimer(self)  # the status bar and PDF state: no I/O, once a second
        self._timer.timeout.connect(self._update_status)
        self._timer.start(1000)
        if station is not None:
            station.sync.subscribe(self.jobs_changed)
            station.sender.subscribe(self.outbox_event)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.tabs)
        top.addWidget(self.search, 1)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.job_view)
        split.setSizes([700, 580])
        layout = QVBoxLayout()
        layout.addWidget(self.origin_label)
        layout.addWidget(self.notice_label)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.scan_field)
        layout.addWidget(self.banner)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

    def _actions(self) -> None:
        for text, keys, slot in (
                ("Print vouchers", "Ctrl+P", self.print_current),
                ("Dispatch with a typed reference…", "Ctrl+D", self.dispatch_typed),
                ("Mark delivered", "Ctrl+Shift+D", lambda: self.set_status("delivered")),
                ("Cancel job…", "Ctrl+Shift+X", self.cancel_current),
                ("Refresh", "F5", self.refresh_now),
                ("Search", "Ctrl+F", self.search.setFocus)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
        menu = self.menuBar().addMenu("&Job")
        menu.addActions(self.actions())

    # -- background work, kept track of ------------------------------------------------

    def run(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self._gone = True
        self._timer.stop()
        if self.station is not None:  # no callbacks into a window that is being deleted
            self.station.sync.unsubscribe(self.jobs_changed)
            self.station.sender.unsubscribe(self.outbox_event)
        for task in list(self._tasks):  # nothing of this window runs after it is gone
            task.cancel()
        self.closed.emit()

    # -- the queue -----------------------------------------------------------------------

    def start_refresh(self) -> None:
        if self.station is not None:
            self.run(self.load_queue())

    async def load_queue(self) -> None:
        """The queue from the cache: before any request at start-up, then after changes."""
        assert self.station is not None
        # Read and shown in slices, oldest first: a queue of thousands never holds the
        # loop for long, and the first jobs appear at once.
        jobs: list[Job] = []
        key: tuple[str, int] | None = None
        while True:
            page, key = await asyncio.to_thread(self.station.cache.load_page, key, LOAD_SLICE)
            if not self._loaded and not jobs:
                self.model.set_jobs(page)
            else:
                self.model.upsert(page)
            jobs.extend(page)
            if key is None:
                break
        self._loaded = True
        self._show_counts()
        self.station.pdfs.prefetch(j for j in jobs if j.status == "pending")
        if self.current_job() is None:
            self.select_row(0)

    def jobs_changed(self, changes: list[JobChange]) -> None:
        if self._gone:
            return
        current = self.current_job()
        self.model.upsert(c.job for c in changes)
        self._show_counts()
        if self.station is not None:
            self.station.pdfs.prefetch(c.job for c in changes if c.job.status == "pending")
        gone = next((c for c in changes if current and c.job.id == current.id
                     and c.left_pending), None)
        if gone is not None:
            self.notice_label.setText(
                f"Order {gone.job.order_reference or gone.job.id} was {gone.job.status} "
                "elsewhere (another station or the dashboard).")

    def outbox_event(self, event: OutboxEvent) -> None:
        if self._gone:
            return
        if event.job is not None:
            self.model.upsert([event.job])
            self._show_counts()
        order = self._order_of(event.entry.job_id)
        if event.delivery is Delivery.DONE:
            self.statusBar().showMessage(f"Confirmed: order {order} {event.entry.status}.", 8000)
        elif event.delivery is Delivery.ATTENTION:
            self.banner.show_outcome(False, f"Order {order} needs attention: {event.message}")
        elif event.delivery is Delivery.RETRYING:
            self.statusBar().showMessage(
                f"Saved, will retry: order {order} {event.entry.status} ({event.message})",
                8000)

    def _order_of(self, job_id: int) -> str:
        row = self.model.row_of(job_id)
        return (self.model.job(row).order_reference or str(job_id)) if row is not None \
            else str(job_id)

    def _show_counts(self) -> None:
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

    def _current_changed(self) -> None:
        job = self.current_job()
        verified = self.scans.verified.get(job.id, set()) if (self.scans and job) else set()
        self.job_view.show_job(job, verified)
        self._update_status()

    def _update_status(self) -> None:
        if self.station is None:
            return
        parts = []
        sync = self.station.sync
        if sync.last_error:
            parts.append(f"Offline: {sync.last_error}")
        elif sync.last_success:
            parts.append(f"Synced {sync.last_success.astimezone().strftime('%H:%M:%S')}")
        remaining = self.station.client.budget.remaining
        if remaining is not None:
            parts.append(f"{max(remaining, 0)} requests left this minute")
        waiting = len(self.station.outbox)
        if waiting:
            parts.append(f"{waiting} change(s) saved, sending")
        job = self.current_job()
        if job is not None and job.status == "pending":
            parts.append(self.station.pdfs.describe(job))
        self.status_text.setText("  ·  ".join(parts))

    # -- scanning and actions ------------------------------------------------------------

    def on_scan(self, text: str) -> None:
        if self.scans is not None:
            self.run(self._scan(text, confirmed=False))

    async def _scan(self, text: str, confirmed: bool) -> None:
        assert self.scans is not None
        in_hand = self.current_job()
        outcome = await self.scans.handle(text, in_hand, confirmed=confirmed)
        if not self._gone:
            self.show_outcome(outcome, text)

    def show_outcome(self, outcome: ScanOutcome, text: str) -> None:
        if outcome.confirm:
            self._ask(outcome.confirm, lambda: self.run(self._scan(text, confirmed=True)))
            return
        if outcome.message:
            self.banner.show_outcome(outcome.ok, outcome.message)
            self.sounds.play(outcome.ok)
        if outcome.select is not None:
            self.select_job(outcome.select)
            self._current_changed()
        if outcome.dispatched:
            self.select_row(self.table.currentIndex().row() + 1)  # the next pending job
        self.scan_field.setFocus()

    def _ask(self, question: str, yes: Any) -> None:
        # open(), never exec(): a nested event loop inside an async slot re-enters qasync.
        box = QMessageBox(QMessageBox.Icon.Question, "packstation", question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.accepted.connect(yes)
        box.open()

    def print_current(self) -> None:
        job = self.current_job()
        if job is not None and self.station is not None:
            self.run(self._print(job))

    async def _print(self, job: Job) -> None:
        assert self.station is not None and self.scans is not None
        ok, message = await self.scans.print_now(job)
        self.banner.show_outcome(ok, f"Order {job.order_reference}: {message}")

    def dispatch_typed(self) -> None:
        job = self.current_job()
        if job is None:
            return
        dialog = QInputDialog(self)
        dialog.setLabelText(f"Tracking reference for order {job.order_reference}:")
        dialog.textValueSelected.connect(lambda ref: self.run(self._scan(ref, confirmed=False)))
        dialog.open()

    def set_status(self, status: str) -> None:
        job = self.current_job()
        if job is not None and self.scans is not None:
            self.run(self._set_status(job, status))

    async def _set_status(self, job: Job, status: str) -> None:
        assert self.scans is not None
        ok, message = await self.scans.change_status(job, status)
        self.banner.show_outcome(ok, message)

    def cancel_current(self) -> None:
        job = self.current_job()
        if job is not None:
            self._ask(f"Cancel order {job.order_reference}? Smart Gift will show it as "
                      "cancelled.", lambda: self.set_status("cancelled"))

    def refresh_now(self) -> None:
        if self.station is not None:
            self.station.sync.sync_soon()
        self.start_refresh()

