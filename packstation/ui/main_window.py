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

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from packstation import __version__
from packstation.api import ApiKey, AuthError, Job
from packstation.config.settings import Settings
from packstation.scanning.handler import ScanHandler
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.store.jobs import JobChange
from packstation.ui.back_office import BackOffice
from packstation.ui.courier_view import CourierBench
from packstation.ui.day_desk import DayDesk, WindowTitle
from packstation.ui.dialogs import OpenDialogs, about_box
from packstation.ui.focus import ScanFocusKeeper
from packstation.ui.job_actions import JobActions
from packstation.ui.job_view import JobView
from packstation.ui.key_prompt import KeyPrompt
from packstation.ui.plain import plain
from packstation.ui.queue_panel import QueuePanel
from packstation.ui.saved_changes import SavedChanges
from packstation.ui.scan_bar import FeedbackBanner, ScanField
from packstation.ui.scan_desk import ScanDesk
from packstation.ui.screen_fit import fit_on_screen
from packstation.ui.serial_scanner import SerialScanner
from packstation.ui.settings_dialog import SettingsDialog
from packstation.ui.sounds import ScanSounds
from packstation.ui.status_bar import StationStatusBar
from packstation.ui.tasks import WidgetTasks
from packstation.ui.text_scale import apply_text_scale
from packstation.ui.work_area import WorkArea

LOAD_SLICE = 500


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, station: Station | None, origin: str, problem: str | None = None,
                 scans: ScanHandler | None = None, setup: StationSetup | None = None) -> None:
        super().__init__()
        self.station = station
        self.scans = scans
        self.setup = setup or StationSetup(station.settings if station else None)
        self.tasks = WidgetTasks(self._task_failed)
        self.dialogs = OpenDialogs()
        self.serial: SerialScanner | None = None
        self._gone = False
        self._loaded = False
        self._counting = False
        self._fetching = False  # the first sync's busy bar is showing
        self.title = WindowTitle(self)
        self.setWindowTitle(f"packstation {__version__}")

        self.queue = QueuePanel(self)
        # The queue's parts, named here too: the window's actions and tests use them.
        self.model, self.proxy, self.table = self.queue.model, self.queue.proxy, self.queue.table
        self.tabs, self.search = self.queue.tabs, self.queue.search
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.job_view = JobView(station.voucher_pdfs if station else None)
        self.scan_field = ScanField(navigation=self.table)
        self.scan_field.scanned.connect(self.on_scan)
        self.banner = FeedbackBanner()
        self.sounds = ScanSounds(False)
        self.origin_label = plain(QLabel(origin))
        self.origin_label.setAccessibleName("Connected to")
        self.notice_label = plain(QLabel(problem or ""))
        self.notice_label.setAccessibleName("Notice")
        self.notice_label.setWordWrap(True)
        self.status = StationStatusBar()
        self.setStatusBar(self.status)
        self.office = BackOffice(station.agreements if station else None,
                                 station.orders if station else None, self.dialogs, self.tasks,
                                 self)
        self.office.waiting_changed.connect(self.show_waiting)
        self.office.message.connect(lambda text: self.status.showMessage(text, 8000))
        self.status.agreements_flag.clicked.connect(self.show_agreements)
        self.changes = SavedChanges(station, self.queue, self.banner, self.status, self.dialogs,
                                    self)
        self.status.outbox_flag.clicked.connect(self.changes.open)
        self.jobs = JobActions(station.jobs if station else None, self.queue, self.banner,
                               self.status, self.dialogs, self.tasks, self,
                               self._printer_trouble, self.on_scan)
        # The day at a glance and who is packing (a station's records: no requests).
        self.day = DayDesk(station, self.tasks, self.dialogs, self.setup, self.model,
                           lambda: self.work.showing_today, self) if station else None
        self.today = self.day.today if self.day else None
        self.picker = self.day.picker if self.day else None
        self._layout()
        self.desk = ScanDesk(scans, self.queue, self.banner, self.sounds, self.dialogs, self,
                             self.run, self._show_scanned, self.scan_field.setFocus,
                             lambda: self._gone)
        self.scan_field.started.connect(self.desk.on_scan_started)
        self.courier = CourierBench(station.courier, self.tasks, self.dialogs, self,
                                    self.job_view.show_courier, self._courier_flag,
                                    self.desk.book, self.current_job) if station else None
        if self.courier is not None:
            self.desk.choose_slot = self.courier.choose
            self.desk.after_book = self._current_changed
        self._actions()
        fit_on_screen(self)  # a 1366x768 bench screen shows all of it
        self.focus_keeper = ScanFocusKeeper(self, self.scan_field)
        self.scan_field.setFocus()  # the window's first focus: not the search box above it
        self._timer = QTimer(self)  # the status bar and PDF state, once a second
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)
        if station is not None:
            self.apply_settings(station.settings)
            station.watch_jobs(self.jobs_changed)
            station.watch_sending(self.changes.event)
            station.watch_sending(self.desk.sending_event)
            station.watch_key_refusals(self.auth_failed)

    def _layout(self) -> None:
        self.work = WorkArea(self.queue, self.job_view, self.office.view, self.office.detail,
                             self.scan_field, self.today.summary if self.today else None,
                             self.today.chart if self.today else None)
        top = QHBoxLayout()
        top.addWidget(self.origin_label, 1)
        if self.picker is not None:
            top.addWidget(self.picker)
        layout = QVBoxLayout()
        layout.addLayout(top)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.work, 1)
        layout.addWidget(self.scan_field)
        layout.addWidget(self.banner)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

    def _actions(self) -> None:
        menus = {name: self.menuBar().addMenu(name)
                 for name in ("&Job", "&Back office", "&Station")}
        for menu, text, keys, slot in (
                ("&Job", "Print vouchers", "Ctrl+P", self.jobs.print_current),
                ("&Job", "Print every job shown…", "Ctrl+Shift+P", self.jobs.print_shown),
                ("&Job", "Dispatch with a typed reference…", "Ctrl+D", self.jobs.dispatch_typed),
                ("&Job", "Mark delivered", "Ctrl+Shift+D",
                 lambda: self.jobs.set_status("delivered")),
                ("&Job", "Cancel job…", "Ctrl+Shift+X", self.jobs.cancel_current),
                ("&Job", "Book the courier…", "Ctrl+K", self.book_courier),
                ("&Back office", "Agreements", "Ctrl+G", self.show_agreements),
                ("&Back office", "New order…", "Ctrl+N", self.office.open_new_order),
                ("&Back office", "Recent orders…", "Ctrl+Shift+N",
                 self.office.open_recent_orders),
                ("&Station", "Today", "Ctrl+T", self.work.show_today),
                ("&Station", "Packers…", "Ctrl+Shift+K", self.open_packers),
                ("&Station", "Refresh", "F5", self.refresh_now),
                ("&Station", "Changes waiting to be sent…", "Ctrl+Shift+O", self.changes.open),
                ("&Station", "Search", "Ctrl+F", self.search.setFocus),
                ("&Station", "Settings…", "Ctrl+,", self.open_settings)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
            menus[menu].addAction(action)
        for button in self.menuBar().findChildren(QToolButton):  # "»" when it is narrow
            button.setAccessibleName("More menus")
        about = QAction("About packstation", self)
        about.triggered.connect(self.show_about)
        self.menuBar().addMenu("&Help").addAction(about)
        back = QAction("Back to scanning", self.search)  # Escape in the search box
        back.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        back.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        back.triggered.connect(self.scan_field.setFocus)
        self.search.addAction(back)

    def run(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self.tasks.run(work)

    def _task_failed(self, message: str) -> None:
        if not self._gone:
            self.banner.show_outcome(False, message)
            self.sounds.play(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self._gone = True
        self._timer.stop()
        if self.station is not None:  # no callbacks into a window that is being deleted
            self.station.watch_jobs(self.jobs_changed, on=False)
            self.station.watch_sending(self.changes.event, on=False)
            self.station.watch_key_refusals(self.auth_failed, on=False)
        if self.day is not None:
            self.day.close()
        self.office.close()
        if self.serial is not None:
            self.serial.close()
        self.tasks.cancel_all()  # nothing of this window runs after it is gone
        self.closed.emit()

    def show_waiting(self, new_agreements: int) -> None:
        """New agreements wait for a price: flagged where a manager looks anyway."""
        self.title.new_agreements = new_agreements
        self.title.show()
        self.work.show_new_agreements(new_agreements)
        self.status.show_waiting(new_agreements)

    def show_agreements(self) -> None:
        self.work.show_agreements()

    def show_about(self) -> None:
        self.dialogs.show(about_box(self, self.station.api_url if self.station else None))

    # -- settings and the key --------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """At start, and whenever Settings is saved: everything takes effect at once."""
        if self.station is not None:
            self.station.apply_settings(settings)
        self.scan_field.tab_ends_scan = settings.scan_end_key == "tab"
        self.model.set_rule(settings.leave_by_rule())
        self._show_counts()
        if settings.sounds != self.sounds.enabled:
            self.sounds.close()
            self.sounds = ScanSounds(settings.sounds, parent=self)
            self.desk.sounds = self.sounds
        apply_text_scale(self, settings.text_scale)
        self.queue.fit_leave_by()
        self._use_serial(settings.serial_port, settings.serial_baud)

    def _use_serial(self, port: str, baud: int) -> None:
        if self.serial is not None:
            self.serial.close()
            self.serial.deleteLater()
            self.serial = None
        if port:
            self.serial = SerialScanner(port, baud, self)
            self.serial.scanned.connect(self.on_scan)
            self.serial.problem.connect(lambda text: self.banner.show_outcome(False, text))
            self.serial.open()

    def open_settings(self) -> None:
        if self.station is None or self.dialogs.of_type(SettingsDialog):
            return
        self.run(self._open_settings(self.station))

    async def _open_settings(self, station: Station) -> None:
        printers = await self.setup.printers()
        methods = await asyncio.to_thread(station.delivery_methods_seen)
        dialog = SettingsDialog(station.settings, self.setup, station.api_url, printers.names,
                                demo=station.demo, parent=self, methods=methods)
        dialog.saved.connect(self._settings_saved)
        dialog.key_replaced.connect(self.key_replaced)
        dialog.packers_requested.connect(self.open_packers)
        self.dialogs.show(dialog)

    def _settings_saved(self, settings: Settings) -> None:
        self.run(self._save_settings(settings))

    async def _save_settings(self, settings: Settings) -> None:
        await asyncio.to_thread(settings.leave_by_rule().warm_up)  # another region's
        self.apply_settings(settings)
        await self.setup.save(settings)

    def auth_failed(self, error: AuthError) -> None:
        """A 401/403 from anywhere: ask for the key (once), not a raw error."""
        if self._gone or self.station is None or self.dialogs.of_type(KeyPrompt):
            return
        prompt = KeyPrompt(self.setup, self.station.api_url,
                           f"Smart Gift refused the API key ({error}). Paste the current key "
                           "from the Smart Gift dashboard; your saved work waits and is sent "
                           "once the key works.", self)
        prompt.key_saved.connect(self.key_replaced)
        self.dialogs.show(prompt)

    def key_replaced(self, key: ApiKey) -> None:
        if self.station is None:
            return
        self.run(self.station.use_key(key))
        self.start_refresh()  # prefetches again what the old key could not fetch
        self.status.showMessage("New API key in use.", 8000)

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
        total = await asyncio.to_thread(self.station.queue_total)
        await asyncio.to_thread(self.model.rule.warm_up)  # bank holidays: not on the UI
        while True:
            page, key = await asyncio.to_thread(self.station.queue_page, key, LOAD_SLICE)
            if not self._loaded and not jobs:
                self.model.set_jobs(page)
            else:
                self.model.upsert(page)
            jobs.extend(page)
            if key is None:
                break
            self.status.show_progress("Loading the queue", len(jobs), total)
        self.status.progress_done()
        self._loaded = True
        self._show_counts()
        self.station.prefetch(jobs)
        if self.current_job() is None:
            self.select_row(0)

    def jobs_changed(self, changes: list[JobChange]) -> None:
        if not self._gone:
            self.run(self._take_changes(changes))

    async def _take_changes(self, changes: list[JobChange]) -> None:
        current = self.current_job()
        jobs = [c.job for c in changes]
        for start in range(0, len(jobs), LOAD_SLICE):  # a first sync's thousands in slices,
            if start:  # so the loop (and a scan) runs between them
                await asyncio.sleep(0)
            self.model.upsert(jobs[start:start + LOAD_SLICE])
        self._show_counts()
        if self.station is not None:
            self.station.prefetch(jobs)
        if self.courier is not None and any(j.status == "cancelled" for j in jobs):
            self.courier.jobs_changed()
        if current is None:  # the first sync of an empty cache: a job in hand, as at start
            self.select_row(0)
        gone = next((c for c in changes if current and c.job.id == current.id
                     and c.left_pending), None)
        if gone is not None:
            self.notice_label.setText(
                f"Order {gone.job.order_reference or gone.job.id} was {gone.job.status} "
                "elsewhere (another station or the dashboard).")

    def _show_counts(self) -> None:
        if self.day is not None:
            self.day.work_happened()
        self.queue.show_counts()
        self.title.due = self.model.due_counts()
        self.status.show_due(*self.title.due)
        self.title.show()

    def current_job(self) -> Job | None:
        return self.queue.current_job()

    def select_row(self, row: int) -> None:
        self.queue.select_row(row)

    def select_job(self, job: Job) -> None:
        self.queue.select_job(job)

    def _current_changed(self) -> None:
        job = self.current_job()
        verified = self.scans.verified.get(job.id, set()) if (self.scans and job) else set()
        self.job_view.show_job(job, verified)
        if self.courier is not None:
            self.courier.show_job(job)

    def _tick(self) -> None:
        if self.model.new_minute():  # a new day: another "leave by" is today
            self._show_counts()
        self.job_view.preview.poll()
        if self.day is not None:
            self.day.tick()
        self.office.show_state()
        self.desk.tick()
        if self.station is not None and not self._counting:
            self._counting = True
            self.run(self._refresh_status(self.station))

    async def _refresh_status(self, station: Station) -> None:
        counts: tuple[int, int] | None = None
        try:
            site = await asyncio.to_thread(station.site_view)  # off the UI: the network
            if site is None or not site.lost:  # a lost site's outbox cannot be counted
                counts = await asyncio.to_thread(station.outbox_counts)  # off the UI
        finally:
            self._counting = False
        if self._gone:
            return
        if site is not None:
            self.status.show_site(site.name, site.stations, site.lost, site.syncer)
            self.model.set_held(site.held)
        self.status.refresh(station.status(self.current_job()))
        if counts is None:
            return
        waiting, attention = counts
        self.status.show_outbox(waiting, attention)
        if not self.model.rowCount() and station.first_sync_pending():
            self._fetching = True
            self.status.show_progress("Fetching jobs from Smart Gift", 0, 0)
        elif self._fetching:
            self._fetching = False
            self.status.progress_done()

    # -- scanning and actions ------------------------------------------------------------

    def on_scan(self, text: str) -> None:
        self.desk.on_scan(text)
        if self.day is not None:
            self.day.work_happened()

    def book_courier(self) -> None:
        if self.courier is not None:
            self.courier.book_in_hand()

    def _courier_flag(self, text: str) -> None:
        self.banner.show_outcome(False, text)
        self.notice_label.setText(text)

    def open_packers(self) -> None:
        if self.day is not None:
            self.day.open_packers()

    def _show_scanned(self, job: Job) -> None:
        self.work.show_jobs()  # a scanned job is shown, whatever was
        self.select_job(job)
        self._current_changed()

    def _printer_trouble(self) -> None:
        if self.station is not None:
            self.station.check_printers()

    def refresh_now(self) -> None:
        if self.station is not None:
            self.station.refresh_now()
        if self.work.showing_agreements:
            self.office.refresh()
        self.start_refresh()

