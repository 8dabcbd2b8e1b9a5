"""The back office through the real window and dialogs, against the sandbox.

Agreements are priced and terminated, and orders created, through the same
dialogs a manager uses; each rule is broken once to see its message at the
field, and the server's own 422s are shown the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from packstation.api import Agreement
from packstation.sandbox import SandboxServer
from packstation.ui.agreement_dialogs import PriceDialog, TerminateDialog
from packstation.ui.main_window import MainWindow
from packstation.ui.pos_order_dialog import PosOrderDialog
from packstation.ui.recent_orders import RecentOrdersDialog
from tests.gui import synced_window, wait
from tests.test_gui_window import unnamed_controls


@pytest.fixture
def office(qtbot: QtBot, qt_loop: object, sandbox: SandboxServer,
           tmp_path: Path) -> Iterator[MainWindow]:
    """The window with its agreements fetched, as after start-up."""
    with synced_window(qtbot, sandbox, tmp_path / "station.sqlite3") as window:
        assert window.station is not None
        wait(qtbot, window.station.agreements.refresh())
        yield window


def click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """On its box: a check box takes clicks on its box and label, not the row's width."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))
    assert box.isChecked()


def puts(sandbox: SandboxServer, path_end: str) -> list[dict[str, object]]:
    return [r.body for r in sandbox.requests if r.method == "PUT" and r.path.endswith(path_end)]


def posts(sandbox: SandboxServer) -> int:
    return sum(r.method == "POST" for r in sandbox.requests)


def open_dialog(qtbot: QtBot, window: MainWindow, kind: type) -> object:
    qtbot.waitUntil(lambda: window.dialogs.of_type(kind) is not None, timeout=5_000)
    return window.dialogs.of_type(kind)


def test_agreements_beside_the_queue_with_counts_and_a_flag(
        qtbot: QtBot, office: MainWindow) -> None:
    # Two new agreements wait for a price: said in the title and the status bar.
    assert "2 new agreements to price" in office.windowTitle()
    flag = office.status.agreements_flag
    assert flag.isVisibleTo(office) and flag.text() == "2 new agreements to price"
    assert office.work.sides.tabText(1) == "A&greements (2 new)"
    click(qtbot, flag)
    view, detail = office.office.view, office.office.detail
    assert office.work.sides.currentWidget() is view
    assert office.work.details.currentWidget() is detail
    assert [view.tabs.tabText(i) for i in range(4)] == [
        "New (2)", "Sent (1)", "Active (2)", "Cancelled (1)"]
    assert view.proxy.rowCount() == 2
    new = view.current()
    assert new is not None and new.status == "new"
    fields = {k: v.text() for k, v in detail.fields.items()}
    assert fields["company"] == new.company_name and fields["contact"] == new.contact_name
    assert fields["email"] == new.contact_email and fields["price"] == "not set"
    assert fields["method"] == new.delivery_method_name
    assert fields["option"] == new.fulfilment_option_name
    assert fields["initiated"] != "—" and fields["priced"] == "—"
    assert "Waiting for your price" in detail.hint.text()
    assert detail.price_button.isEnabled() and detail.terminate_button.isEnabled()
    # The scan field keeps the keyboard; its arrow keys move through the agreements now.
    qtbot.keyClick(office.scan_field, Qt.Key.Key_Down)
    assert view.table.currentIndex().row() == 1
    view.tabs.setCurrentIndex(2)  # Active
    active = view.current()
    assert active is not None and active.status == "active"
    assert detail.fields["price"].text() in ("£3.40 per order", "£3.40 per item")
    assert detail.fields["accepted"].text() != "—"
    assert not detail.price_button.isEnabled()  # an accepted price is not changed here
    view.tabs.setCurrentIndex(3)
    assert detail.fields["terminated"].text() != "—"
    assert not detail.terminate_button.isEnabled()
    assert view.model.columnCount() == 11  # contact, phone, every time, in the list too
    assert unnamed_controls(office) == []
    # A scanned order brings the queue back, whatever the manager was looking at.
    job = office.model.job(0)
    office.scan_field.setFocus()
    qtbot.keyClicks(office.scan_field, job.order_reference or str(job.id))
    qtbot.keyClick(office.scan_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not office.work.showing_agreements, timeout=5_000)


def _new_agreement(qtbot: QtBot, window: MainWindow) -> Agreement:
    click(qtbot, window.status.agreements_flag)
    agreement = window.office.view.current()
    assert agreement is not None and agreement.status == "new"
    return agreement


def price_dialog(qtbot: QtBot, window: MainWindow) -> PriceDialog:
    click(qtbot, window.office.detail.price_button)
    dialog = open_dialog(qtbot, window, PriceDialog)
    assert isinstance(dialog, PriceDialog)
    return dialog


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter a price in pounds"),
    ("three pounds", "is not an amount"),
    ("0", "more than £0.00"),
    ("-1.50", "more than £0.00"),
    ("3.405", "at most two decimal places"),
])
def test_price_dialog_checks_each_rule_at_the_field(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer, typed: str,
        message: str) -> None:
    _new_agreement(qtbot, office)
    dialog = price_dialog(qtbot, office)
    qtbot.keyClicks(dialog.price, typed)
    click(qtbot, dialog.send_button)
    assert message in dialog.messages.text("price")
    assert dialog.isVisible() and dialog.price.text() == typed  # nothing lost
    assert puts(sandbox, "/price") == []  # a bad price costs no request
    assert "once it is a valid amount" in dialog.told.text()


def test_pricing_an_agreement_through_the_dialog(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    agreement = _new_agreement(qtbot, office)
    dialog = price_dialog(qtbot, office)
    assert unnamed_controls(dialog) == []
    # A limit only the server knows: its 422 message goes beside the price.
    qtbot.keyClicks(dialog.price, "10000")
    click(qtbot, dialog.send_button)
    qtbot.waitUntil(lambda: bool(dialog.messages.text("price")), timeout=5_000)
    assert dialog.messages.text("price") == "The price may not be greater than 9999.99."
    assert dialog.isVisible() and dialog.price.text() == "10000"
    dialog.price.clear()
    qtbot.keyClicks(dialog.price, "3.4")
    click(qtbot, dialog.per_item)
    told = dialog.told.text()
    assert f"{agreement.company_name} will be told: £3.40 per item" in told
    assert "£10.20" in told and str(agreement.delivery_method_name) in told
    click(qtbot, dialog.send_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert puts(sandbox, "/price")[-1] == {"price": 3.4, "price_type": "per_item"}
    # The updated agreement is shown: in Sent now, selected, with its price and time.
    view, detail = office.office.view, office.office.detail
    assert view.tabs.currentIndex() == 1 and view.tabs.tabText(1) == "Sent (2)"
    shown = view.current()
    assert shown is not None and shown.id == agreement.id and shown.status == "sent"
    assert detail.fields["price"].text() == "£3.40 per item"
    assert detail.fields["priced"].text() != "—"
    assert "1 new agreement to price" in office.windowTitle()
    assert office.status.agreements_flag.text() == "1 new agreement to price"


def test_terminating_an_agreement_names_it_and_keeps_the_reason(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    view, detail = office.office.view, office.office.detail
    office.show_agreements()
    view.tabs.setCurrentIndex(2)  # Active
    agreement = view.current()
    assert agreement is not None
    click(qtbot, detail.terminate_button)
    dialog = open_dialog(qtbot, office, TerminateDialog)
    assert isinstance(dialog, TerminateDialog)
    confirmation = dialog.confirmation.text()
    assert str(agreement.company_name) in confirmation
    assert str(agreement.delivery_method_name) in confirmation
    assert unnamed_controls(dialog) == []
    dialog.reason.setPlainText("x" * 1001)  # over the server's limit: its 422, at the field
    click(qtbot, dialog.send_button)
    qtbot.waitUntil(lambda: bool(dialog.messages.text("reason")), timeout=5_000)
    assert "1000 characters" in dialog.messages.text("reason")
    assert view.current() == agreement  # nothing changed
    dialog.reason.clear()
    qtbot.keyClicks(dialog.reason, "Courier prices went up")
    click(qtbot, dialog.send_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert puts(sandbox, "/terminate")[-1] == {"reason": "Courier prices went up"}
    shown = view.current()
    assert shown is not None and shown.id == agreement.id and shown.status == "cancelled"
    assert view.tabs.tabText(3) == "Cancelled (2)" and detail.fields["terminated"].text() != "—"


def test_terminate_refused_without_a_field_says_why_at_the_top(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    agreement = _new_agreement(qtbot, office)
    sandbox.state.terminate_agreement(agreement.id, {})  # the customer ended it meanwhile
    click(qtbot, office.office.detail.terminate_button)
    dialog = open_dialog(qtbot, office, TerminateDialog)
    assert isinstance(dialog, TerminateDialog)
    click(qtbot, dialog.send_button)  # a blank reason is allowed
    qtbot.waitUntil(lambda: dialog.general.isVisibleTo(dialog), timeout=5_000)
    assert dialog.general.text() == ("Smart Gift refused it: This agreement has already been "
                                     "terminated.")
    assert puts(sandbox, "/terminate")[-1] == {"reason": ""}


# -- POS orders ------------------------------------------------------------------------


def new_order(qtbot: QtBot, window: MainWindow) -> PosOrderDialog:
    action = next(a for a in window.actions() if a.text() == "New order…")
    assert action.shortcut().toString() == "Ctrl+N"
    action.trigger()
    dialog = open_dialog(qtbot, window, PosOrderDialog)
    assert isinstance(dialog, PosOrderDialog)
    return dialog


def fill_valid(qtbot: QtBot, dialog: PosOrderDialog, code: str = "") -> None:
    item = dialog.items[0]
    item.voucher_id.setValue(2)
    qtbot.keyClicks(item.price, "25.00")
    qtbot.keyClicks(item.to, "Ffion")
    qtbot.keyClicks(item.from_name, "Rhys")
    qtbot.keyClicks(item.message, "Pen-blwydd hapus!")
    if code:
        qtbot.keyClicks(item.code, code)
    qtbot.keyClicks(dialog.customer.email, "buyer@example.com")
    dialog.delivery.method.setValue(1)
    qtbot.keyClicks(dialog.delivery.email, "ffion@example.com")
    dialog.payment_method.setValue(1)


def create(qtbot: QtBot, dialog: PosOrderDialog) -> None:
    click(qtbot, dialog.send_button)


def test_order_dialog_checks_every_rule_at_its_field(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    dialog = new_order(qtbot, office)
    assert unnamed_controls(dialog) == []
    create(qtbot, dialog)  # everything blank
    text = dialog.messages.text
    assert "voucher's id" in text("items[0].id")
    assert "Enter a price" in text("items[0].price")
    assert text("customer.email") == "The customer's email is required."
    assert text("delivery.method") == "Choose the delivery method."
    assert text("delivery.email") == "Online delivery needs the recipient's email."
    assert text("payment_method") == "Choose the payment method."
    assert "6 things to put right" in dialog.general.text()
    fill_valid(qtbot, dialog)
    item = dialog.items[0]
    for typed, expected in (("0", "more than £0.00"), ("25.005", "two decimal places")):
        item.price.clear()
        qtbot.keyClicks(item.price, typed)
        create(qtbot, dialog)
        assert expected in text("items[0].price")
    item.price.clear()
    qtbot.keyClicks(item.price, "25")
    qtbot.keyClicks(item.code, "GIFT-1")
    create(qtbot, dialog)
    assert text("items[0].code") == "A code may only contain letters and digits."
    item.code.clear()
    qtbot.keyClicks(item.code, "GIFT1")
    click(qtbot, dialog.add_item_button)
    second = dialog.items[1]
    second.voucher_id.setValue(4)
    second.kind.setCurrentIndex(1)  # an experience: priced by Smart Gift, persons count
    assert not second.price.isEnabled() and second.persons.isEnabled()
    assert second.persons.minimum() == 1  # fewer than one person cannot be typed
    qtbot.keyClicks(second.code, "gift1")
    dialog.customer.email.clear()
    qtbot.keyClicks(dialog.customer.email, "buyer at example")
    dialog.delivery.email.clear()
    qtbot.keyClicks(dialog.delivery.email, "ffion@")
    create(qtbot, dialog)
    assert text("items[1].code") == "Each voucher code must be unique."
    assert text("customer.email") == text("delivery.email") == "This is not an email address."
    assert text("items[0].price") == ""  # put right: its message has gone
    # Postal delivery needs the first address line and the postcode, not an email.
    click(qtbot, dialog.delivery.postal)
    assert not dialog.delivery.email.isVisibleTo(dialog)
    create(qtbot, dialog)
    assert text("delivery.address1") == "Postal delivery needs the first address line."
    assert text("delivery.postcode") == "Postal delivery needs a postcode."
    # A date can only be in the future.
    tick(qtbot, dialog.delivery.later)
    assert dialog.delivery.date.isEnabled()
    assert dialog.delivery.date.minimumDate() == QDate.currentDate().addDays(1)
    # Removing vouchers renumbers them; none at all is a problem too.
    click(qtbot, dialog.items[0].remove)
    assert dialog.items == [second] and second.title() == "Voucher 1"
    click(qtbot, second.remove)
    create(qtbot, dialog)
    assert text("items") == "Add at least one voucher."
    assert posts(sandbox) == 0  # not one of those cost a request


def test_order_refused_by_the_server_shows_its_messages_at_the_fields(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    taken = office.model.job(0).vouchers[0].code
    assert taken
    dialog = new_order(qtbot, office)
    fill_valid(qtbot, dialog, code=taken)
    click(qtbot, dialog.add_item_button)
    experience = dialog.items[1]
    experience.voucher_id.setValue(3)  # afternoon tea for two: exactly 2 persons
    experience.kind.setCurrentIndex(1)
    experience.persons.setValue(3)
    create(qtbot, dialog)
    qtbot.waitUntil(lambda: bool(dialog.messages.text("items[0].code")), timeout=5_000)
    assert dialog.messages.text("items[0].code") == "The code has already been taken."
    assert dialog.messages.text("items[1].persons") == "Persons must be between 2 and 2."
    assert dialog.general.text().startswith("Smart Gift refused the order:")
    assert posts(sandbox) == 1 and dialog.pages.currentIndex() == 0


def test_order_created_shows_reference_and_codes_to_copy(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    dialog = new_order(qtbot, office)
    fill_valid(qtbot, dialog, code="BENCH42")
    qtbot.keyClicks(dialog.order_id, "TILL-1")
    tick(qtbot, dialog.delivery.later)
    create(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=5_000)
    sent = next(r.body for r in sandbox.requests if r.method == "POST")
    assert sent == {
        "items": [{"id": 2, "price": 25.0, "to": "Ffion", "from": "Rhys",
                   "message": "Pen-blwydd hapus!", "code": "BENCH42"}],
        "customer": {"email": "buyer@example.com"},
        "delivery": {"method": 1, "email": "ffion@example.com",
                     "date": QDate.currentDate().addDays(1).toPython().isoformat()},
        "payment_method": 1, "order_id": "TILL-1"}
    reference = dialog.reference.text()
    assert reference.startswith("TILL-1") and dialog.codes.toPlainText() == "BENCH42"
    click(qtbot, dialog.copy_button)
    assert QGuiApplication.clipboard().text() == f"{reference}\nBENCH42"
    assert office.status.currentMessage() == f"Order {reference} created."
    kept = office.station.orders.log.recent()  # type: ignore[union-attr]
    assert kept[0].order_reference == reference and kept[0].voucher_codes == ("BENCH42",)
    # A fresh form for the next customer.
    click(qtbot, next(b for b in dialog.findChildren(type(dialog.copy_button))
                      if b.text() == "New order"))
    assert dialog.pages.currentIndex() == 0 and dialog.customer.email.text() == ""
    assert len(dialog.items) == 1 and dialog.items[0].voucher_id.value() == 0


def test_a_resend_after_a_lost_answer_is_asked_first(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    dialog = new_order(qtbot, office)
    fill_valid(qtbot, dialog)
    # Smart Gift creates it; the answer never arrives.
    sandbox.faults.inject("lost", only="POST /pos-sale")
    create(qtbot, dialog)
    qtbot.waitUntil(lambda: "may or may not have been created" in dialog.general.text(),
                    timeout=5_000)
    assert posts(sandbox) == 1 and dialog.customer.email.text() == "buyer@example.com"
    assert dialog.send_button.isEnabled()

    def question() -> QMessageBox:
        qtbot.waitUntil(lambda: dialog.dialogs.of_type(QMessageBox) is not None, timeout=5_000)
        box = dialog.dialogs.of_type(QMessageBox)
        assert isinstance(box, QMessageBox)
        return box

    create(qtbot, dialog)
    box = question()
    assert "no answer came back" in box.text() and "dashboard" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.No))
    qtbot.waitUntil(lambda: dialog.general.text() == "Not sent.", timeout=5_000)
    assert posts(sandbox) == 1
    create(qtbot, dialog)
    click(qtbot, question().button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=5_000)
    assert posts(sandbox) == 2
    records = office.station.orders.log.recent()  # type: ignore[union-attr]
    assert [r.state.value for r in records] == ["created", "unknown"]
    assert json.loads(json.dumps(records[0].request)) == records[1].request
    # Back office > Recent orders: what was sold here, and what needs a look.
    dialog.accept()
    action = next(a for a in office.actions() if a.text() == "Recent orders…")
    action.trigger()
    recent = open_dialog(qtbot, office, RecentOrdersDialog)
    assert isinstance(recent, RecentOrdersDialog)
    table = recent.table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]
    assert rows[0][1] == "Created" and rows[0][2] == records[0].order_reference
    assert rows[0][4] == "buyer@example.com" and rows[0][5] == "1"
    assert rows[1][1] == "Answer lost: check the dashboard" and rows[1][2] == ""
    assert "1 got no answer" in recent.summary.text()
    assert unnamed_controls(recent) == []


# -- trouble on the way: every failure said in words, nothing typed lost ---------------


@pytest.mark.parametrize(("fault", "said"), [
    ("500", "unable to process"),
    ("html", "could not read"),
    ("drop", "connection was dropped"),
])
def test_price_dialog_keeps_the_price_when_smart_gift_fails(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer, fault: str,
        said: str) -> None:
    agreement = _new_agreement(qtbot, office)
    dialog = price_dialog(qtbot, office)
    qtbot.keyClicks(dialog.price, "4.75")
    sandbox.faults.inject(fault, only="PUT /fulfilment/agreements")
    click(qtbot, dialog.send_button)
    qtbot.waitUntil(lambda: dialog.general.isVisibleTo(dialog), timeout=5_000)
    assert said in dialog.general.text() and "Nothing has changed" in dialog.general.text()
    assert dialog.isVisible() and dialog.price.text() == "4.75" and dialog.send_button.isEnabled()
    assert office.office.view.current() == agreement  # still new, still shown
    click(qtbot, dialog.send_button)  # and it goes through once Smart Gift is back
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert office.office.detail.fields["price"].text() == "£4.75 per order"


def test_agreements_that_cannot_be_fetched_say_why_and_keep_what_was_shown(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    office.show_agreements()
    before = office.office.view.model.rowCount()
    sandbox.faults.inject("malformed", only="GET /fulfilment/agreements")
    office.refresh_now()  # F5 on the agreements tab fetches them now
    qtbot.waitUntil(lambda: "Could not fetch" in office.office.view.state.text(),
                    timeout=5_000)
    assert "could not read" in office.office.view.state.text()
    assert office.office.view.model.rowCount() == before
    assert office.status.agreements_flag.text() == "2 new agreements to price"
    office.refresh_now()
    qtbot.waitUntil(lambda: office.office.view.state.text().startswith("Fetched"),
                    timeout=5_000)


def test_an_order_refused_for_the_rate_limit_is_not_taken_for_a_sent_one(
        qtbot: QtBot, office: MainWindow, sandbox: SandboxServer) -> None:
    dialog = new_order(qtbot, office)
    fill_valid(qtbot, dialog)
    sandbox.faults.inject("429", only="POST /pos-sale")
    create(qtbot, dialog)
    qtbot.waitUntil(lambda: "slow down" in dialog.general.text(), timeout=5_000)
    records = office.station.orders.log.recent()  # type: ignore[union-attr]
    assert [r.state.value for r in records] == ["not_sent"]
    create(qtbot, dialog)  # a 429 created nothing: sent again without a question
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=10_000)
    assert dialog.dialogs.of_type(QMessageBox) is None and posts(sandbox) == 2
