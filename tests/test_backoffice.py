"""Agreements and POS orders below the window, over real HTTP against the sandbox."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from packstation.api import (
    ApiKey,
    ApiValidationError,
    NetworkError,
    PosCustomer,
    PosDelivery,
    PosItem,
    PosSale,
    RateBudget,
    SmartGiftClient,
)
from packstation.api.pos import field_path
from packstation.backoffice.agreements import AgreementBook
from packstation.backoffice.orders import OrderDesk, describe_earlier
from packstation.formats import read_price
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.database import Database
from packstation.store.pos_orders import OrderState, PosOrderLog
from tests.test_client import until


def sale(**changes: object) -> PosSale:
    base: dict[str, object] = {
        "items": (PosItem(id=2, price=Decimal("25.00"), to="Ffion", sender="Rhys"),),
        "customer": PosCustomer(email="buyer@example.com"),
        "delivery": PosDelivery(method=1, email="ffion@example.com"),
        "payment_method": 1,
    }
    return PosSale(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(("typed", "value", "problem"), [
    ("3.40", Decimal("3.40"), None),
    ("£3.4", Decimal("3.40"), None),
    (" 1,250 ", Decimal("1250.00"), None),
    ("", None, "Enter a price"),
    ("three", None, "not an amount"),
    ("0", None, "more than £0.00"),
    ("-2", None, "more than £0.00"),
    ("3.405", None, "two decimal places"),
    ("NaN", None, "Enter a price"),
])
def test_prices_are_pounds_and_pence(typed: str, value: Decimal | None,
                                     problem: str | None) -> None:
    reading = read_price(typed)
    assert reading.value == value
    assert (problem is None) == (reading.problem is None)
    if problem:
        assert problem in str(reading.problem)


def test_every_pos_rule_is_checked_at_its_field() -> None:
    bad = PosSale(
        items=(PosItem(id=0, price=Decimal("0")), PosItem(id=3, code="AB-1"),
               PosItem(id=2, price=Decimal("1.005"), code="X1"), PosItem(id=2, code="x1"),
               PosItem(id=4, persons=0)),
        customer=PosCustomer(email="not an email"),
        delivery=PosDelivery(method=0, email="nope", date=date(2026, 1, 1)),
        payment_method=0)
    found = bad.problems(online_delivery=True, monetary=(True, False, True, True, False),
                         today=date(2026, 6, 1))
    assert set(found) == {
        "items[0].id", "items[0].price", "items[1].code", "items[2].price", "items[3].price",
        "items[3].code", "items[4].persons", "customer.email", "delivery.method",
        "delivery.email", "delivery.date", "payment_method"}
    postal = sale(delivery=PosDelivery(method=97, date=date(2026, 6, 2)), items=())
    assert set(postal.problems(online_delivery=False, today=date(2026, 6, 1))) == {
        "items", "delivery.address1", "delivery.postcode"}
    assert sale(customer=PosCustomer(email="")).problems()["customer.email"].endswith(
        "required.")
    assert field_path("items.3.code") == "items[3].code"


async def test_agreement_book_counts_prices_and_sees_acceptance() -> None:
    with SandboxServer(accept_delay=0.3) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            book = AgreementBook(client, interval=0.1)
            told: list[list[int]] = []
            book.subscribe(lambda changed: told.append([a.id for a in changed]))
            await book.refresh()
            assert book.counts() == {"new": 2, "sent": 1, "active": 2, "cancelled": 1}
            assert book.waiting_for_price == 2 and len(told[0]) == 6
            new = next(a for a in book.agreements if a.status == "new")
            gets = sum(r.method == "GET" for r in sandbox.requests)
            priced = await book.price(new.id, Decimal("4.25"), "per_item")
            assert priced.status == "sent" and book.get(new.id) == priced
            assert told[-1] == [new.id] and book.waiting_for_price == 1
            assert sum(r.method == "GET" for r in sandbox.requests) == gets  # no re-list
            book.start()  # the customer accepts; the background refresh brings it
            await until(lambda: book.get(new.id).status == "active")  # type: ignore[union-attr]
            await book.aclose()
            ended = await book.terminate(new.id, "Prices going up")
            assert ended.status == "cancelled" and book.counts()["cancelled"] == 2


async def test_sandbox_refuses_what_the_service_refuses(client: SmartGiftClient) -> None:
    new = (await client.list_agreements(status="new")).items[0]
    with pytest.raises(ApiValidationError) as caught:
        await client.price_agreement(new.id, Decimal("10000.00"), "per_order")
    assert caught.value.status == 422 and "price" in caught.value.field_errors
    with pytest.raises(ApiValidationError) as caught:
        await client.terminate_agreement(new.id, "x" * 1001)
    assert caught.value.status == 422 and "reason" in caught.value.field_errors
    active = (await client.list_agreements(status="active")).items[0]
    with pytest.raises(ApiValidationError, match="can no longer be priced"):
        await client.price_agreement(active.id, Decimal("3.00"), "per_order")


async def test_a_lost_answer_is_noticed_before_the_order_is_sent_again(
        sandbox: SandboxServer, client: SmartGiftClient, tmp_path: Path) -> None:
    db = Database(tmp_path / "station.sqlite3")
    desk = OrderDesk(client, PosOrderLog(db))
    order = sale(order_id="TILL-7")
    assert await desk.earlier(order) is None
    sandbox.faults.inject("lost")  # created in Smart Gift, the answer never arrives
    with pytest.raises(NetworkError):
        await desk.submit(order, online_delivery=True)
    posts = [r for r in sandbox.requests if r.method == "POST"]
    assert len(posts) == 1  # never retried by the client
    db.close()
    # After a restart the station still knows.
    desk = OrderDesk(client, PosOrderLog(Database(tmp_path / "station.sqlite3")))
    earlier = await desk.earlier(order)
    assert earlier is not None and earlier.state is OrderState.UNKNOWN
    assert "no answer came back" in describe_earlier(earlier)
    # The same order id with other contents is the same order to Smart Gift's eyes.
    assert await desk.earlier(sale(order_id="TILL-7", payment_method=2)) is not None
    result = await desk.submit(order, online_delivery=True)  # the person said: send again
    again = await desk.earlier(order)
    assert again is not None and again.state is OrderState.CREATED
    assert again.order_reference == result.order_reference
    assert again.voucher_codes == result.voucher_codes
    assert result.order_reference in describe_earlier(again)


async def test_refused_and_unchecked_orders_do_not_count_as_sent(
        sandbox: SandboxServer, client: SmartGiftClient, tmp_path: Path) -> None:
    desk = OrderDesk(client, PosOrderLog(Database(tmp_path / "station.sqlite3")))
    incomplete = sale(delivery=PosDelivery(method=97))
    with pytest.raises(ApiValidationError) as caught:
        await desk.submit(incomplete, online_delivery=False)
    assert caught.value.status is None and not sandbox.requests  # never left the station
    refused = sale(delivery=PosDelivery(method=97), items=(PosItem(id=99, price=Decimal(1)),))
    with pytest.raises(ApiValidationError) as caught:
        await desk.submit(refused)
    assert field_path(next(iter(caught.value.field_errors))) == "items[0].id"
    assert await desk.earlier(refused) is None  # a 422 created nothing
    assert [r.state for r in desk.log.recent()] == [OrderState.REFUSED]
    later = date.today() + timedelta(days=3)
    dated = sale(delivery=PosDelivery(method=1, email="ffion@example.com", date=later))
    await desk.submit(dated, online_delivery=True)
    assert sandbox.requests[-1].body["delivery"]["date"] == later.isoformat()


async def test_an_unreadable_agreement_keeps_its_last_good_copy(
        sandbox: SandboxServer, client: SmartGiftClient) -> None:
    book = AgreementBook(client)
    await book.refresh()
    victim = book.agreements[0]
    sandbox.state._agreements[victim.id]["price"] = "three pounds"  # the server slips once
    await book.refresh()
    assert len(book.agreements) == 6 and book.get(victim.id) == victim  # nothing vanished
    assert len(book.problems) == 1 and f"#{victim.id}" in book.problems[0]
    assert "price" in book.problems[0]
    sandbox.state._agreements[victim.id]["price"] = victim.price and float(victim.price)
    await book.refresh()
    assert book.problems == [] and book.get(victim.id) is not None


async def test_the_demo_looks_at_agreements_often_enough_to_see_one_accepted() -> None:
    from packstation.config.settings import Settings
    from packstation.station import Station

    station = Station.open(demo=True, settings=Settings())
    try:
        assert station.sandbox is not None
        # Priced in training, accepted by the sandbox's customer, seen within a minute.
        accepted_after = station.sandbox.state.accept_delay
        assert accepted_after + station.agreements.interval <= 60
    finally:
        await station.aclose()
