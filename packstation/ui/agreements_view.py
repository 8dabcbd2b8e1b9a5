"""The provider's fulfilment agreements: New, Sent, Active, Cancelled, with counts.

``AgreementsView`` (beside the job queue) lists them; ``AgreementDetail`` (where
the job view is) shows one in full with what can be done with it. Both draw
from an ``AgreementBook`` and never make a request themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from packstation.api import Agreement
from packstation.api.models import AGREEMENT_STATUSES
from packstation.formats import pounds, uk_time
from packstation.ui.plain import plain
from packstation.ui.text_scale import enlarged

Index = QModelIndex | QPersistentModelIndex
AGREEMENT_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_NAMES = {"new": "New", "sent": "Sent", "active": "Active", "cancelled": "Cancelled"}
PRICE_TYPE_NAMES = {"per_order": "per order", "per_item": "per item"}


def price_text(agreement: Agreement) -> str:
    if agreement.price is None or agreement.price_type not in PRICE_TYPE_NAMES:
        return "not set"
    return f"{pounds(agreement.price)} {PRICE_TYPE_NAMES[agreement.price_type]}"


def when(value: datetime | None) -> str:
    return uk_time(value) or "—"


class AgreementTableModel(QAbstractTableModel):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "Company", "Contact", "Email", "Phone", "Delivery method", "Fulfilment option",
        "Price", "Initiated", "Priced", "Accepted", "Terminated")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Agreement] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

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
        agreement = self._rows[index.row()]
        if role == AGREEMENT_ROLE:
            return agreement
        if role == Qt.ItemDataRole.DisplayRole:
            return (agreement.company_name or "", agreement.contact_name or "",
                    agreement.contact_email or "", agreement.company_phone or "",
                    agreement.delivery_method_name or "",
                    agreement.fulfilment_option_name or "", price_text(agreement),
                    uk_time(agreement.initiated_at), uk_time(agreement.priced_at),
                    uk_time(agreement.accepted_at),
                    uk_time(agreement.terminated_at))[index.column()]
        return None

    def set_agreements(self, agreements: Iterable[Agreement]) -> None:
        self.beginResetModel()  # a handful of rows: a reset is cheap and keeps this simple
        self._rows = list(agreements)
        self.endResetModel()

    def row_of(self, agreement_id: int) -> int | None:
        return next((i for i, a in enumerate(self._rows) if a.id == agreement_id), None)


class _StatusFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = AGREEMENT_STATUSES[0]

    def set_status(self, status: str) -> None:
        self.beginFilterChange()
        self.status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        agreement = self.sourceModel().index(row, 0, parent).data(AGREEMENT_ROLE)
        return isinstance(agreement, Agreement) and agreement.status == self.status


class AgreementsView(QWidget):
    """The list, one status at a time; says which agreement is current."""

    current_changed = Signal(object)  # Agreement | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AgreementTableModel(self)
        self.proxy = _StatusFilter(self)
        self.proxy.setSourceModel(self.model)
        self.tabs = QTabBar()
        self.tabs.setAccessibleName("Agreement states")
        for status in AGREEMENT_STATUSES:
            self.tabs.addTab(STATUS_NAMES[status])
        self.tabs.currentChanged.connect(self._status_chosen)
        self.table = QTableView()
        self.table.setAccessibleName("Agreements")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.selectionModel().currentRowChanged.connect(
            lambda *_: self.current_changed.emit(self.current()))
        self.state = plain(QLabel("Agreements have not been fetched yet."))
        self.state.setAccessibleName("Agreements state")
        self.state.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state)
        layout.addWidget(self.tabs)
        layout.addWidget(self.table, 1)

    def _status_chosen(self, index: int) -> None:
        self.proxy.set_status(AGREEMENT_STATUSES[index])
        if self.proxy.rowCount():
            self.table.selectRow(0)
        else:
            self.current_changed.emit(None)

    def show_agreements(self, agreements: list[Agreement], counts: dict[str, int]) -> None:
        keep = self.current()
        first = not self.model.rowCount()
        self.model.set_agreements(agreements)
        if first:
            self.table.resizeColumnsToContents()
        for i, status in enumerate(AGREEMENT_STATUSES):
            self.tabs.setTabText(i, f"{STATUS_NAMES[status]} ({counts.get(status, 0)})")
        if keep is not None and not self.select(keep.id, follow=False):
            keep = None
        if keep is None and self.proxy.rowCount():
            self.table.selectRow(0)
        self.current_changed.emit(self.current())

    def select(self, agreement_id: int, *, follow: bool = True) -> bool:
        """Select it; with ``follow``, switch to its state's tab if it is not shown."""
        row = self.model.row_of(agreement_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            if not follow:
                return False
            agreement = self.model.index(row, 0).data(AGREEMENT_ROLE)
            self.tabs.setCurrentIndex(AGREEMENT_STATUSES.index(agreement.status))
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        return True

    def current(self) -> Agreement | None:
        index = self.table.currentIndex()
        agreement = index.data(AGREEMENT_ROLE) if index.isValid() else None
        return agreement if isinstance(agreement, Agreement) else None


class AgreementDetail(QWidget):
    """One agreement in full, and the two things a provider can do with it."""

    price_requested = Signal(object)  # Agreement
    terminate_requested = Signal(object)  # Agreement

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agreement: Agreement | None = None
        self.heading = plain(QLabel("No agreement selected."))
        self.heading.setAccessibleName("Agreement")
        self.heading.setWordWrap(True)
        enlarged(self.heading, 1.3)
        self.hint = plain(QLabel())
        self.hint.setAccessibleName("What happens next")
        self.hint.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (("status", "State"), ("company", "Company"),
                           ("contact", "Contact"), ("email", "Email"), ("phone", "Phone"),
                           ("method", "Delivery method"), ("option", "Fulfilment option"),
                           ("price", "Price"), ("initiated", "Initiated"),
                           ("priced", "Priced"), ("accepted", "Accepted"),
                           ("terminated", "Terminated")):
            value = plain(QLabel())
            value.setWordWrap(True)
            value.setAccessibleName(label)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(f"{label}:", value)
        self.price_button = QPushButton("Price…")
        self.price_button.clicked.connect(lambda: self.price_requested.emit(self.agreement))
        self.terminate_button = QPushButton("Terminate…")
        self.terminate_button.clicked.connect(
            lambda: self.terminate_requested.emit(self.agreement))
        buttons = QHBoxLayout()
        buttons.addWidget(self.price_button)
        buttons.addWidget(self.terminate_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.show_agreement(None)

    def show_agreement(self, agreement: Agreement | None) -> None:
        self.agreement = agreement
        self.price_button.setEnabled(agreement is not None and agreement.status in ("new", "sent"))
        self.terminate_button.setEnabled(agreement is not None
                                         and agreement.status != "cancelled")
        if agreement is None:
            self.heading.setText("No agreement selected.")
            self.hint.clear()
            for value in self.fields.values():
                value.clear()
            return
        self.heading.setText(f"{agreement.company_name or 'Unnamed company'}: "
                             f"{agreement.delivery_method_name or 'delivery method unknown'}")
        self.hint.setText({
            "new": "Waiting for your price. The customer cannot use this delivery method "
                   "until you price it and they accept.",
            "sent": "Priced: waiting for the customer to accept. You can still change the "
                    "price.",
            "active": "Active: this customer's orders by this method come to you.",
            "cancelled": "Terminated: a new agreement must be requested by the customer.",
        }.get(agreement.status, f"State: {agreement.status}"))
        values = {
            "status": STATUS_NAMES.get(agreement.status, agreement.status),
            "company": agreement.company_name or "—",
            "contact": agreement.contact_name or "—",
            "email": agreement.contact_email or "—",
            "phone": agreement.company_phone or "—",
            "method": agreement.delivery_method_name or "—",
            "option": agreement.fulfilment_option_name or "—",
            "price": price_text(agreement),
            "initiated": when(agreement.initiated_at),
            "priced": when(agreement.priced_at),
            "accepted": when(agreement.accepted_at),
            "terminated": when(agreement.terminated_at),
        }
        for key, text in values.items():
            self.fields[key].setText(text)
