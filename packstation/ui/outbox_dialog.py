"""Saved changes not yet confirmed by Smart Gift, and what a person can do with them.

A change Smart Gift refused (a tracking reference its carrier rules reject, a job
it no longer has) waits here "needing attention" with the reason, until the
packer or a supervisor sends it again (with a corrected reference) or discards
it. One being sent right now by another process of this station is shown, not
touched.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from packstation.store.outbox import InvalidChange, LeaseHeld, OutboxState
from packstation.sync.outbox_review import OutboxReview, ReviewedEntry
from packstation.sync.outbox_sender import OutboxEvent
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.palette import warning_colour, warning_style
from packstation.ui.tasks import WidgetTasks

COLUMNS = ("Order", "Change", "Tracking", "State", "Tries", "Why")


def state_text(reviewed: ReviewedEntry) -> str:
    entry = reviewed.entry
    if entry.state is OutboxState.ATTENTION:
        return "Needs attention"
    if entry.state is OutboxState.SENDING:
        return "Being sent" if entry.lease_live() else "Interrupted: will be sent again"
    if entry.next_attempt_at > datetime.now().timestamp():
        return f"Will retry at {datetime.fromtimestamp(entry.next_attempt_at):%H:%M:%S}"
    return "Waiting to be sent"


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # a server's reason is text, never markup
    label.setWordWrap(True)
    return label


class OutboxDialog(QDialog):
    def __init__(self, review: OutboxReview, dialogs: OpenDialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changes waiting to be sent")
        self.review = review
        self.dialogs = dialogs
        self.tasks = WidgetTasks()
        self.shown: list[ReviewedEntry] = []
        self._filled_for: int | None = None  # the entry whose reference the field was given
        self.summary = _plain("Reading the outbox…")
        self.summary.setAccessibleName("Summary")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Changes waiting to be sent")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.currentCellChanged.connect(lambda *_: self._chosen())
        self.tracking = QLineEdit()
        self.tracking.setAccessibleName("Tracking reference to send")
        self.tracking.setPlaceholderText("the reference on the courier label")
        self.problem = _plain("")
        self.problem.setAccessibleName("Problem")
        self.problem.setStyleSheet(warning_style())
        self.send_again = QPushButton("&Send again")
        self.send_again.setAccessibleName("Send again")
        self.send_again.clicked.connect(self.send_chosen)
        self.discard = QPushButton("&Discard…")
        self.discard.setAccessibleName("Discard")
        self.discard.clicked.connect(self.discard_chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.send_again, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.discard, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Tracking reference:", self.tracking)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(960, 440)
        self._chosen()
        review.watch(self._settled)
        self.finished.connect(self._closed)
        self.tasks.run(self.reload())

    def _settled(self, event: OutboxEvent) -> None:
        self.tasks.run(self.reload())  # the sender confirmed, refused or deferred one

    def _closed(self) -> None:
        self.review.unwatch(self._settled)
        self.tasks.cancel_all()

    async def reload(self) -> None:
        chosen = self.chosen()
        self.shown = await self.review.entries()
        attention = sum(r.entry.state is OutboxState.ATTENTION for r in self.shown)
        self.summary.setText(
            f"{len(self.shown)} change(s) saved on this station and not yet confirmed by Smart "
            f"Gift; {attention} need(s) attention." if self.shown
            else "Nothing is waiting: Smart Gift has confirmed every change.")
        self.table.setRowCount(len(self.shown))
        for row, reviewed in enumerate(self.shown):
            entry = reviewed.entry
            values = (reviewed.order_reference or f"job {entry.job_id}", entry.status,
                      entry.tracking_reference or "", state_text(reviewed), str(entry.attempts),
                      entry.last_error)
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if entry.state is OutboxState.ATTENTION and column == 3:
                    item.setForeground(warning_colour())
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        keep = next((i for i, r in enumerate(self.shown)
                     if chosen and r.entry.id == chosen.entry.id), 0 if self.shown else -1)
        if keep >= 0:
            self.table.selectRow(keep)
        self._chosen()

    def chosen(self) -> ReviewedEntry | None:
        row = self.table.currentRow()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def _chosen(self) -> None:
        reviewed = self.chosen()
        entry = reviewed.entry if reviewed else None
        busy = entry is not None and entry.lease_live()
        dispatch = entry is not None and entry.status == "dispatched"
        self.tracking.setEnabled(dispatch and not busy)
        if (entry.id if entry else None) != self._filled_for:
            # Only when another entry is chosen: a redraw never loses what is being typed.
            self._filled_for = entry.id if entry else None
            self.tracking.setText((entry.tracking_reference or "") if entry and dispatch else "")
        self.send_again.setEnabled(entry is not None and not busy)
        self.discard.setEnabled(entry is not None and not busy)

    def send_chosen(self) -> None:
        reviewed = self.chosen()
        if reviewed is not None:
            typed = self.tracking.text().strip()
            tracking = typed if reviewed.entry.status == "dispatched" else None
            self.tasks.run(self._send(reviewed, tracking))

    async def _send(self, reviewed: ReviewedEntry, tracking: str | None) -> None:
        try:
            await self.review.retry(reviewed.entry.id, tracking)
        except (InvalidChange, LeaseHeld) as exc:
            self.problem.setText(f"{exc} Nothing was changed.")
            return
        self.problem.setText("")
        await self.reload()

    def discard_chosen(self) -> None:
        reviewed = self.chosen()
        if reviewed is None:
            return
        entry = reviewed.entry
        what = reviewed.order_reference or f"job {entry.job_id}"
        self.dialogs.ask(self, f"Discard “{entry.status}” for order {what}? It will not be "
                         "sent; Smart Gift keeps whatever it has for the order now.",
                         lambda: self.tasks.run(self._discard(reviewed)))

    async def _discard(self, reviewed: ReviewedEntry) -> None:
        try:
            await self.review.discard(reviewed.entry.id)
        except LeaseHeld as exc:
            self.problem.setText(str(exc))
            return
        self.problem.setText("")
        await self.reload()
