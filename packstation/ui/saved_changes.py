"""What the window says about changes saved for Smart Gift: confirmed, refused (needing
attention, with the reason) or deferred; and the outbox dialog where a person acts."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from packstation.station import Station
from packstation.sync.outbox_sender import OutboxEvent, SendOutcome
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.outbox_dialog import OutboxDialog
from packstation.ui.queue_panel import QueuePanel
from packstation.ui.scan_bar import FeedbackBanner
from packstation.ui.status_bar import StationStatusBar


class SavedChanges:
    def __init__(self, station: Station | None, queue: QueuePanel, banner: FeedbackBanner,
                 status: StationStatusBar, dialogs: OpenDialogs, window: QWidget) -> None:
        self.station = station
        self.queue = queue
        self.banner = banner
        self.status = status
        self.dialogs = dialogs
        self.window = window

    def event(self, event: OutboxEvent) -> None:
        """The sender settled an entry (subscribed by the window while it is open)."""
        if event.job is not None:
            self.queue.model.upsert([event.job])
            self.queue.show_counts()
        order = self._order_of(event.entry.job_id)
        if event.outcome is SendOutcome.DONE:
            self.status.showMessage(f"Confirmed: order {order} {event.entry.status}.", 8000)
        elif event.outcome is SendOutcome.ATTENTION:
            self.banner.show_outcome(False, f"Order {order} needs attention: {event.message} "
                                            "(Station > Changes waiting to be sent)")
        elif event.outcome is SendOutcome.RETRYING:
            self.status.showMessage(
                f"Saved, will retry: order {order} {event.entry.status} ({event.message})",
                8000)

    def _order_of(self, job_id: int) -> str:
        model = self.queue.model
        row = model.row_of(job_id)
        return (model.job(row).order_reference or str(job_id)) if row is not None \
            else str(job_id)

    def open(self) -> None:
        """The outbox: what waits, why, and send again / discard."""
        if self.station is not None and self.dialogs.of_type(OutboxDialog) is None:
            review = self.station.outbox_review()
            self.dialogs.show(OutboxDialog(review, self.dialogs, self.window))
