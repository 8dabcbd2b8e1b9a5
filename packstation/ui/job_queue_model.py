"""The job queue as a Qt table model, and the proxy that filters it by status and search.

Updates are applied in place (``upsert``): rows change or are added without a
reset, so the packer's selection and scroll position survive a background sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from packstation.api import Job
from packstation.formats import pounds, uk_time
from packstation.leave_by import LeaveByRule, Urgency, uk_today
from packstation.ui.palette import due_colour, warning_colour

Index = QModelIndex | QPersistentModelIndex
JOB_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_VIEWS = ("pending", "dispatched", "delivered", "cancelled", "all")
LEAVE_BY = 11  # the column; shown first (QueuePanel moves it), the queue's order
_INSERT_ONE_BY_ONE = 20  # new rows from a sync; more (a page loading): one sort
_URGENT_TEXT = {Urgency.OVERDUE: "OVERDUE ", Urgency.TODAY: "TODAY "}
_URGENT_TIP = {Urgency.OVERDUE: "Overdue: its leave-by day has passed. Pack and dispatch it"
                                " first.",
               Urgency.TODAY: "Must leave today."}


def age_text(received: datetime | None, now: datetime) -> str:
    if received is None:
        return ""
    minutes = int((now - received).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d"


def search_text(job: Job) -> str:
    address = job.delivery_address
    parts = [job.order_reference, job.customer_name, job.tracking_reference, str(job.id),
             address.recipient if address else None, address.postcode if address else None,
             (address.postcode or "").replace(" ", "") if address else None,
             *(v.code for v in job.vouchers)]
    return " ".join(p for p in parts if p).lower()


class JobQueueModel(QAbstractTableModel):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "Order", "Company", "Option", "Recipient", "Postcode", "Vouchers", "Value",
        "Delivery", "Received", "Age", "Packing at", "Leave by")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._row_of: dict[int, int] = {}
        self._search: list[str] = []
        self._held: dict[int, str] = {}  # job id -> another station of the site holding it
        self.now = datetime.now(UTC)
        self.rule = LeaveByRule()  # the settings' (set_rule)
        self.sort_column, self.sort_order = LEAVE_BY, Qt.SortOrder.AscendingOrder

    # -- Qt's model interface --------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        column = index.column()
        if role == JOB_ROLE:
            return job
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if column == LEAVE_BY:
            urgency = self.urgency(job)
            if urgency in _URGENT_TIP:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return _URGENT_TIP[urgency]
                if role == Qt.ItemDataRole.ForegroundRole:
                    return warning_colour() if urgency is Urgency.OVERDUE else due_colour()
                if role == Qt.ItemDataRole.FontRole:  # and in words: not by colour alone
                    font = QFont()
                    font.setBold(True)
                    return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, job: Job, column: int) -> str:
        address = job.delivery_address
        if column == 0:
            return job.order_reference or str(job.id)
        if column == 1:
            return (job.company.name or "") if job.company else ""
        if column == 2:
            return job.option_name or ""
        if column == 3:
            return address.recipient if address else ""
        if column == 4:
            return (address.postcode or "") if address else ""
        if column == 5:
            return str(len(job.vouchers))
        if column == 6:
            return pounds(job.total_value)
        if column == 7:
            return uk_time(job.delivery_date)
        if column == LEAVE_BY:
            day = self.rule.leave_by(job)
            return "" if day is None else \
                _URGENT_TEXT.get(self.urgency(job), "") + day.strftime("%a %d %b")
        if column == 8:
            return uk_time(job.received_at)
        if column == 10:
            return self._held.get(job.id, "")
        return age_text(job.received_at, self.now)

    def urgency(self, job: Job) -> Urgency:
        """Overdue or due today, for a pending job (one gone has left)."""
        if job.status != "pending":
            return Urgency.LATER
        return self.rule.urgency(job, uk_today(self.now))

    def due_counts(self) -> tuple[int, int]:
        """(due today, overdue) among the pending jobs."""
        today = overdue = 0
        for job in self._jobs:
            urgency = self.urgency(job)
            today += urgency is Urgency.TODAY
            overdue += urgency is Urgency.OVERDUE
        return today, overdue

    def new_minute(self) -> bool:
        """The clock moved on (asked every second): ages redrawn once a minute; True when
        the UK day changed, so what is due today or overdue has changed too."""
        now = datetime.now(UTC)
        if (now - self.now).total_seconds() < 60:
            return False
        day_changed = uk_today(now) != uk_today(self.now)
        self.now = now
        if self._jobs:
            self.dataChanged.emit(self.index(0, 9), self.index(len(self._jobs) - 1, LEAVE_BY))
        return day_changed

    def set_rule(self, rule: LeaveByRule) -> None:
        """New settings (region, transit days): the queue put in its new order."""
        self.rule = rule
        self.sort(self.sort_column, self.sort_order)

    def _sort_value(self, job: Job, column: int) -> Any:
        if column == LEAVE_BY:
            return self.rule.order_key(job)
        stamp = {7: job.delivery_date, 8: job.received_at, 9: job.received_at}.get(column)
        if column in (7, 8, 9):
            return stamp.timestamp() if stamp else float("inf")
        if column == 5:
            return len(job.vouchers)
        if column == 6:
            return float(job.total_value)
        return self._display(job, column).lower()

    # -- our interface ---------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Rows kept in order here, with one keyed Python sort (~10 ms for 10,000 jobs):
        a sorting proxy would call back into Python for every comparison (~1 s)."""
        self.sort_column, self.sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        pairs = sorted(zip(self._jobs, self._search, strict=True),
                       key=lambda pair: self._sort_value(pair[0], column),
                       reverse=order == Qt.SortOrder.DescendingOrder)
        self._jobs = [job for job, _ in pairs]
        self._search = [text for _, text in pairs]
        self._row_of = {job.id: row for row, job in enumerate(self._jobs)}
        self.layoutChanged.emit()

    def set_held(self, held: dict[int, str]) -> None:
        """Which other station of the site has which job in hand ("Packing at")."""
        if held == self._held:
            return
        changed = set(held) ^ set(self._held) | {j for j in held if held[j] != self._held.get(j)}
        self._held = dict(held)
        for job_id in changed:
            row = self._row_of.get(job_id)
            if row is not None:
                index = self.index(row, 10)
                self.dataChanged.emit(index, index)

    def in_order(self, jobs: Iterable[Job]) -> list[Job]:
        return sorted(jobs, key=lambda job: self._sort_value(job, self.sort_column),
                      reverse=self.sort_order == Qt.SortOrder.DescendingOrder)

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        self.beginResetModel()
        self._jobs = self.in_order(jobs)
        self._row_of = {job.id: row for row, job in enumerate(self._jobs)}
        self._search = [search_text(job) for job in self._jobs]
        self.endResetModel()

    def upsert(self, jobs: Iterable[Job]) -> None:
        """Change rows in place and add new ones, each where the queue's order puts it:
        selection and scroll stay put. A big batch (a page of the queue loading) is added
        at the end and the rows put in order once."""
        new: list[Job] = []
        moved = False
        column = self.sort_column
        for job in jobs:
            row = self._row_of.get(job.id)
            if row is None:
                new.append(job)
                continue
            moved = moved or self._sort_value(self._jobs[row], column) \
                != self._sort_value(job, column)
            self._jobs[row] = job
            self._search[row] = search_text(job)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        if new and not moved and len(new) <= _INSERT_ONE_BY_ONE:
            for job in new:
                self._insert_in_order(job)
        elif new:
            start = len(self._jobs)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for offset, job in enumerate(new):
                self._jobs.append(job)
                self._row_of[job.id] = start + offset
                self._search.append(search_text(job))
            self.endInsertRows()
            moved = True
        if moved:
            self.sort(self.sort_column, self.sort_order)

    def _insert_in_order(self, job: Job) -> None:
        key = self._sort_value(job, self.sort_column)
        ascending = self.sort_order != Qt.SortOrder.DescendingOrder
        keys = (self._sort_value(other, self.sort_column) for other in self._jobs)
        row = next((r for r, other in enumerate(keys) if (other > key if ascending
                                                           else other < key)),
                   len(self._jobs))  # after any equal key
        self.beginInsertRows(QModelIndex(), row, row)
        self._jobs.insert(row, job)
        self._search.insert(row, search_text(job))
        self._row_of = {j.id: r for r, j in enumerate(self._jobs)}
        self.endInsertRows()

    def job(self, row: int) -> Job:
        return self._jobs[row]

    def row_of(self, job_id: int) -> int | None:
        return self._row_of.get(job_id)

    def counts(self) -> dict[str, int]:
        found = {view: 0 for view in STATUS_VIEWS}
        for job in self._jobs:
            if job.status in found:
                found[job.status] += 1
        found["all"] = len(self._jobs)
        return found


class JobFilterProxy(QSortFilterProxyModel):
    """One status view (or all) and a search over references, names, postcode, codes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = "pending"
        self._terms: list[str] = []  # the source model keeps the order; this only filters
        self._jobs_model: JobQueueModel | None = None
        self._decided: list[bool] | None = None  # every row, worked out once per refilter

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        assert isinstance(model, JobQueueModel)
        self._jobs_model = model
        super().setSourceModel(model)

    def _refilter(self, change: Callable[[], None]) -> None:
        # Qt asks filterAcceptsRow once per row: the answers are worked out in one
        # Python pass first, so each of the 10,000 questions is a list lookup.
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 replaced invalidateRowsFilter()
            self.beginFilterChange()
            change()
            self._decided = self._decide_all()
            try:
                self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            finally:
                self._decided = None
        else:
            change()
            self._decided = self._decide_all()
            try:
                self.invalidateRowsFilter()
            finally:
                self._decided = None

    def _decide_all(self) -> list[bool]:
        model = self._jobs_model
        if model is None:
            return []
        status, terms = self._status, self._terms
        return [(status == "all" or job.status == status)
                and all(term in blob for term in terms)
                for job, blob in zip(model._jobs, model._search, strict=True)]

    def set_status(self, status: str) -> None:
        self._refilter(lambda: setattr(self, "_status", status))

    def set_search(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_terms", text.lower().split()))

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        decided = self._decided
        if decided is not None and source_row < len(decided):
            return decided[source_row]
        model = self._jobs_model  # a row added or changed since: decided on its own
        assert model is not None
        job = model.job(source_row)
        if self._status != "all" and job.status != self._status:
            return False
        blob = model._search[source_row]
        return all(term in blob for term in self._terms)
