"""One job in full: the address as a UK label, the people, the delivery, every voucher."""

from __future__ import annotations

import json
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from packstation.api import Job
from packstation.formats import pounds, uk_time
from packstation.station_views import VoucherPdfs
from packstation.tracking.reading import recognised
from packstation.ui.plain import plain, safe_link, tooltip
from packstation.ui.text_scale import enlarged
from packstation.ui.voucher_preview import VoucherPreview

VOUCHER_COLUMNS = ("✓", "Name", "Type", "Value", "Persons", "Valid from", "Valid until",
                   "Code", "To", "From", "Message")


def tracking_text(reference: str | None) -> str:
    """The reference (escaped), its carrier and tracking link where the data has one."""
    if not reference:
        return "—"
    number = recognised(reference)
    if number is None:
        return escape(reference)
    link = safe_link(number.link, "track it")
    return f"{escape(reference)} · {escape(number.carrier_name)}{f' ({link})' if link else ''}"


class JobView(QWidget):
    def __init__(self, pdfs: VoucherPdfs | None = None) -> None:
        super().__init__()
        self.job: Job | None = None
        self.preview = VoucherPreview(pdfs)
        self.address = plain(QLabel())
        self.address.setAccessibleName("Delivery address")
        enlarged(self.address, 1.4)
        self.copy_button = QPushButton("Copy address")
        self.copy_button.clicked.connect(self.copy_address)
        self.fields: dict[str, QLabel] = {}
        form = self.form = QFormLayout()
        for key, label in (("order", "Order"), ("tracking", "Tracking"), ("status", "Status"),
                           ("customer", "Customer"), ("company", "Company"),
                           ("delivery", "Delivery"), ("option", "Option"),
                           ("received", "Received"), ("due", "Delivery date"),
                           ("dispatched", "Dispatched"), ("tickets", "Tickets"),
                           ("courier", "Courier")):
            value = plain(QLabel())
            value.setWordWrap(True)
            value.setAccessibleName(label)
            if key in ("company", "tracking"):  # rich: escaped text, an https link only
                value.setTextFormat(Qt.TextFormat.RichText)
                value.setOpenExternalLinks(True)
            self.fields[key] = value
            form.addRow(f"{label}:", value)
        self.vouchers = QTableWidget(0, len(VOUCHER_COLUMNS))
        self.vouchers.setAccessibleName("Vouchers")
        self.vouchers.setHorizontalHeaderLabels(VOUCHER_COLUMNS)
        self.vouchers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.vouchers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.vouchers.setWordWrap(False)
        self.vouchers.verticalHeader().setDefaultSectionSize(
            self.vouchers.fontMetrics().height() + 8)
        self.vouchers.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.vouchers.currentCellChanged.connect(lambda row, *_: self._voucher_chosen(row))
        # A long message is read here in full, not squeezed into a table cell.
        self.message = plain(QLabel())
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Voucher message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        address_box = QGroupBox("Deliver to")
        address_layout = QHBoxLayout(address_box)
        address_layout.addWidget(self.address, 1)
        address_layout.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()  # the label beside the details: room below for the vouchers
        address_layout.setDirection(QHBoxLayout.Direction.TopToBottom)
        top.addWidget(address_box, 2)
        top.addLayout(form, 3)
        layout.addLayout(top)
        vouchers = QWidget()
        vouchers_layout = QVBoxLayout(vouchers)
        vouchers_layout.setContentsMargins(0, 0, 0, 0)
        vouchers_layout.addWidget(self.vouchers, 1)
        vouchers_layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(vouchers)
        split.addWidget(self.preview)
        split.setSizes([180, 320])
        layout.addWidget(split, 1)
        self.show_job(None)
        self.show_courier(None)

    def show_job(self, job: Job | None, verified: set[int] | None = None) -> None:
        self.job = job
        self.copy_button.setEnabled(job is not None)
        if job is None:
            self.address.setText("Scan an order, or pick one from the queue.")
            for value in self.fields.values():
                value.clear()
            self.vouchers.setRowCount(0)
            self.message.clear()
            self.preview.show_voucher(None)
            return
        lines = job.delivery_address.label_lines() if job.delivery_address else []
        self.address.setText("\n".join(lines) or "(no address)")
        company = job.company
        link = safe_link(company.terms_url, "terms") if company else ""
        terms = f" ({link})" if link else ""
        values = {
            "order": job.order_reference or str(job.id),
            "tracking": tracking_text(job.tracking_reference),
            "status": job.status,
            "customer": " · ".join(p for p in (job.customer_name, job.customer_email,
                                               job.customer_phone) if p),
            "company": f"{escape(company.name or '')}{terms}" if company else "",
            "delivery": " — ".join(p for p in (job.delivery_method_name,
                                               job.delivery_method_description) if p),
            "option": " — ".join(p for p in (job.option_name, job.option_description) if p),
            "received": uk_time(job.received_at),
            "due": uk_time(job.delivery_date),
            "dispatched": uk_time(job.dispatched_at),
            "tickets": "; ".join(json.dumps(dict(t), ensure_ascii=False, default=str)
                                 for t in job.tickets) or "none",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        self.show_vouchers(job, verified or set())

    def show_courier(self, text: str | None) -> None:
        """The job's courier booking (None: its method is not booked with the courier)."""
        self.fields["courier"].setText(text or "")
        self.form.setRowVisible(self.fields["courier"], text is not None)

    def show_vouchers(self, job: Job, verified: set[int]) -> None:
        self.vouchers.setRowCount(len(job.vouchers))
        for row, voucher in enumerate(job.vouchers):
            cells = ("✓" if voucher.id in verified else "", voucher.name, voucher.type,
                     pounds(voucher.value) if voucher.value is not None else "",
                     str(voucher.persons or ""), uk_time(voucher.valid_from),
                     uk_time(voucher.valid_until), voucher.code, voucher.to, voucher.sender,
                     voucher.message)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text or "")
                if column == len(cells) - 1 and text:
                    item.setToolTip(tooltip(text))
                self.vouchers.setItem(row, column, item)
        self._voucher_chosen(max(self.vouchers.currentRow(), 0))

    def _voucher_chosen(self, row: int) -> None:
        self._show_message(row)
        in_range = self.job is not None and 0 <= row < len(self.job.vouchers)
        self.preview.show_voucher(self.job.vouchers[row] if self.job and in_range else None)

    def _show_message(self, row: int) -> None:
        if self.job is None or not 0 <= row < len(self.job.vouchers):
            self.message.clear()
            return
        voucher = self.job.vouchers[row]
        self.message.setText(f"Message on voucher {voucher.code}: “{voucher.message}”"
                             if voucher.message else f"Voucher {voucher.code}: no message.")

    def copy_address(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if self.job is not None and clipboard is not None:
            clipboard.setText(self.address.text())
