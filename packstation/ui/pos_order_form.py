"""The parts of the New order form: a voucher, the customer, the delivery.

Each part turns what was typed into the ``/pos-sale`` request's piece and
keeps a message label per field, named by the request's own field path, so a
problem (ours or Smart Gift's 422) is shown where it belongs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from packstation.api.pos import PosCustomer, PosDelivery, PosItem
from packstation.formats import read_price
from packstation.ui.field_messages import message_label, with_message
from packstation.ui.plain import plain

MONETARY, EXPERIENCE = 0, 1


def _text(editor: QLineEdit) -> str | None:
    return editor.text().strip() or None


def id_box(name: str) -> QSpinBox:
    """A Smart Gift id: blank ("—") until one is typed."""
    box = QSpinBox()
    box.setRange(0, 2_000_000_000)
    box.setSpecialValueText("—")
    box.setAccessibleName(name)
    return box


class _Part(QGroupBox):
    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.form = QFormLayout(self)
        self.messages: dict[str, QLabel] = {}  # by field path inside this part
        self.texts: list[QLineEdit] = []

    def clear(self) -> None:
        for editor in self.texts:
            editor.clear()

    def _row(self, label: str, field: str, editor: QWidget) -> None:
        if isinstance(editor, QLineEdit):
            self.texts.append(editor)
        if not editor.accessibleName():
            editor.setAccessibleName(label.rstrip(":* "))
        self.messages[field] = message_label(label.rstrip(":* ").lower())
        self.form.addRow(label, with_message(editor, self.messages[field]))


class ItemEditor(_Part):
    """One voucher of the order."""

    remove_requested = Signal(object)

    def __init__(self, number: int) -> None:
        super().__init__("")
        self.voucher_id = id_box("Voucher id")
        self.kind = QComboBox()
        self.kind.addItems(["Monetary: you set the price", "Experience: priced by Smart Gift"])
        self.kind.setAccessibleName("Voucher kind")
        self.price = QLineEdit()
        self.price.setPlaceholderText("25.00")
        self.price.setAccessibleName("Price in pounds")
        self.persons = QSpinBox()
        self.persons.setRange(1, 99)
        self.persons.setAccessibleName("Persons")
        self.to = QLineEdit()
        self.from_name = QLineEdit()
        self.message = QLineEdit()
        self.code = QLineEdit()
        self.code.setPlaceholderText("Blank: Smart Gift makes one. Letters and digits only.")
        self.remove = QPushButton("Remove this voucher")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self._row("Voucher id:*", "id", self.voucher_id)
        self.form.addRow("Kind:", self.kind)
        self._row("Price (GBP):*", "price", self.price)
        self._row("Persons:", "persons", self.persons)
        self._row("To:", "to", self.to)
        self._row("From:", "from", self.from_name)
        self._row("Message:", "message", self.message)
        self._row("Code:", "code", self.code)
        self.form.addRow("", self.remove)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.renumber(number)

    def renumber(self, number: int) -> None:
        self.number = number
        self.setTitle(f"Voucher {number + 1}")

    @property
    def monetary(self) -> bool:
        return self.kind.currentIndex() == MONETARY

    def _kind_changed(self) -> None:
        # The price of an experience comes from Smart Gift; persons only matter there.
        self.price.setEnabled(self.monetary)
        self.persons.setEnabled(not self.monetary)

    def item(self) -> tuple[PosItem, dict[str, str]]:
        """The request's item, and the problems only the typed text can show."""
        problems: dict[str, str] = {}
        price: Decimal | None = None
        if self.monetary:
            reading = read_price(self.price.text())
            price = reading.value
            if reading.problem:
                problems["price"] = reading.problem
        return PosItem(
            id=self.voucher_id.value(), price=price, to=_text(self.to),
            sender=_text(self.from_name), message=_text(self.message), code=_text(self.code),
            persons=None if self.monetary else self.persons.value(),
        ), problems


class CustomerForm(_Part):
    def __init__(self) -> None:
        super().__init__("Customer (who pays)")
        self.email = QLineEdit()
        self.email.setAccessibleName("Customer email")
        self.first_name = QLineEdit()
        self.first_name.setAccessibleName("Customer first name")
        self.last_name = QLineEdit()
        self.last_name.setAccessibleName("Customer last name")
        self._row("Email:*", "email", self.email)
        self._row("First name:", "first_name", self.first_name)
        self._row("Last name:", "last_name", self.last_name)

    def customer(self) -> PosCustomer:
        return PosCustomer(email=self.email.text().strip(), first_name=_text(self.first_name),
                           last_name=_text(self.last_name))


class DeliveryForm(_Part):
    """How the vouchers reach the recipient: by email (online) or by post (offline)."""

    def __init__(self, known_methods: Iterable[tuple[int, str]] = ()) -> None:
        super().__init__("Delivery")
        self.known = dict(known_methods)  # postal methods of our agreements: id -> name
        self.method = id_box("Delivery method id")
        self.online = QRadioButton("By email (online)")
        self.postal = QRadioButton("By post (offline)")
        self.way = QButtonGroup(self)
        self.way.addButton(self.online)
        self.way.addButton(self.postal)
        self.online.setChecked(True)
        ways = QWidget()
        ways_row = QHBoxLayout(ways)
        ways_row.setContentsMargins(0, 0, 0, 0)
        ways_row.addWidget(self.online)
        ways_row.addWidget(self.postal)
        hint = ", ".join(f"{name} = {i}" for i, name in sorted(self.known.items()))
        self.known_label = plain(QLabel(f"Your postal methods: {hint}." if hint else ""))
        self.known_label.setWordWrap(True)
        self.email = QLineEdit()
        self.email.setAccessibleName("Recipient email")
        self.first_name = QLineEdit()
        self.first_name.setAccessibleName("Recipient first name")
        self.last_name = QLineEdit()
        self.last_name.setAccessibleName("Recipient last name")
        self.address1 = QLineEdit()
        self.address2 = QLineEdit()
        self.town = QLineEdit()
        self.county = QLineEdit()
        self.postcode = QLineEdit()
        self.later = QCheckBox("Deliver on a later date")
        self.date = QDateEdit()
        self.date.setAccessibleName("Delivery date")
        self.date.setCalendarPopup(True)
        self.date.setMinimumDate(QDate.currentDate().addDays(1))  # a future date, or none
        self.date.setEnabled(False)
        self.later.toggled.connect(self.date.setEnabled)
        self._row("Method id:*", "method", self.method)
        self.form.addRow("", self.known_label)
        self.form.addRow("Delivered:", ways)
        self._row("Recipient email:*", "email", self.email)
        self._row("First name:", "first_name", self.first_name)
        self._row("Last name:", "last_name", self.last_name)
        self._row("Address line 1:*", "address1", self.address1)
        self._row("Address line 2:", "address2", self.address2)
        self._row("Town:", "town", self.town)
        self._row("County:", "county", self.county)
        self._row("Postcode:*", "postcode", self.postcode)
        self.form.addRow("", self.later)
        self._row("Date:", "date", self.date)
        self.method.valueChanged.connect(self._method_changed)
        self.way.buttonToggled.connect(self._way_changed)
        self._way_changed()

    def _method_changed(self, value: int) -> None:
        if value in self.known:
            self.postal.setChecked(True)

    def _way_changed(self) -> None:
        online = self.online.isChecked()
        for editor, shown in ((self.email, online), *((e, not online) for e in (
                self.first_name, self.last_name, self.address1, self.address2, self.town,
                self.county, self.postcode))):
            row = editor.parentWidget()
            if row is not None:
                self.form.setRowVisible(row, shown)

    @property
    def is_online(self) -> bool:
        return self.online.isChecked()

    def delivery(self) -> PosDelivery:
        picked = self.date.date().toPython()
        when = picked if self.later.isChecked() and isinstance(picked, date) else None
        if self.is_online:
            return PosDelivery(method=self.method.value(), email=_text(self.email), date=when)
        return PosDelivery(
            method=self.method.value(), first_name=_text(self.first_name),
            last_name=_text(self.last_name), address1=_text(self.address1),
            address2=_text(self.address2), town=_text(self.town), county=_text(self.county),
            postcode=_text(self.postcode), date=when)
