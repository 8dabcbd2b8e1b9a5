"""The courier as hostile as it can be, and the cases a review found: slots out of the
window or already begun, a job id that cannot be a tracking reference, two jobs of one
order, a comment template that would run away, a dispatch refused after booking, a
courier address with a trailing slash, an answer over the cap said as the courier's."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import io
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from keyring.backend import KeyringBackend
from pypdf import PdfReader

from packstation.api import Job
from packstation.api import errors as e
from packstation.api.limits import DEFAULT_LIMITS
from packstation.config import keys
from packstation.config.courier import DEMO_COLLECTION, CourierSettings
from packstation.courier.client import CourierClient
from packstation.courier.desk import BookedNotDone, CourierDesk, window
from packstation.courier.line import CourierLine
from packstation.courier.models import CourierKey, CourierNotReady, availability_body, comment
from packstation.job_service import Outcome
from packstation.printing.label import label_pdf
from packstation.sandbox import SandboxServer
from packstation.sandbox.lastmile import LASTMILE_DEMO_KEY, LastMileServer
from packstation.scanning.booking import book as booking_step
from packstation.station import Station
from packstation.store.courier_bookings import BookingState
from packstation.store.database import DatabaseError
from tests.barcodes import barcodes_in_pdf
from tests.gui import ANY_REFERENCE, make_station
from tests.hostile import HostileServer, SeenRequest, Wire
from tests.pg import Cluster
from tests.test_courier import COURIER, confirmed, courier_jobs
from tests.test_site import site_station

Answer = Callable[[SeenRequest, Wire], None]


def courier_answering(slots: list[dict[str, Any]], created: Any) -> Answer:
    def answer(request: SeenRequest, wire: Wire) -> None:
        wire.json(slots if "availability" in request.path else created)
    return answer


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@pytest.fixture
async def station(sandbox: SandboxServer, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Station]:
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", LASTMILE_DEMO_KEY)
    made = make_station(sandbox, tmp_path / "db.sqlite3",
                        delivery_methods={**ANY_REFERENCE, "Gift Envelope": COURIER},
                        courier=CourierSettings(api_url="https://unset.invalid",
                                                collection=DEMO_COLLECTION))
    await made.sync.sync_once()
    made.sender.start()
    yield made
    await made.aclose()


def use(station: Station, url: str) -> None:
    station.settings.courier = dataclasses.replace(station.settings.courier, api_url=url)


async def test_slots_begun_out_of_the_window_or_too_long_are_not_offered(
        station: Station) -> None:
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    good = {"id": "good", "from": iso(now + hour), "to": iso(now + 3 * hour)}
    slots = [{"id": "begun", "from": iso(now - 30 * hour), "to": iso(now - 28 * hour)},
             {"id": "far", "from": iso(now + 24 * 400 * hour), "to": iso(now + 24 * 400 * hour
                                                                       + hour)},
             {"id": "long", "from": iso(now + hour), "to": iso(now + 24 * 30 * hour)},
             good]
    with HostileServer(courier_answering(slots, {})) as server:
        use(station, server.base_url)
        offered = await station.courier.slots(courier_jobs(station)[0])
    assert [s.id for s in offered] == ["good"]


async def test_a_job_id_that_cannot_be_a_reference_is_kept_and_not_dispatched(
        station: Station) -> None:
    now = datetime.now(UTC)
    slots = [{"id": "s1", "from": iso(now + timedelta(hours=1)),
              "to": iso(now + timedelta(hours=3))}]
    with HostileServer(courier_answering(slots, {"job_id": "$$PS-START"})) as server:
        use(station, server.base_url)
        job = courier_jobs(station)[0]
        with pytest.raises(e.ApiError, match="cannot be its tracking reference"):
            await station.courier.book(job)
    booking = await station.courier.booking(job)
    assert booking is not None and booking.state is BookingState.BOOKED
    assert booking.courier_job_id == "$$PS-START"  # the courier's job exists: kept
    assert station.outbox.for_job(job.id) is None  # never sent as a reference


async def test_an_answer_over_the_cap_is_said_as_the_couriers(station: Station) -> None:
    bomb = gzip.compress(b" " * (8 << 20))

    def answer(request: SeenRequest, wire: Wire) -> None:
        wire.answer(bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(answer) as server:
        client = CourierClient(server.base_url, CourierKey(LASTMILE_DEMO_KEY), max_retries=0)
        try:
            with pytest.raises(e.ApiError) as refused:
                await client.availability({})
        finally:
            await client.aclose()
    assert str(refused.value).startswith("the courier sent an answer of more than the 4 MB")


async def test_two_jobs_of_one_order_are_two_courier_jobs(station: Station) -> None:
    with LastMileServer(seed=12) as courier:
        use(station, courier.base_url)
        first, second = courier_jobs(station)[:2]
        twin = dataclasses.replace(second, order_reference=first.order_reference)
        one = await station.courier.book(first)
        other = await station.courier.book(twin)
        assert one.booking.courier_job_id != other.booking.courier_job_id
        assert len(courier.jobs) == 2
        assert (await confirmed(station, twin.id)).tracking_reference == \
            other.booking.courier_job_id  # never the other job's courier id


def test_a_comment_template_is_filled_in_plainly_and_bounded() -> None:
    job = Job.from_json({"id": 3, "status": "pending", "order_reference": "SG-3",
                         "delivery_address": {"first_name": "Ann", "last_name": "Lee"}})
    started = time.perf_counter()
    assert comment("{order:>999999999}|{order.__len__}|{0}|{", job, COURIER) == \
        "{order:>999999999}|{order.__len__}|{0}|{"
    assert time.perf_counter() - started < 1  # no format spec is honoured
    assert comment("For {recipient}, order {order} ({method})", job, COURIER) == \
        "For Ann Lee, order SG-3 (Gift Envelope)"
    assert len(comment("{recipient}" * 500, job, COURIER)) <= 1000


async def test_a_dispatch_refused_after_booking_is_said_and_replaced_when_asked(
        station: Station, sandbox: SandboxServer) -> None:
    job = courier_jobs(station)[0]
    sandbox.faults.inject("503", 50, only=f"PUT /fulfilment/jobs/{job.id}")
    saved = await station.jobs.dispatch(job, "OWN-REF-1")  # waits: Smart Gift is down
    assert saved.ok
    sandbox.faults.aimed.clear()
    with LastMileServer(seed=13) as courier:
        use(station, courier.base_url)
        booked = await station.courier.book(job)
        assert not booked.dispatched.ok and booked.dispatched.ask
        assert "OWN-REF-1" in booked.dispatched.message
        assert not booked.label.message  # no label while the dispatch is in question
        again = await station.courier.book(job, replace=True)
        assert again.dispatched.ok and len(courier.jobs) == 1  # booked once
    dispatched = await confirmed(station, job.id)
    assert dispatched.tracking_reference == again.booking.courier_job_id


def test_the_courier_key_is_found_whatever_the_trailing_slash(
        secret_service_keyring: KeyringBackend) -> None:
    keys.store_courier_key("https://courier.example.com/", CourierKey("lm_key_0123456789ab"))
    assert keys.stored_courier_key("https://courier.example.com") is not None
    assert keys.load_courier_key("https://courier.example.com/").hint() == "…89ab"


@pytest.mark.parametrize("courier_id", ["ЛМ-1", "\uff2c\uff2d\uff11", "LM é", "L" * 120])
def test_a_handover_label_never_carries_a_barcode_that_reads_otherwise(
        courier_id: str, qapp: object) -> None:
    job = Job.from_json({"id": 1, "status": "pending", "order_reference": "SG-100234",
                         "delivery_address": {"first_name": "Ann", "last_name": "Lee",
                                              "line1": "1 High St", "city": "Leeds",
                                              "postcode": "LS1 1AA"}})
    pdf = label_pdf(job, "62x100mm", courier_id)
    assert barcodes_in_pdf(pdf, dpi=300) == [[]]
    assert "no barcode" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    good = label_pdf(job, "62x100mm", "LM-01A5BA50")
    assert barcodes_in_pdf(good) == [[("LM-01A5BA50", "Code128")]]


async def test_a_site_lost_as_the_courier_books_loses_nothing_and_books_nothing_twice(
        sandbox: SandboxServer, pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", LASTMILE_DEMO_KEY)
    url = pg_cluster.new_database()
    name = url.rsplit("/", 1)[-1]
    station = site_station(sandbox, url, "bench-1")

    def site_reachable(allowed: bool) -> None:
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
            if not allowed:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    try:
        with LastMileServer(seed=14) as courier:
            station.settings.delivery_methods["Gift Envelope"] = COURIER
            station.settings.courier = CourierSettings(api_url=courier.base_url,
                                                       collection=DEMO_COLLECTION)
            await station.sync.sync_once()
            job = courier_jobs(station)[0]
            slot = (await station.courier.slots(job))[0]
            courier.faults.latency = 1.0  # the booking takes a second: the cable is pulled
            booking = asyncio.ensure_future(station.courier.book(job, slot))
            for _ in range(500):
                if any(r.path == "/jobs" for r in courier.requests):
                    break
                await asyncio.sleep(0.01)
            await asyncio.to_thread(site_reachable, False)
            with pytest.raises(BookedNotDone) as said:
                await booking
            courier.faults.latency = 0.0
            (courier_id,) = courier.jobs
            assert courier_id in str(said.value) and "do not book it again" in str(said.value)
            await asyncio.to_thread(site_reachable, True)
            for _ in range(1000):  # until the station has its site again
                try:
                    await asyncio.to_thread(station.courier.bookings.recent, 1)
                    break
                except DatabaseError:
                    await asyncio.sleep(0.02)
            # Back: the answer kept on this PC is noted first, then the job is handed over.
            handed = await station.courier.book(job)
            assert handed.booking.courier_job_id == courier_id and handed.dispatched.ok
            assert len(courier.jobs) == 1  # booked once
            assert (await confirmed(station, job.id)).tracking_reference == courier_id
    finally:
        await station.aclose()


async def test_the_courier_giving_two_jobs_one_id_is_not_dispatched_twice(
        station: Station) -> None:
    now = datetime.now(UTC)
    slots = [{"id": "s1", "from": iso(now + timedelta(hours=1)),
              "to": iso(now + timedelta(hours=3))}]
    with HostileServer(courier_answering(slots, {"job_id": "LM-SAME"})) as server:
        use(station, server.base_url)
        first, second = courier_jobs(station)[:2]
        assert (await station.courier.book(first)).dispatched.ok
        with pytest.raises(BookedNotDone, match=r"gave order .* the same id"):
            await station.courier.book(second)
    assert station.outbox.for_job(second.id) is None


def test_what_the_courier_is_sent_is_clean_and_bounded() -> None:
    job = Job.from_json({"id": 4, "status": "pending", "order_reference": "SG-4",
                         "customer_email": "b\u0007uyer@example.com",
                         "delivery_address": {"first_name": "Al\u202eice\u0007",
                                              "last_name": "\u001b[31mSm\u200bith\u2066",
                                              "line1": "1 A St\u0000", "city": "Leeds",
                                              "postcode": "ls1 1aa"},
                         "vouchers": [{"id": 1, "value": "10.00", "name": "Tea\u202e"}]})
    body = availability_body(job, CourierSettings(collection=DEMO_COLLECTION),
                             datetime.now(UTC), datetime.now(UTC) + timedelta(days=1))
    assert body["destination"]["name"] == "Alice [31mSmith"
    assert body["destination"]["address"] == "1 A St"
    assert body["job_items"][0]["name"] == "Tea"
    negative = dataclasses.replace(job, vouchers=(dataclasses.replace(
        job.vouchers[0], value=Decimal("-50.00")),))
    with pytest.raises(CourierNotReady, match="not above"):
        availability_body(negative, CourierSettings(collection=DEMO_COLLECTION),
                          datetime.now(UTC), datetime.now(UTC) + timedelta(days=1))


def test_the_window_is_a_fortnight_at_most() -> None:
    now = datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert window(now.date() + timedelta(days=40), now)[1] == now + timedelta(days=14)


def test_a_key_replaced_is_used_at_the_next_booking(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = CourierSettings(api_url="https://courier.example.com")
    line = CourierLine(lambda: settings, keys.load_courier_key, lambda: DEFAULT_LIMITS)
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", "lm_first_key_000000001")
    first = line.client()
    assert line.client() is first
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", "lm_second_key_00000002")
    second = line.client()
    assert second is not first
    assert second.key_fingerprint == CourierKey("lm_second_key_00000002").fingerprint
    asyncio.run(line.aclose())


async def test_a_label_not_printed_is_said_and_book_prints_it_again(station: Station) -> None:
    printed: list[str] = []
    jammed = [True]

    async def label(job: Job, courier_job_id: str) -> Outcome:
        if jammed[0]:
            return Outcome(False, "handover label not printed: the printer is jammed")
        printed.append(courier_job_id)
        return Outcome(True, "handover label sent to Zebra")

    with LastMileServer(seed=15) as courier:
        use(station, courier.base_url)
        real = station.courier
        desk = CourierDesk(real._client, real.bookings, lambda: station.settings.courier,
                           station.delivery_method, lambda job: None, real._dispatch, label,
                           station.sign_in.attribution)
        job = courier_jobs(station)[0]
        step = await booking_step(desk, job, None, earliest=True)
        assert step.dispatched and not step.ok  # dispatched, but not green
        assert "jammed" in step.message and "Scan BOOK again" in step.message
        done = await confirmed(station, job.id)
        jammed[0] = False
        again = await booking_step(desk, done, None, earliest=True)
        assert again.ok and "handover label sent to Zebra" in again.message
        assert printed == list(courier.jobs) and len(courier.jobs) == 1
