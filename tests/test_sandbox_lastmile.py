"""The last-mile stand-in's promises, the ones the courier client relies on.

Over real loopback HTTP with plain httpx; the server's clock is injected, so slots
and their expiry are exact and no test waits.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from packstation.sandbox.lastmile import LASTMILE_DEMO_KEY, LastMileServer

LONDON = ZoneInfo("Europe/London")
MONDAY_8AM = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)  # winter: London is on UTC


class Clock:
    """The server's time, moved by hand."""

    def __init__(self, at: datetime = MONDAY_8AM) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now


def place(zip_code: str = "SW1A 1AA", **changes: Any) -> dict[str, Any]:
    return {"name": "Bench 1", "address": "1 Example Street", "country": "GB",
            "city": "London", "zip_code": zip_code, "latitude": 51.5, "longitude": -0.14,
            **changes}


def ask(start: str = "2030-01-07T10:00:00+00:00", end: str = "2030-01-09T12:00:00+00:00",
        slot_size: int = 90, **changes: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "slot_size": slot_size,
            "operational_models_priority": ["FULL_SERVICE", "PICK_AND_DELIVERY"],
            "origin": place("EC1A 1BB"), "destination": place(),
            "job_items": [{"id": "V-1", "name": "Gift voucher", "quantity": 1, "unit": "unit",
                           "price": 25.0}], **changes}


def job(slot_id: str, **changes: Any) -> dict[str, Any]:
    return {"slot_id": slot_id, "client_reference": "SG-1001",
            "recipient": {"name": "Ann Example", "email": "ann@example.com",
                          "phone_number": "+447700900123"},
            "payment_info": {"currency_code": "GBP", "prices": {"order_value": 25.0}},
            "add_delivery_code": True, "job_comment": "Gift: do not leave with neighbours",
            "contact_less": {"comment": "LeaveAtTheDoor"}, **changes}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[LastMileServer]:
    with LastMileServer(clock=clock) as running:
        yield running


@pytest.fixture
def client(server: LastMileServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": LASTMILE_DEMO_KEY},
                      timeout=5) as http:
        yield http


def slots(client: httpx.Client, **changes: Any) -> list[dict[str, Any]]:
    answer = client.post("/jobs/availability/v2", json=ask(**changes))
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_missing_or_wrong_key_is_401_and_changes_nothing(server: LastMileServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        keyless = http.post("/jobs/availability/v2", json=ask())
        wrong = http.post("/jobs/availability/v2", json=ask(),
                          headers={"x-api-key": LASTMILE_DEMO_KEY + "x"})
        right = http.post("/jobs/availability/v2", json=ask(),
                          headers={"x-api-key": LASTMILE_DEMO_KEY})
    assert (keyless.status_code, keyless.json()) == (401, {"message": "Unauthorized"})
    assert (wrong.status_code, wrong.json()) == (401, {"message": "Unauthorized"})
    assert right.status_code == 200 and len(server.slots) == len(right.json()) > 0
    assert [r.had_key for r in server.requests] == [False, True, True]


def test_slots_lie_in_the_window_on_working_hours_and_are_of_the_size_asked(
        server: LastMileServer, client: httpx.Client, clock: Clock) -> None:
    start, end = at("2030-01-07T10:00:00+00:00"), at("2030-01-09T12:00:00+00:00")
    found = slots(client, start=start.isoformat(), end=end.isoformat(), slot_size=90)
    # Monday from 10:30 (the first 90-minute boundary from 09:00 after the start),
    # all of Tuesday, Wednesday until noon.
    assert [s["from"][:16] for s in found] == [
        "2030-01-07T10:30", "2030-01-07T12:00", "2030-01-07T13:30", "2030-01-07T15:00",
        "2030-01-07T16:30", "2030-01-08T09:00", "2030-01-08T10:30", "2030-01-08T12:00",
        "2030-01-08T13:30", "2030-01-08T15:00", "2030-01-08T16:30", "2030-01-09T09:00",
        "2030-01-09T10:30"]
    for slot in found:
        begin, finish = at(slot["from"]), at(slot["to"])
        assert slot["from"].endswith("+00:00") and slot["to"].endswith("+00:00")
        assert start <= begin and finish <= end and finish - begin == timedelta(minutes=90)
        local_begin, local_finish = begin.astimezone(LONDON), finish.astimezone(LONDON)
        assert local_begin.hour >= 9 and (local_finish.hour, local_finish.minute) <= (18, 0)
        assert local_begin.weekday() < 6
        assert at(slot["expires_at"]).timestamp() == clock.now + 900
        assert re.fullmatch(r"slot-[0-9a-f]{12}", slot["id"])
        assert slot["operational_model"] == "FULL_SERVICE"
        assert slot["store"] == {"id": "store-1", "name": "Sandbox Couriers"}
        assert server.slots[slot["id"]] == slot
    assert len({s["id"] for s in found}) == len(found) == len(server.slots)


def test_the_first_slot_is_the_first_boundary_half_an_hour_from_now(
        client: httpx.Client, clock: Clock) -> None:
    clock.now = datetime(2030, 1, 7, 10, 45, tzinfo=UTC).timestamp()  # earliest 11:15
    found = slots(client, start="2030-01-07T00:00:00+00:00", end="2030-01-07T23:59:00+00:00",
                  slot_size=60)
    assert [(s["from"], s["to"]) for s in found][::5] == [
        ("2030-01-07T12:00:00+00:00", "2030-01-07T13:00:00+00:00"),
        ("2030-01-07T17:00:00+00:00", "2030-01-07T18:00:00+00:00")]
    assert len(found) == 6


def test_working_hours_are_london_ones_in_summer_time(client: httpx.Client,
                                                      clock: Clock) -> None:
    clock.now = datetime(2030, 7, 8, 6, 0, tzinfo=UTC).timestamp()  # a Monday, 07:00 BST
    found = slots(client, start="2030-07-08T00:00:00+01:00", end="2030-07-08T23:00:00+01:00",
                  slot_size=180)
    assert [(s["from"], s["to"]) for s in found] == [
        ("2030-07-08T08:00:00+00:00", "2030-07-08T11:00:00+00:00"),
        ("2030-07-08T11:00:00+00:00", "2030-07-08T14:00:00+00:00"),
        ("2030-07-08T14:00:00+00:00", "2030-07-08T17:00:00+00:00")]


def test_no_slot_runs_past_closing_time_or_the_window(client: httpx.Client) -> None:
    whole_day = slots(client, start="2030-01-07T00:00:00+00:00",
                      end="2030-01-07T23:00:00+00:00", slot_size=120)
    assert whole_day[-1]["to"] == "2030-01-07T17:00:00+00:00"  # 17:00-19:00 would overrun
    morning = slots(client, start="2030-01-07T00:00:00+00:00",
                    end="2030-01-07T14:30:00+00:00", slot_size=120)
    assert [s["to"][11:16] for s in morning] == ["11:00", "13:00"]


def test_no_more_than_20_slots(client: httpx.Client) -> None:
    found = slots(client, start="2030-01-07T00:00:00+00:00", end="2030-01-12T23:00:00+00:00",
                  slot_size=15)
    assert len(found) == 20 and found[0]["from"] == "2030-01-07T09:00:00+00:00"


@pytest.mark.parametrize("changes", [
    {"destination": place("ZZ99 9ZZ")},  # no courier covers it
    {"start": "2030-01-13T00:00:00+00:00", "end": "2030-01-13T23:59:00+00:00"},  # a Sunday
    {"start": "2030-01-07T18:00:00+00:00", "end": "2030-01-08T08:59:00+00:00"},  # overnight
], ids=["uncovered-postcode", "sunday", "overnight"])
def test_nothing_to_offer_is_an_empty_list(server: LastMileServer, client: httpx.Client,
                                          changes: dict[str, Any]) -> None:
    assert slots(client, **changes) == [] and server.slots == {}


def test_invalid_availability_names_each_field(server: LastMileServer,
                                               client: httpx.Client) -> None:
    destination = place()
    del destination["zip_code"]
    items = [{"id": "V-1", "name": "Gift voucher", "quantity": 0},
             {"id": "V-2", "name": "Card", "quantity": 2, "price": -1}]
    answer = client.post("/jobs/availability/v2",
                         json=ask(destination=destination, job_items=items))
    assert answer.status_code == 422
    body = answer.json()
    assert set(body["errors"]) == {"destination.zip_code", "job_items.0.quantity",
                                   "job_items.1.price"}
    assert isinstance(body["message"], str) and "destination.zip_code" in body["message"]
    assert server.slots == {}


@pytest.mark.parametrize(("changes", "field"), [
    ({"end": "2030-01-07T09:00:00+00:00"}, "end"),  # before the start
    ({"end": "2030-01-30T09:00:00+00:00"}, "end"),  # over 14 days
    ({"start": "2030-01-07T10:00:00"}, "start"),  # no offset
    ({"slot_size": 10}, "slot_size"),
    ({"job_items": []}, "job_items"),
    ({"operational_models_priority": []}, "operational_models_priority"),
    ({"origin": place(city="")}, "origin.city"),
], ids=["end-before-start", "window-too-long", "no-offset", "slot-too-short", "no-items",
        "no-models", "empty-city"])
def test_invalid_availability_rules(client: httpx.Client, changes: dict[str, Any],
                                    field: str) -> None:
    answer = client.post("/jobs/availability/v2", json=ask(**changes))
    assert answer.status_code == 422 and set(answer.json()["errors"]) == {field}


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"slot_size": NaN}'],
                         ids=["not-json", "not-an-object", "nan"])
def test_a_body_that_is_no_json_object_is_422(client: httpx.Client, raw: bytes) -> None:
    answer = client.post("/jobs/availability/v2", content=raw,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["message"]


def test_a_job_is_created_on_a_slot_and_recorded(server: LastMileServer,
                                                 client: httpx.Client, clock: Clock) -> None:
    slot = slots(client)[0]
    answer = client.post("/jobs", json=job(slot["id"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert re.fullmatch(r"LM-[0-9A-F]{8}", body["job_id"]) and body["message"] == "Job created"
    recorded = server.jobs[body["job_id"]]
    assert recorded == {**job(slot["id"]), "created_at": recorded["created_at"]}
    assert at(recorded["created_at"]).timestamp() == clock.now


def test_a_slot_expired_on_purpose_is_417(server: LastMileServer,
                                          client: httpx.Client) -> None:
    slot = slots(client)[0]
    server.expire_slots()
    answer = client.post("/jobs", json=job(slot["id"]))
    assert answer.status_code == 417
    assert answer.json() == {"message": "The slot has expired; ask for availability again."}
    assert server.jobs == {}
    assert client.post("/jobs", json=job(slots(client)[0]["id"])).status_code == 200


def test_a_slot_is_417_once_the_clock_reaches_its_expiry(
        server: LastMileServer, client: httpx.Client, clock: Clock) -> None:
    first, second = slots(client)[:2]
    expiry = at(first["expires_at"]).timestamp()
    clock.now = expiry - 1
    assert client.post("/jobs", json=job(first["id"])).status_code == 200
    clock.now = expiry
    assert client.post("/jobs", json=job(second["id"])).status_code == 417
    assert len(server.jobs) == 1


@pytest.mark.parametrize(("changes", "errors"), [
    ({"slot_id": "slot-000000000000"}, {"slot_id": ["unknown slot"]}),
    ({"contact_less": {"comment": "Doorstep"}}, {"contact_less.comment"}),
    ({"payment_info": {"currency_code": "gbp", "prices": {"order_value": 25}}},
     {"payment_info.currency_code"}),
    ({"payment_info": {"currency_code": "GBP", "prices": {}}},
     {"payment_info.prices.order_value"}),
    ({"client_reference": "x" * 101, "recipient": {"name": " "}, "add_delivery_code": "yes"},
     {"client_reference", "recipient.name", "add_delivery_code"}),
], ids=["unknown-slot", "contact-less-comment", "currency", "order-value", "several"])
def test_invalid_jobs_are_422_by_field(server: LastMileServer, client: httpx.Client,
                                       changes: dict[str, Any], errors: Any) -> None:
    slot = slots(client)[0]
    answer = client.post("/jobs", json={**job(slot["id"]), **changes})
    assert answer.status_code == 422
    found = answer.json()["errors"]
    assert (found if isinstance(errors, dict) else set(found)) == errors
    assert server.jobs == {}


def test_a_lost_answer_still_creates_the_job(server: LastMileServer,
                                             client: httpx.Client) -> None:
    slot = slots(client)[0]
    server.faults.inject("lost", only="POST /jobs")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/jobs", json=job(slot["id"]))
    assert [j["client_reference"] for j in server.jobs.values()] == ["SG-1001"]
    # A blind retry books the same order twice: only the client can prevent it.
    assert client.post("/jobs", json=job(slot["id"])).status_code == 200
    assert [j["client_reference"] for j in server.jobs.values()] == ["SG-1001", "SG-1001"]


def test_an_injected_422_is_the_phone_number_one(server: LastMileServer,
                                                 client: httpx.Client) -> None:
    slot = slots(client)[0]
    server.faults.inject("422")
    answer = client.post("/jobs", json=job(slot["id"]))
    assert (answer.status_code, answer.json()) == (422, {
        "message": "The recipient's phone number is not valid.",
        "errors": {"recipient.phone_number": ["not a valid phone number"]}})
    assert server.jobs == {}


def test_over_the_rate_limit_is_429_with_retry_after(clock: Clock) -> None:
    with LastMileServer(clock=clock, rate_limit=3) as server, httpx.Client(
            base_url=server.base_url, headers={"x-api-key": LASTMILE_DEMO_KEY},
            timeout=5) as http:
        answers = [http.post("/jobs/availability/v2", json=ask()) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
    assert int(answers[3].headers["Retry-After"]) >= 1 and server.limit.refused == 1


def test_the_key_is_never_kept(server: LastMileServer, client: httpx.Client) -> None:
    client.post("/jobs", json=job(slots(client)[0]["id"]))
    assert [(r.method, r.path, r.had_key) for r in server.requests] == [
        ("POST", "/jobs/availability/v2", True), ("POST", "/jobs", True)]
    assert server.requests[1].body["client_reference"] == "SG-1001"
    assert LASTMILE_DEMO_KEY not in repr(server.requests) + repr(server)


def test_refusals_keep_the_connection_usable(server: LastMileServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    headers = {"x-api-key": LASTMILE_DEMO_KEY, "Content-Type": "application/json"}

    def send(method: str, path: str, body: bytes) -> tuple[int, Any]:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())

    try:
        assert send("POST", "/nowhere", b"{}") == (404, {"message": "Not found."})
        first_socket = connection.sock
        assert send("GET", "/jobs", b'{"x": 1}')[0] == 405
        assert send("POST", "/jobs", b"{broken")[0] == 422
        assert send("POST", "/jobs", b" " * (1024 * 1024 + 1))[0] == 413
        status, found = send("POST", "/jobs/availability/v2", json.dumps(ask()).encode())
        assert status == 200 and found and connection.sock is first_socket
    finally:
        connection.close()
