"""The manager's side of the window: agreements beside the queue, and New order.

Owns the agreements list and detail and opens the price, terminate and order
dialogs; tells the window how many new agreements wait for a price, so it can
flag them in the title and the status bar.
"""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from packstation.api import Agreement, ApiError, Priority
from packstation.backoffice.agreements import AgreementBook
from packstation.backoffice.orders import OrderDesk
from packstation.ui.agreement_dialogs import PriceDialog, TerminateDialog
from packstation.ui.agreements_view import AgreementDetail, AgreementsView
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.pos_order_dialog import PosOrderDialog
from packstation.ui.recent_orders import RecentOrdersDialog
from packstation.ui.tasks import WidgetTasks


class BackOffice(QObject):
    waiting_changed = Signal(int)  # new agreements waiting for a price
    message = Signal(str)  # for the status bar

    def __init__(self, book: AgreementBook | None, desk: OrderDesk | None,
                 dialogs: OpenDialogs, tasks: WidgetTasks, window: QWidget) -> None:
        super().__init__(window)
        self.book = book
        self.desk = desk
        self.dialogs = dialogs
        self.tasks = tasks
        self.window = window
        self.view = AgreementsView()
        self.detail = AgreementDetail()
        self.view.current_changed.connect(self.detail.show_agreement)
        self.detail.price_requested.connect(self.open_price)
        self.detail.terminate_requested.connect(self.open_terminate)
        if book is not None:
            book.subscribe(self.agreements_changed)

    def close(self) -> None:
        if self.book is not None:  # no callbacks into a window that is being deleted
            self.book.unsubscribe(self.agreements_changed)

    def agreements_changed(self, _changed: list[Agreement]) -> None:
        assert self.book is not None
        self.view.show_agreements(self.book.agreements, self.book.counts())
        self.show_state()
        self.waiting_changed.emit(self.book.waiting_for_price)

    def show_state(self) -> None:
        """Once a second from the window: when the list was fetched, or why it was not."""
        book = self.book
        if book is None:
            text = "Not connected to Smart Gift."
        elif book.last_error:
            text = f"Could not fetch the agreements: {book.last_error}"
        elif book.last_success is None:
            text = "Fetching the agreements…"
        else:
            text = f"Fetched {book.last_success.astimezone():%H:%M:%S}; kept current every " \
                   f"{book.interval / 60:.0f} min."
            if book.problems:
                text += f" {len(book.problems)} could not be read: {book.problems[0]}"
        if self.view.state.text() != text:
            self.view.state.setText(text)

    def refresh(self) -> None:
        if self.book is not None:
            self.tasks.run(self._refresh(self.book))

    async def _refresh(self, book: AgreementBook) -> None:
        with contextlib.suppress(ApiError):  # show_state says why
            await book.refresh(Priority.INTERACTIVE)  # asked for by a person: goes first
        self.show_state()

    # -- the dialogs -----------------------------------------------------------------

    def open_price(self, agreement: Agreement | None) -> None:
        if agreement is None or self.book is None or self.dialogs.of_type(PriceDialog):
            return
        dialog = PriceDialog(agreement, self.book, self.window)
        dialog.done_with.connect(lambda a: self._acted(a, "Price sent to"))
        self.dialogs.show(dialog)

    def open_terminate(self, agreement: Agreement | None) -> None:
        if agreement is None or self.book is None or self.dialogs.of_type(TerminateDialog):
            return
        dialog = TerminateDialog(agreement, self.book, self.window)
        dialog.done_with.connect(lambda a: self._acted(a, "Terminated the agreement with"))
        self.dialogs.show(dialog)

    def _acted(self, agreement: Agreement, what: str) -> None:
        self.view.select(agreement.id)  # follow it to its new state's tab
        self.message.emit(f"{what} {agreement.company_name} "
                          f"({agreement.delivery_method_name}).")

    def open_new_order(self) -> None:
        if self.desk is None or self.dialogs.of_type(PosOrderDialog):
            return
        dialog = PosOrderDialog(self.desk, self.postal_methods(), self.window)
        dialog.created.connect(
            lambda result: self.message.emit(f"Order {result.order_reference} created."))
        self.dialogs.show(dialog)

    def open_recent_orders(self) -> None:
        if self.desk is not None and not self.dialogs.of_type(RecentOrdersDialog):
            self.tasks.run(self._recent_orders(self.desk))

    async def _recent_orders(self, desk: OrderDesk) -> None:
        records = await asyncio.to_thread(desk.log.recent, 200)  # SQLite: off the UI thread
        self.dialogs.show(RecentOrdersDialog(records, self.window))

    def postal_methods(self) -> list[tuple[int, str]]:
        """The delivery methods this provider fulfils: from its live agreements."""
        if self.book is None:
            return []
        found = {a.delivery_method_id: a.delivery_method_name or f"method {a.delivery_method_id}"
                 for a in self.book.agreements
                 if a.status in ("sent", "active") and a.delivery_method_id is not None}
        return sorted(found.items())
