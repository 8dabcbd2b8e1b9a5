"""The scan handler's state across scans: the double-scan rule, WRONG LABEL, a label
read twice. Against a real store (SQLite); nothing is sent (no sender is poked)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Set
from pathlib import Path

import pytest

from packstation.api import Job
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import Settings
from packstation.job_service import JobService
from packstation.sandbox import SandboxServer
from packstation.scanning.commands import Command, barcode
from packstation.scanning.handler import ScanHandler
from packstation.scanning.interpret import ScanKind, interpret
from packstation.store.database import Database
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox
from packstation.store.scan_log import ScanLog
from tests.gui import make_station
from tests.test_store import job

DPD_LABEL = "%SW1A1AA15501234567890101826"


class Queue:
    """The queue in id order, as the window's would be."""

    def __init__(self, cache: JobCache) -> None:
        self.cache = cache
        self.in_hand: Job | None = None

    def next_pending(self, after: Job | None, skip: Set[int]) -> Job | None:
        return next(iter(self.pending_in_order(after, skip)), None)

    def pending_in_order(self, after: Job | None, skip: Set[int]) -> list[Job]:
        jobs = [j for j in (self.cache.get(i) for i in range(1, 6)) if j is not None]
        return [j for j in jobs if j.status == "pending" and j.id not in skip
                and (after is None or j.id > after.id)]

    def put_in_hand(self, job: Job) -> None:
        self.in_hand = job


@pytest.fixture
def store(tmp_path: Path) -> tuple[JobCache, DispatchOutbox, ScanHandler]:
    db = Database(tmp_path / "db.sqlite3")
    cache = JobCache(db)
    cache.store([job(i) for i in range(1, 6)], 1.0)
    outbox = DispatchOutbox(db)
    method = DeliveryMethod("Post", Tracking.CARRIER, "dpd")
    handler = ScanHandler(cache, JobService(outbox, ScanLog(db)),
                          settings=lambda: Settings(print_on_select=False),
                          methods=lambda name: method)
    return cache, outbox, handler


async def test_a_label_read_twice_is_not_given_to_the_next_job_without_asking(
        store: tuple[JobCache, DispatchOutbox, ScanHandler]) -> None:
    cache, outbox, handler = store
    queue = Queue(cache)
    first = await handler.handle(DPD_LABEL, cache.get(1), queue)
    assert first.dispatched and first.select is not None and first.select.id == 2
    again = await handler.handle(DPD_LABEL, first.select, queue)  # the scanner read it twice
    assert not again.dispatched and "ORDER1" in again.confirm
    assert outbox.for_job(2) is None
    yes = await handler.handle(DPD_LABEL, first.select, queue, confirmed=True)
    assert yes.dispatched and outbox.for_job(2) is not None


async def test_the_double_scan_rule_counts_two_scans_for_the_same_job_only(
        store: tuple[JobCache, DispatchOutbox, ScanHandler]) -> None:
    cache, outbox, handler = store
    queue = Queue(cache)
    assert not (await handler.handle("BENCH-REF-9", cache.get(1), queue)).dispatched
    second = await handler.handle("BENCH-REF-9", cache.get(1), queue)
    assert second.dispatched and outbox.for_job(1).tracking_reference == "BENCH-REF-9"  # type: ignore[union-attr]
    # A third read lands on the next job: it is a first scan there, not a second.
    third = await handler.handle("BENCH-REF-9", cache.get(2), queue)
    assert not third.dispatched and outbox.for_job(2) is None
    # Nor does a scan for one job count for another.
    await handler.handle("OTHER-REF", cache.get(3), queue)
    assert not (await handler.handle("OTHER-REF", cache.get(4), queue)).dispatched


async def test_wrong_label_ends_when_another_order_is_scanned(
        store: tuple[JobCache, DispatchOutbox, ScanHandler]) -> None:
    cache, outbox, handler = store
    queue = Queue(cache)
    await handler.handle(DPD_LABEL, cache.get(1), queue)
    armed = await handler.handle(barcode(Command.WRONG_LABEL), cache.get(2), queue)
    assert armed.ok and "ORDER1" in armed.message
    picked = await handler.handle("ORDER3", cache.get(2), queue)
    assert picked.select is not None and picked.select.id == 3 and handler.replacing is None
    label = await handler.handle("%SW1A1AA15509999999999101826", cache.get(3), queue)
    assert label.dispatched and outbox.for_job(3) is not None  # order 3's own label
    assert outbox.for_job(1).tracking_reference == "15501234567890"  # type: ignore[union-attr]


async def test_wrong_label_judges_the_new_label_as_any_scan_and_asks(
        store: tuple[JobCache, DispatchOutbox, ScanHandler]) -> None:
    cache, outbox, handler = store
    queue = Queue(cache)
    await handler.handle(DPD_LABEL, cache.get(1), queue)
    await handler.handle(barcode(Command.WRONG_LABEL), cache.get(2), queue)
    unknown = await handler.handle("NEW-REF-1", cache.get(2), queue)
    assert not unknown.confirm and "again" in unknown.message
    twice = await handler.handle("NEW-REF-1", cache.get(2), queue)  # the double-scan rule
    assert "Replace the tracking reference of order ORDER1 with NEW-REF-1" in twice.confirm
    too_long = await handler.handle("X" * 300, cache.get(2), queue)
    assert not too_long.confirm and "300 characters" in too_long.message
    done = await handler.handle("NEW-REF-1", cache.get(2), queue, confirmed=True)
    assert done.ok and outbox.for_job(1).tracking_reference == "NEW-REF-1"  # type: ignore[union-attr]
    assert handler.replacing is None


@pytest.mark.parametrize("scan", ["²", "9²", "①", "73891051146²", "٣", "\uff11\uff12\uff13"])
def test_unicode_digits_neither_crash_nor_pick_a_job(
        store: tuple[JobCache, DispatchOutbox, ScanHandler], scan: str) -> None:
    cache, _, _ = store
    meaning = interpret(scan, None, cache)
    assert meaning.kind is ScanKind.REFUSED


async def test_a_dispatch_is_answered_before_the_station_goes_on_but_never_waits_long(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    """The packer's PUT goes before the next job's print (which starts when dispatch
    returns); a slow line holds the flow back a quarter of a second at most."""
    station = make_station(sandbox, tmp_path / "db.sqlite3")
    await station.sync.sync_once()
    station.sender.start()
    try:
        pending = [j for j in station.cache.load_page(None, 100)[0] if j.status == "pending"]
        sandbox.faults.latency = 0.1  # every answer: 100 ms on the way back
        started = time.monotonic()
        saved = await station.jobs.dispatch(pending[0], "FIRST-1")
        assert saved.ok and time.monotonic() - started >= 0.1  # waited for the answer
        assert sandbox.state.job(pending[0].id)["tracking_reference"] == "FIRST-1"  # type: ignore[index]
        sandbox.faults.latency = 2.0
        started = time.monotonic()
        assert (await station.jobs.dispatch(pending[1], "SECOND-2")).ok
        assert time.monotonic() - started < 1.0  # SEND_FIRST bounds it
    finally:
        sandbox.faults.latency = 0.0
        await station.aclose()


async def test_a_dispatch_says_when_it_is_on_the_wire_before_smart_gift_answers(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    """What follows a dispatch (the next job's print) waits for its request to be sent,
    not for the answer."""
    station = make_station(sandbox, tmp_path / "db.sqlite3")
    await station.sync.sync_once()
    try:
        pending = [j for j in station.cache.load_page(None, 100)[0] if j.status == "pending"]
        sandbox.faults.latency = 1.0  # the answer takes a second
        saved = await station.jobs.save(pending[0], "WIRE-1")
        written = asyncio.Event()
        outcome = asyncio.ensure_future(station.jobs.sending(pending[0], "WIRE-1", saved,
                                                             written))
        answered = asyncio.Event()
        station.sender.subscribe(lambda event: answered.set())
        await asyncio.wait_for(written.wait(), 10)
        assert not outcome.done()  # it waits SEND_FIRST (a quarter second) for the answer
        assert sandbox.state.job(pending[0].id)["status"] == "pending"  # type: ignore[index]
        assert (await outcome).ok
        await asyncio.wait_for(answered.wait(), 10)
        assert sandbox.state.job(pending[0].id)["tracking_reference"] == "WIRE-1"  # type: ignore[index]
    finally:
        sandbox.faults.latency = 0.0
        await station.aclose()


async def test_a_job_dispatched_while_waited_on_is_not_waited_on_any_more(
        store: tuple[JobCache, DispatchOutbox, ScanHandler]) -> None:
    cache, _, handler = store

    class LastJob(Queue):
        def pending_in_order(self, after: Job | None, skip: Set[int]) -> list[Job]:
            return []  # nothing after it: no next print to replace what it waits on

    queue = LastJob(cache)
    started = await handler.handle(barcode(Command.START), cache.get(1), queue)
    assert not started.ok and handler.flow.waiting is not None  # no printer: it waits
    waited = handler.flow.waiting
    assert waited.id == 1
    done = await handler.handle(DPD_LABEL, waited, queue)
    assert done.dispatched
    assert handler.flow.waiting is None  # packed: REPRINT or its PDFs never print it again


def test_a_change_is_leased_as_it_is_saved_and_the_same_scan_again_is_not_leased_twice(
        store: tuple[JobCache, DispatchOutbox, ScanHandler]) -> None:
    from packstation.store.outbox import OutboxState, lease_owner

    _, outbox, _ = store
    entry, leased = outbox.add_leased(1, "dispatched", "REF-1", lease=60.0)
    assert leased and entry.state is OutboxState.SENDING and entry.lease_owner == lease_owner()
    assert outbox.claim_next() is None  # no other sender takes it meanwhile
    again, leased_again = outbox.add_leased(1, "dispatched", "REF-1", lease=60.0)
    assert not leased_again and again.id == entry.id  # sent once, by the first


def test_a_dispatch_whose_commit_fails_is_said_not_saved_and_nothing_else_is_sent(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    """A scan's send starts as its commit does. A commit that fails (a full disk) is said
    plainly: not saved here; Smart Gift may have it (the send is withdrawn unless it is
    already on the wire, as it usually is), and then with exactly what was scanned."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).parent.parent
    done = subprocess.run([sys.executable, "-m", "tests.disk_full_child",
                           str(tmp_path / "db.sqlite3"), sandbox.base_url],
                          capture_output=True, text=True, timeout=120, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-2000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert not said["ok"] and "NOT saved on this station" in said["told"]
    assert "leaves the queue by itself" in said["told"]
    assert not said["outbox"]  # nothing half-saved to send again later
    puts = [r for r in sandbox.requests if r.method == "PUT"]
    assert len(puts) <= 1
    server = sandbox.state.job(said["job"])
    assert server is not None
    if puts:  # on the wire before the disk failed: the packer's own scan, once
        assert (server["status"], server["tracking_reference"]) == ("dispatched",
                                                                    "OWN-REF-77")
        # Its answer recorded, or (withdrawn as it was being written) left to the sync.
        assert (said["cached"], said["ref"]) in {("dispatched", "OWN-REF-77"),
                                                 ("pending", None)}
    else:
        assert server["status"] == said["cached"] == "pending"
