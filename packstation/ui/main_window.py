"""The main window (a first cut: the pending queue; the full station comes next)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Signal
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
from packstation.api import ApiError, Job, Parsed

JobsSource = Callable[[], Awaitable[Parsed[Job]]]


class MainWindow(QMainWindow):
    """Shows the pending jobs; refreshes without blocking the UI thread."""

    closed = Signal()

    def __init__(self, jobs_source: JobsSource | None, origin_text: str,
                 problem: str | None = None) -> None:
        super().__init__()
        self._jobs_source = jobs_source
        self.setWindowTitle(f"packstation {__version__}")
        self.resize(900, 600)
        self.origin_label = QLabel(origin_text)
        self.status_label = QLabel(problem or "Loading pending jobs…")
        self.status_label.setWordWrap(True)
        self.jobs_list = QListWidget()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setEnabled(jobs_source is not None)
        self.refresh_button.clicked.connect(self._refresh_clicked)
        layout = QVBoxLayout()
        for widget in (self.origin_label, self.status_label, self.jobs_list,
                       self.refresh_button):
            layout.addWidget(widget)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        self._task: asyncio.Task[None] | None = None

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()

    def _refresh_clicked(self) -> None:
        self.start_refresh()

    def start_refresh(self) -> None:
        if self._jobs_source is None or (self._task and not self._task.done()):
            return
        self._task = asyncio.ensure_future(self.refresh())

    async def refresh(self) -> None:
        if self._jobs_source is None:
            return
        self.status_label.setText("Loading pending jobs…")
        try:
            result = await self._jobs_source()
        except ApiError as exc:
            self.status_label.setText(str(exc))
            return
        self.jobs_list.clear()
        for job in sorted(result.items, key=lambda j: (j.received_at is None, j.received_at)):
            address = job.delivery_address
            self.jobs_list.addItem(
                f"{job.order_reference or job.id} · {address.recipient if address else '-'} · "
                f"{(address.postcode if address else None) or '-'} · "
                f"{len(job.vouchers)} voucher(s) · £{job.total_value:,.2f}")
        note = f"; {len(result.problems)} could not be read" if result.problems else ""
        self.status_label.setText(f"{len(result.items)} pending jobs{note}.")
