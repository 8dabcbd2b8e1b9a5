"""The Job menu: print the job in hand (or every job shown), dispatch it with a typed
reference, mark it delivered, cancel it.

What each does is decided by the ``ScanHandler``; this only asks first where a
slip would cost something, and shows the outcome on the banner.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QWidget

from packstation.api import Job
from packstation.job_service import JobService
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.queue_panel import QueuePanel
from packstation.ui.scan_bar import FeedbackBanner
from packstation.ui.status_bar import StationStatusBar
from packstation.ui.tasks import WidgetTasks


class JobActions:
    def __init__(self, jobs: JobService | None, queue: QueuePanel, banner: FeedbackBanner,
                 status: StationStatusBar, dialogs: OpenDialogs, tasks: WidgetTasks,
                 window: QWidget, printer_trouble: Callable[[], None],
                 scan: Callable[[str], None] = lambda text: None) -> None:
        self.jobs = jobs
        self.queue = queue
        self.banner = banner
        self.status = status
        self.dialogs = dialogs
        self.tasks = tasks
        self.window = window
        self.printer_trouble = printer_trouble  # look at the printers again, now
        self.scan = scan  # as if scanned: a typed reference takes the scan's path

    def print_current(self) -> None:
        job = self.queue.current_job()
        if job is not None and self.jobs is not None:
            self.tasks.run(self._print(self.jobs, job))

    async def _print(self, jobs: JobService, job: Job) -> None:
        printed = await jobs.print_now(job)
        self.banner.show_outcome(printed.ok, f"Order {job.order_reference}: {printed.message}")
        if not printed.ok:
            self.printer_trouble()

    def print_shown(self) -> None:
        jobs = self.queue.shown_pending()
        if jobs and self.jobs is not None and not self.status.busy:
            self.dialogs.ask(self.window,
                             f"Print the vouchers of all {len(jobs)} pending job(s) shown?",
                             lambda: self.tasks.run(self.print_batch(jobs)))

    async def print_batch(self, jobs: list[Job]) -> None:
        assert self.jobs is not None
        printed = await self.jobs.print_batch(jobs, self.status.show_progress)
        self.status.progress_done()
        self.banner.show_outcome(printed.ok, printed.message)

    def set_status(self, status: str) -> None:
        job = self.queue.current_job()
        if job is not None and self.jobs is not None:
            self.tasks.run(self._set_status(self.jobs, job, status))

    async def _set_status(self, jobs: JobService, job: Job, status: str) -> None:
        marked = await jobs.set_status(job, status)
        self.banner.show_outcome(marked.ok, marked.message)

    def dispatch_typed(self) -> None:
        """For a label whose barcode will not scan: the reference typed, then as a scan."""
        job = self.queue.current_job()
        if job is None:
            return
        dialog = QInputDialog(self.window)
        dialog.setLabelText(f"Tracking reference for order {job.order_reference}:")
        dialog.textValueSelected.connect(self.scan)
        self.dialogs.show(dialog)

    def cancel_current(self) -> None:
        job = self.queue.current_job()
        if job is not None:
            self.dialogs.ask(self.window, f"Cancel order {job.order_reference}? Smart Gift "
                             "will show it as cancelled.", lambda: self.set_status("cancelled"))
