"""The window's status bar: connection, sync, budget, outbox, PDFs, printers, agreements.

Draws from what it is given and what the station holds in memory (no I/O):
the window counts the outbox in a worker thread and redraws this once a
second. Long work (loading a big queue, the first sync, a batch print) shows a
progress bar here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from packstation.station_views import StationStatus
from packstation.ui.palette import warning_style
from packstation.ui.plain import plain


class StationStatusBar(QStatusBar):
    def __init__(self) -> None:
        super().__init__()
        self.connection = plain(QLabel())
        self.connection.setAccessibleName("Connection")
        self.printers = plain(QLabel())
        self.printers.setAccessibleName("Printer state")
        self.progress_label = plain(QLabel())
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setMaximumWidth(220)
        self.agreements_flag = QPushButton()  # new agreements to price; opens them
        self.agreements_flag.setFlat(True)
        self.agreements_flag.setAccessibleName("New agreements")
        self.agreements_flag.setStyleSheet(warning_style())
        self.agreements_flag.hide()
        self.outbox_flag = QPushButton()  # changes not yet confirmed; opens the outbox
        self.outbox_flag.setFlat(True)
        self.outbox_flag.setAccessibleName("Changes waiting to be sent")
        self.outbox_flag.hide()
        self.due = plain(QLabel())  # "4 due today · 2 overdue"; red when any are overdue
        self.due.setAccessibleName("Due to leave")
        self.due.hide()
        self.site = plain(QLabel())  # "Site packing: 3 stations"; red when it is lost
        self.site.setAccessibleName("Site")
        self.site.hide()
        self.addWidget(self.connection, 1)
        self.addPermanentWidget(self.due)
        self.addPermanentWidget(self.site)
        self.addPermanentWidget(self.outbox_flag)
        self.addPermanentWidget(self.agreements_flag)
        self.addPermanentWidget(self.progress_label)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.printers)
        self.progress_done()

    def show_progress(self, what: str, done: int, total: int) -> None:
        """``total`` 0: busy, length unknown."""
        self.progress_label.setText(what)
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_label.show()
        self.progress.show()

    def progress_done(self) -> None:
        self.progress_label.hide()
        self.progress.hide()

    def show_waiting(self, new_agreements: int) -> None:
        self.agreements_flag.setText(
            f"{new_agreements} new agreement{'s' if new_agreements != 1 else ''} to price")
        self.agreements_flag.setVisible(new_agreements > 0)

    @property
    def busy(self) -> bool:
        return self.progress.isVisible()

    def show_site(self, name: str, stations: int, lost: str, syncer: str = "") -> None:
        """A site of stations: its name, how many are on it and which syncs for it, or
        that it is lost (red: no new job until it is back)."""
        if lost:
            self.site.setText(f"Site {name}: connection lost ({lost}); finish the job in "
                              "hand, no new job until the site is back")
        else:
            self.site.setText(f"Site {name}: {stations} station{'s' if stations != 1 else ''}"
                              + (f", {syncer} syncs" if syncer else ""))
        self.site.setStyleSheet(warning_style() if lost else "")
        self.site.show()

    def show_due(self, today: int, overdue: int) -> None:
        self.due.setText(f"{today} due today · {overdue} overdue")
        self.due.setStyleSheet(warning_style() if overdue else "")
        self.due.setVisible(bool(today or overdue))

    def show_outbox(self, waiting: int, attention: int) -> None:
        if attention:
            self.outbox_flag.setText(f"{attention} change{'s' if attention != 1 else ''} "
                                     "need attention")
        else:
            self.outbox_flag.setText(f"{waiting} change(s) saved, sending")
        self.outbox_flag.setStyleSheet(warning_style() if attention else "")
        self.outbox_flag.setVisible(waiting > 0)

    def refresh(self, status: StationStatus) -> None:
        parts = []
        if status.sync_error:
            parts.append(f"Offline: {status.sync_error}" if status.offline
                         else status.sync_error)
        elif status.synced_at:
            parts.append(f"Connected · synced {status.synced_at.astimezone():%H:%M:%S}")
        else:
            parts.append("Connecting…")
        if status.requests_left is not None:
            parts.append(f"{max(status.requests_left, 0)} requests left this minute")
        if status.pdfs:
            parts.append(status.pdfs)
        self.connection.setText("  ·  ".join(parts))
        reports = status.printers
        self.printers.setText("  ·  ".join(r.describe() for r in reports))
        bad = any(not r.ready for r in reports)
        self.printers.setStyleSheet(warning_style() if bad else "")
