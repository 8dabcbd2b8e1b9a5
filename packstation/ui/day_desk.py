"""The day at a glance and who is packing, as the window holds them (issue 18): the
Today tab (``TodayWatch``), the packer picker, the Packers dialog; and the window's
title, which says what must leave even when the window is minimised."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from packstation import __version__
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.job_queue_model import JobQueueModel
from packstation.ui.manifest_dialog import ManifestDialog
from packstation.ui.packers_view import PackerPicker, PackersDialog
from packstation.ui.tasks import WidgetTasks
from packstation.ui.today_view import TodayWatch


class WindowTitle:
    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.due = (0, 0)  # pending jobs due today, overdue
        self.new_agreements = 0

    def show(self) -> None:
        parts = [f"packstation {__version__}"]
        today, overdue = self.due
        if today or overdue:
            parts.append(f"{today} due today, {overdue} overdue")
        if self.new_agreements:
            waiting = self.new_agreements
            parts.append(f"{waiting} new agreement{'s' if waiting != 1 else ''} to price")
        self.window.setWindowTitle(" — ".join(parts))


class DayDesk:
    def __init__(self, station: Station, tasks: WidgetTasks, dialogs: OpenDialogs,
                 setup: StationSetup, model: JobQueueModel, today_shown: Callable[[], bool],
                 window: QWidget) -> None:
        self.station, self.dialogs, self.setup = station, dialogs, setup
        self.tasks, self.model, self.window = tasks, model, window
        self.today = TodayWatch(station, tasks, self.queue_counts, today_shown)
        self.picker = PackerPicker(station, tasks)
        station.watch_sending(self.today.work_happened)
        self.today.summary.close_manifest.connect(self.open_manifest)
        self.picker.reload()

    def queue_counts(self) -> tuple[int, int, int]:
        """(pending, due today, overdue), as the queue shows them."""
        return (self.model.counts()["pending"], *self.model.due_counts())

    def work_happened(self) -> None:
        self.today.work_happened()

    def tick(self) -> None:
        self.today.tick()

    def open_packers(self) -> None:
        if self.dialogs.of_type(PackersDialog):
            return
        dialog = PackersDialog(self.station, self.setup, self.tasks, self.window)
        dialog.changed.connect(self.picker.reload)
        self.dialogs.show(dialog)

    def open_manifest(self) -> None:
        if self.dialogs.of_type(ManifestDialog):
            return
        dialog = ManifestDialog(self.station, self.setup, self.tasks, self.window)
        dialog.finished.connect(lambda _: self.work_happened())  # the waiting count
        self.dialogs.show(dialog)

    def close(self) -> None:
        """No callbacks into a window being deleted."""
        self.station.watch_sending(self.today.work_happened, on=False)
        self.picker.close_watch()
