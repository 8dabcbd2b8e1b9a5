"""A stand-in for Instaleap's last-mile delivery API, on loopback, for the sandbox.

Only what the courier client uses: ``POST /jobs/availability/v2`` (delivery slots)
and ``POST /jobs`` (book one). Same machinery as the Smart Gift fake (keep-alive,
rate-limit headers, injected faults), but Instaleap's ways: an ``x-api-key`` header,
422 bodies with dotted field paths, and 417 when the chosen slot has expired.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from packstation.sandbox.http import JsonHandler, QuietServer, Serving
from packstation.sandbox.lastmile_rules import Refused, check_availability, check_job
from packstation.sandbox.server import FAULT_KINDS, Faults, FixedWindowLimit, SeenRequest

__all__ = ["FAULT_KINDS", "LASTMILE_DEMO_KEY", "Faults", "LastMileServer"]  # with re-exports

LASTMILE_DEMO_KEY = "lm_demo_packstation_courier"

log = logging.getLogger("packstation.sandbox.lastmile")

_OPEN, _CLOSE = clock_time(9, 0), clock_time(18, 0)
_LEAD = timedelta(minutes=30)  # no courier can be booked sooner than this
_MAX_SLOTS = 20
_MAX_BODY = 1024 * 1024
_DRAIN_LIMIT = 16 * _MAX_BODY  # a bigger body is not read, the connection is closed
_NOWHERE = "ZZ99 9ZZ"  # test hook: no courier covers this postcode
_STORE = {"id": "store-1", "name": "Sandbox Couriers"}
_ROUTES = {"/jobs/availability/v2": "availability", "/jobs": "create"}  # all POST
_FAULT_ANSWERS: dict[str, dict[str, Any]] = {
    "500": {"message": "Internal Server Error"},
    "503": {"message": "Service Unavailable"},
    "429": {"message": "Too Many Requests"},
    "422": {"message": "The recipient's phone number is not valid.",
            "errors": {"recipient.phone_number": ["not a valid phone number"]}},
}
_MALFORMED = {"availability": b'[{"id": "slot-', "create": b'{"job_id": "LM-'}

def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json would take NaN and Infinity

def _slot_times(first: datetime, end: datetime, size: int
                ) -> Iterator[tuple[datetime, datetime]]:
    """Slots of ``size`` minutes from each working day's opening, Monday to Saturday,
    in London (where the couriers' working hours are kept)."""
    london = ZoneInfo("Europe/London")  # here, not at import: it reads the tz database
    step, day = timedelta(minutes=size), first.astimezone(london).date()
    while day <= end.astimezone(london).date():
        if day.weekday() < 6:
            at = datetime.combine(day, _OPEN, london).astimezone(UTC)
            close = min(datetime.combine(day, _CLOSE, london).astimezone(UTC), end)
            while at + step <= close:
                if at >= first:
                    yield at, at + step
                at += step
        day += timedelta(days=1)


class _Handler(JsonHandler):
    server: _Server

    def do_POST(self) -> None:
        self._handle(self.command)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST  # answered 404 or 405

    def _body(self) -> Any:
        """The parsed body, or the refusal it earns. Always read (or the connection
        closed), so that a refused request leaves a keep-alive connection usable."""
        length_text = self.headers.get("Content-Length") or "0"
        if (not re.fullmatch(r"[0-9]{1,12}", length_text)
                or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()):
            self.close_connection = True  # where this body ends is unknown
            return Refused(411, "Send the body with a valid Content-Length.")
        length = int(length_text)
        if length > _MAX_BODY:
            while 0 < length <= _DRAIN_LIMIT and (chunk := self.rfile.read(min(length, 65536))):
                length -= len(chunk)
            self.close_connection = length > 0
            return Refused(413, "The request body is over 1 MB.")
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw, parse_constant=_no_constant) if raw else Refused(
                422, "The request body is empty; send a JSON object.")
        except (ValueError, RecursionError):
            return Refused(422, "The request body is not valid JSON.")

    def _handle(self, method: str) -> None:
        lastmile = self.server.lastmile
        url = urlsplit(self.path)
        path, payload = url.path, self._body()
        lastmile.requests.append(SeenRequest(
            method, path, url.query, "x-api-key" in self.headers,
            None if isinstance(payload, Refused) else payload,
            str(self.headers.get("User-Agent", ""))[:200], time.monotonic()))
        if lastmile.faults.latency:
            time.sleep(lastmile.faults.latency)
        fault = lastmile.faults.next(f"{method} {path}")
        if fault == "drop":
            self.hang_up()
            return
        if fault == "slow":
            time.sleep(lastmile.faults.slow_seconds)
        key = self.headers.get("x-api-key") or ""
        if key != lastmile.key:
            self.send_json(401, {"message": "Unauthorized"})
            return
        allowed, limit_headers = lastmile.limit.hit(key)
        if not allowed:
            self.send_json(429, {"message": "Too Many Requests"}, limit_headers)
            return
        if fault in _FAULT_ANSWERS:
            retry = ({"Retry-After": str(lastmile.faults.retry_after)}
                     if fault in ("429", "503") else {})
            self.send_json(int(fault), _FAULT_ANSWERS[fault], {**limit_headers, **retry})
            return
        if fault == "html":
            self.send_raw(200, b"<html><body>Bad gateway</body></html>", "text/html",
                           limit_headers)
            return
        route = _ROUTES.get(path.rstrip("/") or "/")
        try:
            if route is None:
                raise Refused(404, "Not found.")
            if method != "POST":
                limit_headers = {**limit_headers, "Allow": "POST"}
                raise Refused(405, "Method not allowed.")
            if isinstance(payload, Refused):
                raise payload
            if not isinstance(payload, dict):
                raise Refused(422, "The request body must be a JSON object.")
            body = (lastmile._availability(payload) if route == "availability"
                    else lastmile._create_job(payload))
        except Refused as exc:
            self.send_json(exc.status, exc.body, limit_headers)
            return
        if fault == "lost":  # done, but the answer never arrives: the dangerous case for a POST
            self.hang_up()
        elif fault == "malformed":
            self.send_raw(200, _MALFORMED[route], "application/json", limit_headers)
        else:
            self.send_json(200, body, limit_headers)


class _Server(QuietServer):
    lastmile: LastMileServer


class LastMileServer(Serving):
    """A running fake last-mile API on 127.0.0.1. Start, use ``base_url``, stop."""

    thread_name = "packstation-lastmile"

    def __init__(
        self,
        *,
        port: int = 0,
        key: str = LASTMILE_DEMO_KEY,
        seed: int = 1,
        slot_minutes: int = 120,
        slot_ttl: float = 900.0,
        days: int = 3,
        rate_limit: int = 60,
        rate_window: float = 60.0,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
    ) -> None:
        self.key = key
        # The client's defaults for what it asks (slot length, days ahead); the server
        # itself answers whatever a valid request asks for.
        self.slot_minutes, self.days = slot_minutes, days
        self.slot_ttl = slot_ttl
        self.limit = FixedWindowLimit(rate_limit, rate_window)
        self.faults = faults or Faults(seed=seed)
        self.requests: list[SeenRequest] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.slots: dict[str, dict[str, Any]] = {}
        self._expires: dict[str, float] = {}  # slot id -> epoch seconds
        self._held: dict[tuple[str, str, str], str] = {}  # (from, to, model) -> slot id
        self._clock = clock
        self._rng = random.Random(seed)  # the same ids run after run, for tests
        self._lock = threading.Lock()
        httpd = _Server((host, port), _Handler)
        httpd.lastmile = self
        super().__init__(httpd)

    def expire_slots(self) -> None:
        """Every slot handed out so far expires now: a test gets its 417 without waiting."""
        with self._lock:
            for slot_id in self._expires:
                self._expires[slot_id] = -math.inf

    def _availability(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        start, end, size, model = check_availability(body)
        if str(body["destination"]["zip_code"]).strip().upper() == _NOWHERE:
            return []
        now = self._clock()
        first = max(start, datetime.fromtimestamp(now, UTC) + _LEAD)
        expires_at = datetime.fromtimestamp(now + self.slot_ttl, UTC).isoformat()
        slots: list[dict[str, Any]] = []
        with self._lock:
            for begin, finish in _slot_times(first, end, size):
                if len(slots) == _MAX_SLOTS:
                    break
                # A window still held is the same slot asked again (its id and hold kept);
                # once its hold has run out, a new hold is a new slot.
                held = self._held.get((begin.isoformat(), finish.isoformat(), model))
                if held is not None and now < self._expires[held]:
                    slots.append(self.slots[held])
                    continue
                slot_id = self._new_id(lambda: f"slot-{self._rng.getrandbits(48):012x}",
                                       self.slots)
                slot = {"id": slot_id, "from": begin.isoformat(), "to": finish.isoformat(),
                        "operational_model": model, "store": dict(_STORE),
                        "expires_at": expires_at}
                self.slots[slot_id] = slot
                self._expires[slot_id] = now + self.slot_ttl
                self._held[(begin.isoformat(), finish.isoformat(), model)] = slot_id
                slots.append(slot)
        return slots

    def _create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        slot_id = check_job(body)
        now = self._clock()
        with self._lock:
            if slot_id not in self._expires:
                raise Refused(422, "The request is not valid: slot_id unknown slot.",
                               {"slot_id": ["unknown slot"]})
            if now >= self._expires[slot_id]:
                raise Refused(417, "The slot has expired; ask for availability again.")
            # No refusal of a repeated client_reference: the real service is not known
            # to make one, so the client must not send a job twice.
            job_id = self._new_id(lambda: f"LM-{self._rng.getrandbits(32):08X}", self.jobs)
            self.jobs[job_id] = {**body, "created_at": datetime.fromtimestamp(now, UTC)
                                 .isoformat()}
        return {"job_id": job_id, "message": "Job created"}

    @staticmethod
    def _new_id(make: Callable[[], str], taken: dict[str, Any]) -> str:
        while (new := make()) in taken:
            pass
        return new
