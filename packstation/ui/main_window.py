"""The main window (a first cut: the pending queue; the full station comes next)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from packstation import __version__
from packstation.api import ApiError, Job
from packstation.store.jobs import JobChange

JobsSource = Callable[[], Awaitable[list[Job]]]
# Given a job, a short word on its voucher PDFs ("PDFs ready", "PDF being generated (45 s)").
PdfState = Callable[[Job], str]


class MainWindow(QMainWindow):
    """Shows the pending jobs; refreshes without blocking the UI thread."""

    closed = Signal()

    def __init__(self, jobs_source: JobsSource | None, origin_text: str,
                 problem: str | None = None, pdf_state: PdfState | None = None,
                 on_jobs: Callable[[list[Job]], None] | None = None,
                 on_refresh: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._jobs_source = jobs_source
        self._pdf_state = pdf_state
        self._on_jobs = on_jobs
        self._on_refresh = on_refresh
        self._jobs: list[Job] = []
        self.setWindowTitle(f"packstation {__version__}")
        self.resize(900, 600)
        self.origin_label = QLabel(origin_text)
        self.status_label = QLabel(problem or "Loading pending jobs…")
        self.status_label.setWordWrap(True)
        self.notice_label = QLabel("")
        self.notice_label.setWordWrap(True)
        self.jobs_list = QListWidget()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setEnabled(jobs_source is not None)
        self.refresh_button.clicked.connect(self._refresh_clicked)
        layout = QVBoxLayout()
        for widget in (self.origin_label, self.status_label, self.notice_label,
                       self.jobs_list, self.refresh_button):
            layout.addWidget(widget)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        self._task: asyncio.Task[None] | None = None
        # The PDF state changes as the prefetch works: redraw it each second (no I/O).
        self._pdf_timer = QTimer(self)
        self._pdf_timer.timeout.connect(self._show_jobs)
        if pdf_state is not None:
            self._pdf_timer.start(1000)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()

    def _refresh_clicked(self) -> None:
        if self._on_refresh is not None:
            self._on_refresh()  # ask Smart Gift now; the list follows when it answers
        self.start_refresh()

    def start_refresh(self) -> None:
        if self._jobs_source is None or (self._task and not self._task.done()):
            return
        self._task = asyncio.ensure_future(self.refresh())

    async def refresh(self) -> None:
        if self._jobs_source is None:
            return
        if not self._jobs:
            self.status_label.setText("Loading pending jobs…")
        try:
            jobs = await self._jobs_source()
        except ApiError as exc:
            self.status_label.setText(str(exc))
            return
        self._jobs = sorted(jobs, key=lambda j: (j.received_at is None, j.received_at))
        self._show_jobs()
        if self._on_jobs is not None:
            self._on_jobs(self._jobs)
        self.status_label.setText(f"{len(jobs)} pending jobs.")

    def jobs_changed(self, changes: list[JobChange]) -> None:
        """A sync brought changes: show them, and say so if the open job left pending."""
        current = self.current_job()
        self.start_refresh()
        gone = next((c for c in changes if current and c.job.id == current.id
                     and c.left_pending), None)
        if gone is not None:
            self.notice_label.setText(
                f"Order {gone.job.order_reference or gone.job.id} was {gone.job.status} "
                "elsewhere (another station or the dashboard).")

    def current_job(self) -> Job | None:
        row = self.jobs_list.currentRow()
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def _show_jobs(self) -> None:
        lines = []
        for job in self._jobs:
            address = job.delivery_address
            pdfs = f" · {self._pdf_state(job)}" if self._pdf_state else ""
            lines.append(
                f"{job.order_reference or job.id} · {address.recipient if address else '-'} · "
                f"{(address.postcode if address else None) or '-'} · "
                f"{len(job.vouchers)} voucher(s) · £{job.total_value:,.2f}{pdfs}")
        if lines == [self.jobs_list.item(i).text() for i in range(self.jobs_list.count())]:
            return
        row = self.jobs_list.currentRow()
        self.jobs_list.clear()
        self.jobs_list.addItems(lines)
        self.jobs_list.setCurrentRow(row)
