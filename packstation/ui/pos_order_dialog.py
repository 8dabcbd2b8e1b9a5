"""New order (POS sale): the form, checked at each field, then the order and its codes.

Before an order is sent the station's own log is asked whether the same order
(or the same order id) went out before and may exist in Smart Gift; if so the
person decides. What was typed stays after any failure.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from packstation.api import ApiError, ApiValidationError
from packstation.api.pos import PosSale, PosSaleResult
from packstation.backoffice.orders import OrderDesk, describe_earlier
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.field_messages import (
    FieldMessages,
    message_label,
    refusal_by_field,
    with_message,
)
from packstation.ui.plain import plain
from packstation.ui.pos_order_form import CustomerForm, DeliveryForm, ItemEditor, id_box
from packstation.ui.tasks import WidgetTasks


class PosOrderDialog(QDialog):
    created = Signal(object)  # PosSaleResult

    def __init__(self, desk: OrderDesk, known_methods: Iterable[tuple[int, str]] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.tasks = WidgetTasks()
        self.dialogs = OpenDialogs()
        self.known_methods = list(known_methods)
        self.setWindowTitle("New order")
        self.general = message_label("the order")
        self.general.setAccessibleName("Problem")
        self.messages = FieldMessages(self.general)
        self.items: list[ItemEditor] = []
        self._busy = False
        self.items_box = QVBoxLayout()
        self.items_message = message_label("the vouchers")
        self.add_item_button = QPushButton("Add a voucher")
        self.add_item_button.clicked.connect(self.add_item)
        vouchers = QGroupBox("Vouchers")
        vouchers_layout = QVBoxLayout(vouchers)
        vouchers_layout.addLayout(self.items_box)
        vouchers_layout.addWidget(self.items_message)
        vouchers_layout.addWidget(self.add_item_button)
        self.customer = CustomerForm()
        self.delivery = DeliveryForm(self.known_methods)
        self.payment_method = id_box("Payment method id")
        self.order_id = QLineEdit()
        self.order_id.setAccessibleName("Your order id")
        self.order_id.setPlaceholderText("Optional: your till or system's reference")
        self.payment_message = message_label("the payment method")
        self.order_id_message = message_label("your order id")
        payment = QGroupBox("Payment")
        payment_form = QFormLayout(payment)
        payment_form.addRow("Payment method id:*",
                            with_message(self.payment_method, self.payment_message))
        payment_form.addRow("Your order id:", with_message(self.order_id, self.order_id_message))
        form = QWidget()
        form_layout = QVBoxLayout(form)
        for part in (vouchers, self.customer, self.delivery, payment):
            form_layout.addWidget(part)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        self.send_button = QPushButton("Create order")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        form_buttons = QDialogButtonBox()
        form_buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        form_buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        form_page = QWidget()
        form_page_layout = QVBoxLayout(form_page)
        form_page_layout.addWidget(self.general)
        form_page_layout.addWidget(scroll, 1)
        form_page_layout.addWidget(form_buttons)
        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.add_item()
        self.resize(640, 760)

    def _result_page(self) -> QWidget:
        page = QWidget()
        self.result_heading = plain(QLabel())
        self.result_heading.setWordWrap(True)
        self.reference = QLineEdit()
        self.reference.setReadOnly(True)
        self.reference.setAccessibleName("Order reference")
        self.codes = QPlainTextEdit()
        self.codes.setReadOnly(True)
        self.codes.setAccessibleName("Voucher codes")
        self.copy_button = QPushButton("Copy reference and codes")
        self.copy_button.clicked.connect(self.copy_result)
        another = QPushButton("New order")
        another.clicked.connect(self.start_again)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QDialogButtonBox()
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(another, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.AcceptRole)
        form = QFormLayout()
        form.addRow("Order reference:", self.reference)
        form.addRow("Voucher codes:", self.codes)
        layout = QVBoxLayout(page)
        layout.addWidget(self.result_heading)
        layout.addLayout(form)
        layout.addWidget(buttons)
        return page

    # -- the vouchers ----------------------------------------------------------------

    def add_item(self) -> ItemEditor:
        editor = ItemEditor(len(self.items))
        editor.remove_requested.connect(self.remove_item)
        self.items.append(editor)
        self.items_box.addWidget(editor)
        self._renumber()
        return editor

    def remove_item(self, editor: ItemEditor) -> None:
        self.items.remove(editor)
        editor.hide()
        editor.deleteLater()
        self._renumber()

    def _renumber(self) -> None:
        for i, editor in enumerate(self.items):
            editor.renumber(i)
        # Field paths follow the request: items[0].price ... rebuilt as vouchers come and go.
        labels = {f"items[{e.number}].{k}": v for e in self.items for k, v in e.messages.items()}
        labels["items"] = self.items_message
        for part, prefix in ((self.customer, "customer"), (self.delivery, "delivery")):
            labels.update({f"{prefix}.{k}": v for k, v in part.messages.items()})
        labels["payment_method"] = self.payment_message
        labels["order_id"] = self.order_id_message
        self.messages.labels = labels

    # -- sending ---------------------------------------------------------------------

    def sale(self) -> tuple[PosSale, dict[str, str]]:
        """The request as typed, and every problem it has (checked here, not by Smart Gift)."""
        items, problems = [], {}
        for editor in self.items:
            item, found = editor.item()
            items.append(item)
            problems.update({f"items[{editor.number}].{k}": v for k, v in found.items()})
        sale = PosSale(items=tuple(items), customer=self.customer.customer(),
                       delivery=self.delivery.delivery(),
                       payment_method=self.payment_method.value(),
                       order_id=self.order_id.text().strip() or None)
        checked = sale.problems(online_delivery=self.delivery.is_online,
                                monetary=[e.monetary for e in self.items])
        return sale, {**checked, **problems}  # a typed-text problem says more

    def send(self) -> None:
        if self._busy:  # a second click while the first is on its way sends nothing
            return
        sale, problems = self.sale()
        if problems:
            count = len(problems)
            self.messages.show(problems, f"{count} thing{'s' if count > 1 else ''} to put "
                                         "right before the order can be sent (shown in red).")
            return
        self.messages.clear()
        self._set_busy(True)
        self.tasks.run(self._check_then_send(sale))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.send_button.setEnabled(not busy)

    async def _check_then_send(self, sale: PosSale) -> None:
        try:
            earlier = await self.desk.earlier(sale)
        except BaseException:
            self._set_busy(False)
            raise
        if earlier is None:
            await self._send(sale)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Send this order again?",
                          f"{describe_earlier(earlier)}\n\nSend it again anyway?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText("Send again")
        box.button(QMessageBox.StandardButton.No).setText("Don't send")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self.tasks.run(self._send(sale)))
        box.rejected.connect(self._not_sent)
        self.dialogs.show(box)

    def _not_sent(self) -> None:
        self._set_busy(False)
        self.messages.show_general("Not sent.")

    async def _send(self, sale: PosSale) -> None:
        try:
            result = await self.desk.submit(sale, online_delivery=self.delivery.is_online,
                                            monetary=[e.monetary for e in self.items])
        except ApiValidationError as exc:
            fields = refusal_by_field(exc)
            self.messages.show(fields, f"Smart Gift refused the order: {exc.message}")
            return
        except ApiError as exc:
            self.messages.show_general(
                f"{exc} The order may or may not have been created. Nothing you typed is "
                "lost; if you send it again, packstation will ask first.")
            return
        finally:
            self._set_busy(False)
        self.show_result(result)

    def show_result(self, result: PosSaleResult) -> None:
        count = len(result.voucher_codes)
        self.result_heading.setText(
            f"{result.message or 'Order created.'} {count} voucher{'s' if count != 1 else ''}.")
        self.reference.setText(result.order_reference)
        self.codes.setPlainText("\n".join(result.voucher_codes))
        self.pages.setCurrentIndex(1)
        self.copy_button.setFocus()
        self.created.emit(result)

    def copy_result(self) -> None:
        QGuiApplication.clipboard().setText(
            "\n".join([self.reference.text(), self.codes.toPlainText()]).strip())

    def start_again(self) -> None:
        """A fresh form for the next order (nothing of the last one left to resend)."""
        for editor in list(self.items):
            self.remove_item(editor)
        for part in (self.customer, self.delivery):
            part.clear()
        self.delivery.method.setValue(0)
        self.delivery.later.setChecked(False)
        self.payment_method.setValue(0)
        self.order_id.clear()
        self.messages.clear()
        self.add_item()
        self.pages.setCurrentIndex(0)

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        for box in list(self.dialogs.open):
            box.reject()
        super().done(result)
