"""The courier in the window (issue 20): the slot choice (BOOK or Ctrl+K), the job's booking
in its view, and a booked job that Smart Gift cancelled flagged. The booking is the
station's ``CourierDesk``; slots are asked and bookings read in its tasks, never here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from packstation.api import ApiError, Job
from packstation.api.fields import uk_zone
from packstation.courier.desk import CourierDesk, describe
from packstation.courier.models import Slot
from packstation.plaintext import cell
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.palette import warning_style
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks


class SlotDialog(QDialog):
    """The courier's slots for one job, soonest first; the chosen one is booked."""

    chosen = Signal(object)  # the Slot

    def __init__(self, job: Job, desk: CourierDesk, tasks: WidgetTasks, reason: str = "",
                 offered: tuple[Slot, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job, self.desk, self.tasks = job, desk, tasks
        self.offered = offered[0] if offered else None
        self.slots: list[Slot] = []
        order = job.order_reference or str(job.id)
        self.setWindowTitle(f"Book the courier: order {cell(order)}")
        address = job.delivery_address
        where = ", ".join(address.label_lines()) if address else "(no address)"
        heading = plain(QLabel(f"Order {order} to {where}"))
        heading.setWordWrap(True)
        heading.setAccessibleName("Job")
        self.reason = plain(QLabel(reason))
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Why")
        self.reason.setStyleSheet(warning_style())
        self.reason.setVisible(bool(reason))
        self.list = QListWidget()
        self.list.setAccessibleName("Slots")
        self.list.itemDoubleClicked.connect(lambda _: self.book())
        self.state = plain(QLabel("Asking the courier for slots…"))
        self.state.setWordWrap(True)
        self.state.setAccessibleName("State")
        self.book_button = QPushButton("&Book and dispatch")
        self.book_button.setDefault(True)
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(self.book)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.book_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.reason)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.state)
        layout.addLayout(buttons)
        self.resize(560, 420)
        self.tasks.run(self._load(list(offered)))

    async def _load(self, offered: list[Slot]) -> None:
        """The slots offered (asked just now, after a slot expired), or asked now."""
        try:
            slots = offered or await self.desk.slots(self.job)
        except ApiError as exc:
            self.state.setText(f"The courier's slots could not be had: {exc}")
            return
        self.slots = slots
        self.list.clear()
        for slot in slots:
            held = f" (held until {slot.expires_at.astimezone(uk_zone()):%H:%M})" \
                if slot.expires_at else ""  # UK time, as the slots themselves
            item = QListWidgetItem(cell(f"{slot.describe()}{held}"))
            item.setData(Qt.ItemDataRole.UserRole, slot.id)
            self.list.addItem(item)
        if not slots:
            self.state.setText("The courier offers no slot before this job's leave-by day.")
            return
        wanted = self.offered.id if self.offered is not None else slots[0].id
        row = next((i for i, s in enumerate(slots) if s.id == wanted), 0)
        self.list.setCurrentRow(row)
        self.list.setFocus()
        self.state.setText(f"{len(slots)} slot(s). The courier holds each for a while only: "
                           "book soon.")
        self.book_button.setEnabled(True)

    def selected(self) -> Slot | None:
        row = self.list.currentRow()
        return self.slots[row] if 0 <= row < len(self.slots) else None

    def book(self) -> None:
        slot = self.selected()
        if slot is not None:
            self.chosen.emit(slot)
            self.accept()


Book = Callable[[Job, Slot | None, bool], None]  # the scan desk's: (job, slot, again)


class CourierBench:
    """Ctrl+K and the slot choice; the job view's courier line; flags for booked jobs
    cancelled since."""

    def __init__(self, desk: CourierDesk, tasks: WidgetTasks, dialogs: OpenDialogs,
                 window: QWidget, line: Callable[[str | None], None],
                 flag: Callable[[str], None], book: Book,
                 in_hand: Callable[[], Job | None]) -> None:
        self.desk, self.tasks, self.dialogs, self.window = desk, tasks, dialogs, window
        self.line, self.flag, self._book, self._in_hand = line, flag, book, in_hand
        self._shown: int | None = None
        self._flagged: set[str] = set()

    def book_in_hand(self) -> None:
        """Ctrl+K: as a scan of BOOK (the slots shown, or the earliest booked)."""
        job = self._in_hand()
        if job is None:
            self.flag("No job in hand: scan an order first, then BOOK (or Ctrl+K).")
            return
        self._book(job, None, False)

    def choose(self, job: Job, offered: tuple[Slot, ...], reason: str, again: bool
               ) -> SlotDialog:
        dialog = SlotDialog(job, self.desk, self.tasks, reason if offered else "", offered,
                            self.window)
        dialog.chosen.connect(lambda slot: self._book(job, slot, again))
        self.dialogs.show(dialog)
        return dialog

    def show_job(self, job: Job | None) -> None:
        """The line for ``job``: its booking, or that BOOK books it (read in a worker)."""
        self._shown = job.id if job is not None else None
        if job is None or not self.desk.for_courier(job):
            self.line(None)
            return
        self.line("Goes by the courier: scan BOOK or press Ctrl+K to book and dispatch it."
                  if job.status == "pending" else "Goes by the courier.")
        self.tasks.run(self._read(job))

    async def _read(self, job: Job) -> None:
        booking = await self.desk.booking(job)
        if booking is None or self._shown != job.id:
            return
        text = describe(booking)
        if job.status == "cancelled" and booking.state.live:
            text = f"{text}. This job was cancelled: cancel the courier's job with the courier."
        self.line(text)

    def jobs_changed(self) -> None:
        """After a sync: a booked job cancelled since (or a second courier job) said once."""
        self.tasks.run(self._check())

    async def _check(self) -> None:
        flags = await self.desk.flags()
        fresh = [f for f in flags if f not in self._flagged]
        self._flagged.update(fresh)
        if fresh:
            self.flag(" ".join(fresh[:3]) + (f" (and {len(fresh) - 3} more)"
                                             if len(fresh) > 3 else ""))
