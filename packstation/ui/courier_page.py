"""Settings > Courier: the last-mile courier's address and key, where it collects, and what
a booking tells it (issue 20). The key goes to the keyring through the StationSetup, never
into the settings; the rest is checked before the settings are saved."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from packstation.api import ConfigError
from packstation.api.secret import check_base_url
from packstation.config.courier import (
    COURIER_URL,
    MAX_SLOT,
    MAX_TEXT,
    MIN_SLOT,
    CollectionAddress,
    CourierSettings,
)
from packstation.station_setup import StationSetup
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks

_ADDRESS = (("name", "Collect from (business)"), ("address", "Street"), ("city", "Town"),
            ("state", "County"), ("zip_code", "Postcode"), ("country", "Country code"))


def _field(name: str, text: str, limit: int = MAX_TEXT) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    edit.setMaxLength(limit)
    return edit


class CourierPage(QWidget):
    def __init__(self, courier: CourierSettings, setup: StationSetup, tasks: WidgetTasks,
                 demo: bool = False) -> None:
        super().__init__()
        self.courier, self.setup, self.tasks = courier, setup, tasks
        form = QFormLayout(self)
        intro = plain(QLabel("Jobs of a method booked with the courier (Settings > Delivery) "
                             "are booked with this last-mile service by scanning BOOK, then "
                             "dispatched in Smart Gift with the courier's job id."))
        intro.setWordWrap(True)
        form.addRow(intro)
        self.api_url = _field("Courier address", courier.api_url, 500)
        self.api_url.setPlaceholderText(f"{COURIER_URL} (empty: no courier)")
        form.addRow("Courier address:", self.api_url)
        self.key_state = plain(QLabel("Demo: the built-in courier needs no key." if demo
                                      else "checking…"))
        self.key_state.setAccessibleName("Courier key state")
        self.key = _field("Courier key", "", 500)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste a new key to store it")
        self.store_key_button = QPushButton("Store key")
        self.store_key_button.clicked.connect(self.store_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.store_key_button)
        for widget in (self.key, self.store_key_button):
            widget.setEnabled(not demo)
        form.addRow("Courier key:", self.key_state)
        form.addRow("", key_row)
        self.address = {name: _field(label, getattr(courier.collection, name))
                        for name, label in _ADDRESS}
        for name, label in _ADDRESS:
            form.addRow(f"{label}:", self.address[name])
        self.slot_minutes = QSpinBox()
        self.slot_minutes.setAccessibleName("Slot length")
        self.slot_minutes.setRange(MIN_SLOT, MAX_SLOT)
        self.slot_minutes.setSingleStep(15)
        self.slot_minutes.setSuffix(" min")
        self.slot_minutes.setValue(courier.slot_minutes)
        form.addRow("Slot length:", self.slot_minutes)
        self.book_earliest = QCheckBox("BOOK books the earliest slot (no choice shown)")
        self.book_earliest.setChecked(courier.book_earliest)
        form.addRow("", self.book_earliest)
        self.buyer_contact = QCheckBox("Send the buyer's e-mail and phone to the courier "
                                       "(the buyer is not the recipient of a gift)")
        self.buyer_contact.setChecked(courier.send_buyer_contact)
        self.delivery_code = QCheckBox("Ask for a delivery code at the door (never with the "
                                       "buyer's contact: the code would go to the buyer)")
        self.delivery_code.setChecked(courier.add_delivery_code)
        self.delivery_code.setEnabled(not courier.send_buyer_contact)
        self.buyer_contact.toggled.connect(lambda on: self.delivery_code.setEnabled(not on))
        form.addRow("", self.buyer_contact)
        form.addRow("", self.delivery_code)
        self.contact_less = QComboBox()
        self.contact_less.setAccessibleName("Contact-less delivery")
        for text, value in (("No", ""), ("Leave in reception", "LeaveInReception"),
                            ("Leave at the door", "LeaveAtTheDoor")):
            self.contact_less.addItem(text, value)
        self.contact_less.setCurrentIndex(max(0, self.contact_less.findData(
            courier.contact_less)))
        form.addRow("Contact-less:", self.contact_less)
        self.value_unit = QComboBox()
        self.value_unit.setAccessibleName("Order value sent in")
        self.value_unit.addItem("pence (12.50 is sent as 1250)", "minor")
        self.value_unit.addItem("pounds (12.50 is sent as 12.5)", "major")
        self.value_unit.setCurrentIndex(max(0, self.value_unit.findData(courier.value_unit)))
        form.addRow("Order value in:", self.value_unit)
        if not demo:
            self.tasks.run(self._show_key_hint())

    async def _show_key_hint(self) -> None:
        self.key_state.setText(await self.setup.courier_key_hint(self.courier.api_url))

    def store_key(self) -> None:
        text, url = self.key.text(), self.api_url.text().strip()
        self.key.clear()  # not kept in the widget once handed over
        self.tasks.run(self._store_key(url, text))

    async def _store_key(self, url: str, text: str) -> None:
        self.key_state.setText(await self.setup.store_courier_key(url, text))

    def edited(self) -> CourierSettings:
        collection = CollectionAddress(**{name: edit.text().strip()
                                          for name, edit in self.address.items()})
        return replace(
            self.courier, api_url=self.api_url.text().strip().rstrip("/"), collection=collection,
            slot_minutes=self.slot_minutes.value(), book_earliest=self.book_earliest.isChecked(),
            send_buyer_contact=self.buyer_contact.isChecked(),
            add_delivery_code=self.delivery_code.isChecked(),
            contact_less=str(self.contact_less.currentData()),
            value_unit=str(self.value_unit.currentData()))

    def problem(self) -> str | None:
        """Why these settings cannot be saved (the field focused), or None."""
        edited = self.edited()
        if edited.api_url:
            try:
                check_base_url(edited.api_url)
            except ConfigError as exc:
                self.api_url.setFocus()
                return f"Courier address: {exc}"
            missing = edited.collection.missing()
            if missing:
                self.address[missing[0]].setFocus()
                return ("The courier needs the address it collects from: "
                        f"{', '.join(m.replace('_', ' ') for m in missing)}.")
        country = edited.collection.country
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            self.address["country"].setFocus()
            return "The country is its two-letter code (GB for the United Kingdom)."
        bad = next((n for n, e in self.address.items() if not e.text().isprintable()), None)
        if bad is not None:
            self.address[bad].setFocus()
            return "The collection address holds a control character."
        return None
