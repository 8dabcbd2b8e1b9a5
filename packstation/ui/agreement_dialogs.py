"""Pricing and terminating an agreement: what the customer will be told, then the request.

Both dialogs stay open until Smart Gift has answered: a refusal (422) is shown
beside the field it concerns, any other failure at the top, and what was
typed is kept so nothing has to be entered twice.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from packstation.api import Agreement, ApiError, ApiValidationError
from packstation.backoffice.agreements import AgreementBook
from packstation.formats import pounds, read_price
from packstation.ui.field_messages import (
    FieldMessages,
    message_label,
    refusal_by_field,
    with_message,
)
from packstation.ui.plain import plain
from packstation.ui.tasks import WidgetTasks


def _what(agreement: Agreement) -> str:
    option = f" ({agreement.fulfilment_option_name})" if agreement.fulfilment_option_name else ""
    return (f"{agreement.company_name or 'this company'} for "
            f"{agreement.delivery_method_name or 'this delivery method'}{option}")


class _AgreementDialog(QDialog):
    """What both dialogs share: the request in a kept task, messages at the fields."""

    done_with = Signal(object)  # the agreement as Smart Gift returned it
    send_button: QPushButton

    def __init__(self, agreement: Agreement, book: AgreementBook, title: str,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.agreement = agreement
        self.book = book
        self.tasks = WidgetTasks()
        self.setWindowTitle(title)
        self.general = message_label("the request")
        self.general.setAccessibleName("Problem")
        self.messages = FieldMessages(self.general)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)

    def _send(self, work: Coroutine[Any, Any, Agreement]) -> None:
        self.send_button.setEnabled(False)
        self.messages.clear()
        self.tasks.run(self._sending(work))

    async def _sending(self, work: Coroutine[Any, Any, Agreement]) -> None:
        try:
            agreement = await work
        except ApiValidationError as exc:
            fields = refusal_by_field(exc)
            shown = {k: exc.message if len(fields) == 1 else v for k, v in fields.items()}
            known = [k for k in shown if k in self.messages.labels]
            self.messages.show(shown, "" if known else f"Smart Gift refused it: {exc.message}")
            return
        except ApiError as exc:
            self.messages.show_general(f"Not sent: {exc} Nothing has changed; try again.")
            return
        finally:
            self.send_button.setEnabled(True)
        self.done_with.emit(agreement)
        self.accept()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)


class PriceDialog(_AgreementDialog):
    def __init__(self, agreement: Agreement, book: AgreementBook,
                 parent: QWidget | None = None) -> None:
        super().__init__(agreement, book, "Price agreement", parent)
        intro = plain(QLabel(f"Your price to {_what(agreement)}."))
        intro.setWordWrap(True)
        self.price = QLineEdit(f"{agreement.price:.2f}" if agreement.price else "")
        self.price.setAccessibleName("Price in pounds")
        self.price.setPlaceholderText("3.40")
        self.per_order = QRadioButton("Per order: the same for any number of vouchers")
        self.per_item = QRadioButton("Per item: for each voucher in the order")
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.per_order)
        self.kind.addButton(self.per_item)
        (self.per_item if agreement.price_type == "per_item" else self.per_order).setChecked(True)
        self.told = plain(QLabel())
        self.told.setAccessibleName("What the customer will be told")
        self.told.setWordWrap(True)
        self.messages.labels["price"] = message_label("the price")
        self.messages.labels["price_type"] = message_label("the price type")
        pound_row = QHBoxLayout()
        pound_row.addWidget(plain(QLabel("£")))
        pound_row.addWidget(self.price, 1)
        pound_box = QWidget()
        pound_box.setLayout(pound_row)
        pound_row.setContentsMargins(0, 0, 0, 0)
        kinds = QVBoxLayout()
        kinds.addWidget(self.per_order)
        kinds.addWidget(self.per_item)
        kinds.addWidget(self.messages.labels["price_type"])
        form = QFormLayout()
        form.addRow("Price (GBP):", with_message(pound_box, self.messages.labels["price"]))
        form.addRow("Charged:", kinds)
        self.send_button = self.buttons.addButton(
            "Send price to customer", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setDefault(True)
        self.buttons.accepted.connect(self.send)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.general)
        layout.addLayout(form)
        layout.addWidget(self.told)
        layout.addWidget(self.buttons)
        self.price.textChanged.connect(self._preview)
        self.kind.buttonToggled.connect(self._preview)
        self._preview()
        self.resize(520, self.sizeHint().height())

    @property
    def price_type(self) -> str:
        return "per_item" if self.per_item.isChecked() else "per_order"

    def _preview(self) -> None:
        reading = read_price(self.price.text())
        company = self.agreement.company_name or "The customer"
        method = self.agreement.delivery_method_name or "this delivery method"
        if reading.value is None:
            self.told.setText(f"{company} will be told your price once it is a valid amount.")
            return
        price = pounds(reading.value)
        if self.price_type == "per_order":
            example = f"an order of 3 vouchers costs {price}"
            charged = "per order"
        else:
            example = f"an order of 3 vouchers costs {pounds(reading.value * 3)}"
            charged = "per item"
        self.told.setText(f"{company} will be told: {price} {charged} for {method} "
                          f"({example}). They can then accept or terminate.")

    def send(self) -> None:
        reading = read_price(self.price.text())
        if reading.value is None:
            self.messages.show({"price": reading.problem or "Enter a price."})
            self.price.setFocus()
            return
        self._send(self.book.price(self.agreement.id, reading.value, self.price_type))


class TerminateDialog(_AgreementDialog):
    def __init__(self, agreement: Agreement, book: AgreementBook,
                 parent: QWidget | None = None) -> None:
        super().__init__(agreement, book, "Terminate agreement", parent)
        self.confirmation = plain(QLabel(
            f"Terminate the agreement with {_what(agreement)}?\n\n"
            f"{agreement.company_name or 'The customer'} will no longer be able to send "
            f"orders by {agreement.delivery_method_name or 'this method'} to you. This "
            "cannot be undone: the customer would have to request a new agreement."))
        self.confirmation.setAccessibleName("Confirmation")
        self.confirmation.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText(
            "Why? Recommended: it helps both sides when looking back later. May be blank.")
        self.reason.setTabChangesFocus(True)
        self.messages.labels["reason"] = message_label("the reason")
        self.send_button = self.buttons.addButton(
            "Terminate agreement", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Keep agreement")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.buttons.accepted.connect(self.send)
        layout = QVBoxLayout(self)
        layout.addWidget(self.confirmation)
        layout.addWidget(self.general)
        layout.addWidget(plain(QLabel("Reason:")))
        layout.addWidget(with_message(self.reason, self.messages.labels["reason"]))
        layout.addWidget(self.buttons)
        self.resize(520, 360)

    def send(self) -> None:
        self._send(self.book.terminate(self.agreement.id, self.reason.toPlainText().strip()))
