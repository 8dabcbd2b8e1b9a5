"""The POS orders this station sent, newest first: what was sold, and what needs a look.

An order whose answer was lost may or may not exist in Smart Gift; it is
listed as such so a manager can check the dashboard before anyone sends it
again.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from packstation.store.pos_orders import OrderState, PosOrderRecord
from packstation.ui.palette import warning_colour
from packstation.ui.plain import plain

COLUMNS = ("Sent", "Outcome", "Order reference", "Voucher codes", "Customer", "Vouchers",
           "Your order id", "Detail")
OUTCOMES = {
    OrderState.CREATED: "Created",
    OrderState.UNKNOWN: "Answer lost: check the dashboard",
    OrderState.SENDING: "No answer: check the dashboard",
    OrderState.REFUSED: "Refused (not created)",
    OrderState.NOT_SENT: "Not sent",
}


class RecentOrdersDialog(QDialog):
    def __init__(self, records: list[PosOrderRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recent orders")
        doubtful = sum(r.state in (OrderState.UNKNOWN, OrderState.SENDING) for r in records)
        summary = f"{len(records)} order(s) sent from this station, newest first."
        if doubtful:
            summary += (f" {doubtful} got no answer: they may exist in Smart Gift; look for "
                        "them in the dashboard before sending them again.")
        self.summary = plain(QLabel(summary))
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(records), len(COLUMNS))
        self.table.setAccessibleName("Recent orders")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, record in enumerate(records):
            request = record.request
            customer = request.get("customer") if isinstance(request, dict) else None
            items = request.get("items") if isinstance(request, dict) else None
            values = (
                f"{record.created_at.astimezone():%d/%m/%Y %H:%M}",
                OUTCOMES.get(record.state, record.state.value),
                record.order_reference or "",
                " ".join(record.voucher_codes),
                str(customer.get("email", "")) if isinstance(customer, dict) else "",
                str(len(items)) if isinstance(items, list) else "",
                record.order_id or "",
                record.detail,
            )
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == 1 and record.state in (OrderState.UNKNOWN, OrderState.SENDING):
                    item.setForeground(warning_colour())
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 420)
