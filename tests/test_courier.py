"""Booking jobs with the courier, against the sandbox's last-mile stand-in over loopback:
slots, a booking dispatched with the courier's job id, 417 then the next slot, a lost
answer never booked twice without a yes, 422 at its field, the buyer's contact kept back
by default, the key only ever sent to the courier's own address."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from packstation.api import Job
from packstation.api import errors as e
from packstation.api.fields import uk_zone
from packstation.api.ratelimit import RateBudget
from packstation.config.courier import DEMO_COLLECTION, CourierSettings, courier_from_json
from packstation.config.delivery import DeliveryMethod, Tracking, method_from_json
from packstation.courier.client import CourierClient
from packstation.courier.desk import AskFirst, NotForCourier, SlotGone, window
from packstation.courier.models import (
    CourierKey,
    CourierNotReady,
    Slot,
    job_body,
    read_slots,
    refused_fields,
)
from packstation.sandbox import SandboxServer
from packstation.sandbox.lastmile import LASTMILE_DEMO_KEY, LastMileServer
from packstation.scanning.commands import Command, barcode
from packstation.station import Station
from packstation.store.courier_bookings import AlreadyLive, BookingState, CourierBookings
from packstation.store.database import Store
from tests.gui import ANY_REFERENCE, make_station

COURIER = DeliveryMethod("Gift Envelope", Tracking.INTERNAL, courier=True,
                         courier_comment="Gift for {recipient}, order {order}")


@pytest.fixture
def lastmile() -> Iterator[LastMileServer]:
    with LastMileServer(seed=5) as server:
        yield server


def courier_settings(lastmile: LastMileServer, **changes: object) -> CourierSettings:
    return dataclasses.replace(CourierSettings(api_url=lastmile.base_url,
                                               collection=DEMO_COLLECTION), **changes)  # type: ignore[arg-type]


@pytest.fixture
async def station(sandbox: SandboxServer, lastmile: LastMileServer, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Station]:
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", LASTMILE_DEMO_KEY)
    made = make_station(sandbox, tmp_path / "db.sqlite3",
                        delivery_methods={**ANY_REFERENCE, "Gift Envelope": COURIER},
                        courier=courier_settings(lastmile), station_name="bench-1")
    await made.sync.sync_once()
    made.sender.start()
    yield made
    await made.aclose()


def courier_jobs(station: Station) -> list[Job]:
    return [j for j in station.cache.load(["pending"])
            if j.delivery_method_name == "Gift Envelope"]


async def confirmed(station: Station, job_id: int) -> Job:
    for _ in range(400):
        job = station.cache.get(job_id)
        if job is not None and job.status == "dispatched":
            return job
        await asyncio.sleep(0.025)
    raise AssertionError(f"job {job_id} was not dispatched")


async def aimed(station: Station, lastmile: LastMileServer, job: Job, fault: str) -> Slot:
    """The job's first slot, asked now, and ``fault`` aimed at the booking that follows
    (the availability's path starts with "/jobs" too: "$" aims at the booking only)."""
    slot = (await station.courier.slots(job))[0]
    lastmile.faults.inject(fault, only="POST /jobs$")
    return slot


def creates(lastmile: LastMileServer) -> list[object]:
    return [r.body for r in lastmile.requests if r.path == "/jobs"]


async def test_slots_are_asked_for_the_job_and_its_window(
        station: Station, lastmile: LastMileServer) -> None:
    job = courier_jobs(station)[0]
    slots = await station.courier.slots(job)
    assert slots and slots == sorted(slots, key=lambda s: s.starts)
    asked = next(r for r in lastmile.requests if r.path == "/jobs/availability/v2")
    assert asked.had_key
    body = asked.body
    assert isinstance(body, dict)
    assert body["origin"]["zip_code"] == DEMO_COLLECTION.zip_code
    address = job.delivery_address
    assert address is not None
    assert body["destination"]["zip_code"] == (address.postcode or "").upper()
    assert body["destination"]["name"] == address.recipient
    assert [i["id"] for i in body["job_items"]] == [str(v.id) for v in job.vouchers]
    assert body["slot_size"] == 120
    end = datetime.fromisoformat(body["end"])
    leave_by = station.settings.leave_by_rule().leave_by(job)
    assert leave_by is not None
    assert end >= datetime.combine(leave_by, datetime.min.time(), uk_zone())


async def test_a_booking_dispatches_with_the_courier_job_id(
        station: Station, lastmile: LastMileServer) -> None:
    job = courier_jobs(station)[0]
    booked = await station.courier.book(job)
    courier_id = booked.booking.courier_job_id
    assert courier_id is not None and courier_id in lastmile.jobs
    assert booked.dispatched.ok, booked.dispatched.message
    assert courier_id in booked.message
    sent = lastmile.jobs[courier_id]
    assert sent["client_reference"] == job.order_reference
    assert sent["payment_info"]["currency_code"] == "GBP"
    assert sent["payment_info"]["prices"]["order_value"] == int(job.total_value * 100)
    assert sent["job_comment"].startswith("Gift for ")
    dispatched = await confirmed(station, job.id)
    assert dispatched.tracking_reference == courier_id  # Smart Gift holds the courier's id
    stored = await station.courier.booking(job)
    assert stored is not None and stored.state is BookingState.BOOKED
    # Booking it again is not a second courier job: the job is no longer pending.
    with pytest.raises(NotForCourier):
        await station.courier.book(dispatched)
    assert len(lastmile.jobs) == 1


async def test_the_buyers_contact_is_not_sent_by_default(
        station: Station, lastmile: LastMileServer) -> None:
    job = next(j for j in courier_jobs(station) if j.customer_email)
    await station.courier.book(job)
    (body,) = creates(lastmile)
    assert isinstance(body, dict)
    assert set(body["recipient"]) == {"name"}
    assert job.customer_email not in json.dumps(body)
    assert body["add_delivery_code"] is False


def test_the_buyers_contact_only_when_set_and_never_with_a_delivery_code() -> None:
    job = Job.from_json({"id": 1, "status": "pending", "order_reference": "SG-1",
                         "customer_email": "buyer@example.com", "customer_phone": "07700900123",
                         "delivery_address": {"first_name": "Ann", "last_name": "Lee",
                                              "line1": "1 High St", "city": "Leeds",
                                              "postcode": "ls1 1aa"},
                         "vouchers": [{"id": 5, "value": "12.50"}]})
    slot = Slot("s", datetime(2026, 12, 2, 10, tzinfo=uk_zone()),
                datetime(2026, 12, 2, 12, tzinfo=uk_zone()))
    coded = CourierSettings(add_delivery_code=True)
    body = job_body(job, slot, coded, COURIER)
    assert body["recipient"] == {"name": "Ann Lee"} and body["add_delivery_code"] is True
    told = dataclasses.replace(coded, send_buyer_contact=True, value_unit="major")
    body = job_body(job, slot, told, COURIER)
    assert body["recipient"] == {"name": "Ann Lee", "email": "buyer@example.com",
                                 "phone_number": "07700900123"}
    assert body["add_delivery_code"] is False  # the code would go to the buyer, not the door
    assert body["payment_info"]["prices"]["order_value"] == 12.5


async def test_an_expired_slot_offers_the_next_saying_why(
        station: Station, lastmile: LastMileServer) -> None:
    job = courier_jobs(station)[0]
    first, *_ = await station.courier.slots(job)
    lastmile.expire_slots()
    with pytest.raises(SlotGone) as gone:
        await station.courier.book(job, first)
    assert "expired before it was booked" in str(gone.value)
    assert "offered again" in str(gone.value) or "the next is" in str(gone.value)
    offered = gone.value.next_slot
    assert offered is not None and offered.id != first.id
    assert not lastmile.jobs
    expired = await station.courier.booking(job)
    assert expired is not None and expired.state is BookingState.EXPIRED
    booked = await station.courier.book(job, offered)
    assert booked.booking.slot_id == offered.id and len(lastmile.jobs) == 1


async def test_an_expired_slot_gone_by_offers_the_next_one(station: Station) -> None:
    now = [time.time()]
    with LastMileServer(seed=6, clock=lambda: now[0], slot_ttl=600) as courier:
        station.settings.courier = dataclasses.replace(station.settings.courier,
                                                       api_url=courier.base_url)
        job = courier_jobs(station)[0]
        first, second, *_ = await station.courier.slots(job)
        now[0] = first.starts.timestamp()  # back from lunch as the slot began
        with pytest.raises(SlotGone) as gone:
            await station.courier.book(job, first)
        assert f"the next is {second.describe()}." in str(gone.value)
        offered = gone.value.next_slot
        assert offered is not None and offered.starts == second.starts
        assert not courier.jobs


async def test_a_lost_answer_is_never_booked_again_without_a_yes(
        station: Station, lastmile: LastMileServer) -> None:
    job = courier_jobs(station)[0]
    slot = await aimed(station, lastmile, job, "lost")
    with pytest.raises(e.NetworkError):
        await station.courier.book(job, slot)
    assert len(lastmile.jobs) == 1  # made, though no answer came back
    posts = len(creates(lastmile))
    with pytest.raises(AskFirst) as asked:
        await station.courier.book(job)
    assert "no answer came back" in str(asked.value)
    assert len(creates(lastmile)) == posts  # nothing sent without a yes
    booked = await station.courier.book(job, again=True)
    assert len(lastmile.jobs) == 2 and booked.dispatched.ok
    states = [b.state for b in CourierBookings(station.db).recent()]
    assert states == [BookingState.BOOKED, BookingState.SET_ASIDE]


async def test_a_refusal_is_shown_at_its_field(station: Station, lastmile: LastMileServer
                                                ) -> None:
    job = courier_jobs(station)[0]
    slot = await aimed(station, lastmile, job, "422")
    with pytest.raises(e.ApiValidationError) as refused:
        await station.courier.book(job, slot)
    assert "recipient.phone_number" in refused.value.field_errors
    assert "(the buyer's phone" in refused_fields(refused.value.field_errors)
    record = await station.courier.booking(job)
    assert record is not None and record.state is BookingState.REFUSED
    booked = await station.courier.book(job)  # a refusal made nothing: booking again is fine
    assert booked.booking.courier_job_id in lastmile.jobs


async def test_a_cancelled_job_with_a_booking_is_flagged(
        station: Station, lastmile: LastMileServer, sandbox: SandboxServer) -> None:
    job = courier_jobs(station)[0]
    slot = await aimed(station, lastmile, job, "lost")
    with pytest.raises(e.NetworkError):
        await station.courier.book(job, slot)
    other = courier_jobs(station)[1]
    booked = await station.courier.book(other)
    await confirmed(station, other.id)
    # Smart Gift cancels both (the customer changed their mind) and the sync brings it.
    for cancelled in (job, other):
        sandbox.state.update_job(cancelled.id, {"status": "cancelled"})
    await station.sync.sync_once()
    flags = await station.courier.flags()
    assert any(f"courier job {booked.booking.courier_job_id} is booked; cancel it with the "
               "courier" in f for f in flags)
    assert any(str(job.order_reference) in f and "without an answer" in f for f in flags)


async def test_a_job_not_for_the_courier_or_without_an_address_is_refused(
        station: Station, lastmile: LastMileServer) -> None:
    other = next(j for j in station.cache.load(["pending"])
                 if j.delivery_method_name == "Gift Box")
    with pytest.raises(NotForCourier):
        await station.courier.book(other)
    bare = dataclasses.replace(courier_jobs(station)[0], delivery_address=None)
    with pytest.raises(CourierNotReady, match="delivery address"):
        await station.courier.slots(bare)
    assert not lastmile.requests  # refused before any request


async def test_no_collection_address_is_said_before_anything_is_sent(
        station: Station, lastmile: LastMileServer) -> None:
    station.settings.courier = CourierSettings(api_url=lastmile.base_url)
    with pytest.raises(CourierNotReady, match="collection address"):
        await station.courier.book(courier_jobs(station)[0])
    assert not lastmile.requests


async def test_the_key_goes_only_to_the_courier(lastmile: LastMileServer,
                                                sandbox: SandboxServer) -> None:
    key = CourierKey(LASTMILE_DEMO_KEY)
    async with httpx.AsyncClient() as _:
        client = CourierClient(lastmile.base_url, key, budget=RateBudget())
        try:
            assert LASTMILE_DEMO_KEY not in repr(client)
            # The same client's connection pool asked for another origin: no key on it.
            other = f"{sandbox.base_url}/jobs"
            with pytest.raises(e.ApiError):
                await client._send(other, {}, retry=False)
        finally:
            await client.aclose()
    seen = [r for r in sandbox.requests if r.path == "/jobs"]
    assert seen and not seen[0].had_key
    with pytest.raises(e.ConfigError, match="HTTPS"):
        CourierClient("http://courier.example.com", key)


async def test_a_hostile_availability_is_read_as_far_as_it_can_be() -> None:
    good = {"id": "a", "from": "2026-12-02T10:00:00+00:00", "to": "2026-12-02T12:00:00+00:00",
            "expires_at": "2026-12-02T09:00:00+00:00", "surprise": [1]}
    parsed = read_slots([good, {"id": "b", "from": "yesterday"}, 7,
                         {"id": "\x1b[2J", "from": good["from"], "to": good["to"]},
                         {**good, "id": "c", "to": good["from"]}, good]
                        + [{**good, "id": f"p{i}"} for i in range(600)])
    assert parsed.items[0].id == "a" and len(parsed.items) == 500  # the 500 soonest
    assert len(parsed.problems) == 5 and "the soonest 500" in str(parsed.problems[-1])
    assert any(p.id == "\\x1b[2J" for p in parsed.problems)  # named, escaped
    assert parsed.items[0].extra["surprise"] == [1]  # unknown fields kept
    assert read_slots({"slots": [good]}).items[0].id == "a"
    start = datetime(2026, 12, 2, tzinfo=UTC)
    latest_first = [{"id": f"s{n}", "from": (start + timedelta(hours=n)).isoformat(),
                     "to": (start + timedelta(hours=n + 1)).isoformat()}
                    for n in range(10_000, 0, -1)]
    soonest = read_slots(latest_first).items
    assert [s.id for s in soonest[:2]] == ["s1", "s2"] and len(soonest) == 500


def test_courier_settings_from_a_hostile_file() -> None:
    read = courier_from_json({"api_url": 5, "slot_minutes": 10**9, "value_unit": "shekels",
                              "contact_less": "Throw it over the fence",
                              "send_buyer_contact": "yes", "collection": {"name": "\x07"}})
    assert read == CourierSettings()
    method = method_from_json({"name": "Courier", "courier": 1, "courier_comment": "x" * 9999})
    assert method is not None and not method.courier and method.courier_comment == ""
    assert method_from_json(COURIER.to_json()) == COURIER


def test_the_window_runs_from_now_past_the_leave_by_day() -> None:
    now = datetime(2026, 12, 1, 15, tzinfo=uk_zone())
    start, end = window(now.date() + timedelta(days=3), now)
    assert start == now and end == datetime(2026, 12, 5, tzinfo=uk_zone())
    assert window(now.date() - timedelta(days=2), now)[1] == now + timedelta(hours=24)


def test_one_live_booking_per_job_on_either_engine(engine: Callable[[], Store]) -> None:
    """Two benches of a site booking one job at the same moment: one booking is written,
    the other is told (and sends nothing). Another job of the same order is its own."""
    db = engine()
    bookings = CourierBookings(db)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def bench(name: str) -> None:
        barrier.wait()
        try:
            bookings.begin(7, "SG-7", "slot-1", "", "", name, "", in_flight_for=60)
            outcomes.append("booked")
        except AlreadyLive as exc:
            assert exc.booking is not None and exc.booking.job_id == 7
            assert exc.booking.in_flight  # being sent: nobody books past it
            outcomes.append("told")

    threads = [threading.Thread(target=bench, args=(f"bench-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "told", "told", "told"]
    (live,) = bookings.recent()
    assert bookings.settle(live.id, BookingState.REFUSED, detail="HTTP 422")
    again = bookings.begin(7, "SG-7", "slot-2", "", "", "bench-1", "", in_flight_for=0)
    assert again.state is BookingState.SENDING  # a refusal made none: booked again
    other = bookings.begin(8, "SG-7", "slot-3", "", "", "bench-2", "", in_flight_for=0)
    assert other.job_id == 8  # the same order's other job: its own booking
    stale = bookings.live(7)
    assert stale is not None and not stale.in_flight  # its time to answer is over
    kept = bookings.begin(7, "SG-7", "slot-3", "", "", "bench-2", "", in_flight_for=60,
                          set_aside=again.id)
    assert [b.state for b in bookings.recent()][:3] == [
        BookingState.SENDING, BookingState.SENDING, BookingState.SET_ASIDE]
    # The set-aside booking's answer comes after all: kept on it, and a person told.
    assert not bookings.settle(again.id, BookingState.BOOKED, courier_job_id="LM-LATE")
    assert bookings.settle(kept.id, BookingState.BOOKED, courier_job_id="LM-2")
    late = next(b for b in bookings.recent() if b.id == again.id)
    assert late.state is BookingState.SET_ASIDE and late.courier_job_id == "LM-LATE"
    db.close()


async def test_the_demo_books_its_envelopes_with_its_own_courier() -> None:
    station = await asyncio.to_thread(Station.open, demo=True, lively=False)
    try:
        assert station.courier_sandbox is not None
        await station.sync.sync_once()
        station.sender.start()
        job = courier_jobs(station)[0]
        assert station.courier.for_courier(job)  # the sandbox's envelopes go by courier
        booked = await station.courier.book(job)
        assert booked.booking.courier_job_id in station.courier_sandbox.jobs
        sent = station.courier_sandbox.jobs[booked.booking.courier_job_id]
        assert sent["job_comment"].startswith("Gift for ")
        await confirmed(station, job.id)
    finally:
        await station.aclose()


async def test_no_scan_but_book_dispatches_a_courier_job(station: Station) -> None:
    job = courier_jobs(station)[0]
    handler = station.scan_handler()
    for scan in (barcode(Command.DISPATCHED), "OUR-OWN-REF-1"):
        outcome = await handler.handle(scan, job)
        assert not outcome.ok and "BOOK" in outcome.message, outcome.message
    assert station.outbox.for_job(job.id) is None
