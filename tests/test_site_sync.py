"""A site's stations share one syncer, one budget for the key and the voucher PDFs, and
a station that loses the site's database goes on alone with the job in hand. A real
PostgreSQL (tests/pg.py), a real sandbox, stations as real processes where they race."""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Set
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from packstation.api import Job, Priority, RateBudget
from packstation.api.site_budget import SiteBudget
from packstation.job_service import NO_NEW_JOB
from packstation.sandbox import SandboxServer
from packstation.scanning.flow import PackingFlow
from packstation.store.database import DatabaseError
from packstation.store.history import DispatchHistory
from packstation.store.site_budget import SiteLedger
from packstation.store.site_database import SiteDatabase, SiteUnreachable
from packstation.store.site_roles import LeaseLost, SiteLease
from tests.cups import CupsQueue
from tests.pg import Cluster, start_cluster
from tests.test_client import until
from tests.test_site import site_station

ROOT = Path(__file__).parent.parent
TAKEOVER = 15.0  # the bound: another station syncs within this of the last beat


class Child:
    """A station process whose printed lines are read as they come."""

    def __init__(self, *args: str) -> None:
        # What it said went wrong, if it fails; closed in stop().
        self.errors = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.home = tempfile.mkdtemp(prefix="station-")  # each bench its own PC's folders
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.site_station_child", *args], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=self.errors, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT),
                 "PACKSTATION_DATA_DIR": os.path.join(self.home, "data"),
                 "PACKSTATION_CACHE_DIR": os.path.join(self.home, "cache")})
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def expect(self, wanted: str, timeout: float = 60.0) -> str:
        """The next line starting with ``wanted`` (others skipped); fails after timeout."""
        ends = time.monotonic() + timeout
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                self.errors.seek(0)
                raise AssertionError(f"{wanted!r} never came; its stderr ends:\n"
                                     f"{self.errors.read()[-3000:]}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line.startswith(wanted):
                return line

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
        self.process.wait(timeout=10)
        self.errors.close()
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def site_url(pg_cluster: Cluster) -> Iterator[str]:
    url = pg_cluster.new_database()
    SiteDatabase(url).close()  # its schema made once, before stations race for it
    yield url


def _agent(name: str) -> str:
    return f"({name})"


def _syncs(sandbox: SandboxServer, name: str, after: float = 0.0) -> list[float]:
    return [r.at for r in list(sandbox.requests) if r.method == "GET"
            and r.path == "/fulfilment/jobs" and r.agent.endswith(_agent(name))
            and r.at > after]


def test_one_lease_holder_a_lapsed_one_taken_over_and_its_writes_refused(
        site_url: str) -> None:
    db = SiteDatabase(site_url)
    try:
        first, second = SiteLease(db, "bench-1"), SiteLease(db, "bench-2")
        assert first.hold() and first.still_mine()
        assert not second.hold() and not second.still_mine()
        assert first.hold() and first.term == 1  # renewed: the same term
        # bench-1 froze: its heartbeat missed for longer than the lease.
        db.execute("UPDATE site_roles SET expires_at = clock_timestamp() - interval '1 s'")
        assert second.hold() and second.term == 2
        with pytest.raises(LeaseLost), db.transaction() as sql:  # what it stores: refused
            first.check(sql)
        assert not first.hold() and first.term is None  # and it cannot renew it
        holder = second.holder()
        assert holder is not None and holder.station == "bench-2" and holder.live
        second.give_up()  # closing: free at once
        assert first.hold() and first.term == 3
    finally:
        db.close()


def test_the_site_ledger_never_lets_a_window_hold_more_than_the_limit(site_url: str) -> None:
    db = SiteDatabase(site_url)
    try:
        benches = [SiteLedger(db, f"bench-{i}") for i in range(3)]
        granted = sum(1 for i in range(30) if benches[i % 3].take(20) == 0.0)
        assert granted == 20
        wait = benches[0].take(20)
        assert 0 < wait <= 62.0  # until the oldest spend leaves the window
        state = benches[1].state()
        assert state.spent == 20 and sum(state.by_station.values()) == 20
        benches[2].record(3)  # sent alone while the site was lost: counted once back
        assert benches[0].state().by_station["bench-2"] == 6 + 3
    finally:
        db.close()


def test_background_work_leaves_the_last_of_the_window_to_people(site_url: str) -> None:
    db = SiteDatabase(site_url)
    try:
        ledger = SiteLedger(db, "bench-1")
        assert sum(1 for _ in range(20) if ledger.take(20, held=5) == 0.0) == 15
        assert ledger.take(20, held=5) > 0  # the sync waits...
        assert ledger.take(20) == 0.0  # ...a packer's dispatch goes
    finally:
        db.close()


class _LostLedger:
    """The site's ledger out of reach until ``back``; then it counts what it is told."""

    def __init__(self) -> None:
        self.back = False
        self.recorded = 0

    def take(self, limit: int, held: int = 0, priority: int = 0) -> float:
        if not self.back:
            raise SiteUnreachable("the site database at postgresql://site cannot be reached")
        return 0.0

    def record(self, count: int) -> None:
        self.recorded += count


async def test_a_budget_whose_ledger_is_lost_keeps_to_a_small_share_alone() -> None:
    budget = SiteBudget(RateBudget(), _LostLedger(), alone_limit=3)
    with pytest.raises(TimeoutError):  # background work never takes the packers' share
        await asyncio.wait_for(budget.acquire(Priority.BACKGROUND), 0.2)
    for _ in range(3):
        await budget.acquire(Priority.INTERACTIVE)
        await budget.release({}, 200)
    assert budget.alone_since is not None
    fourth = asyncio.ensure_future(budget.acquire(Priority.INTERACTIVE))
    await asyncio.sleep(0)
    assert not fourth.done()  # a fourth within the minute waits
    fourth.cancel()
    ledger = budget.ledger
    assert isinstance(ledger, _LostLedger)
    ledger.back = True  # the site answers again: the three sent alone are counted there
    await budget.acquire(Priority.INTERACTIVE)
    assert ledger.recorded == 3 and budget.alone_since is None


def test_a_killed_syncer_is_replaced_within_the_takeover_time(
        site_url: str, sandbox: SandboxServer) -> None:
    first = Child(site_url, sandbox.base_url, "bench-1", "serve")
    first.expect("synced")  # the first to start is the syncer
    second = Child(site_url, sandbox.base_url, "bench-2", "serve")
    try:
        second.expect("ready")
        killed = time.monotonic()
        os.kill(first.process.pid, signal.SIGKILL)
        second.expect("syncer", timeout=TAKEOVER + 30)
        second.expect("synced")
        took = _syncs(sandbox, "bench-2")[0] - killed
        print(f"\nsyncer SIGKILLed: bench-2 synced {took:.1f} s later")
        assert took < TAKEOVER + 2  # the lease (10 s) and a heartbeat (3 s), then its sync
    finally:
        first.stop()
        second.stop()


def test_a_frozen_syncer_is_replaced_and_once_thawed_does_not_sync_alongside(
        site_url: str, sandbox: SandboxServer) -> None:
    first = Child(site_url, sandbox.base_url, "bench-1", "serve")
    first.expect("syncer")
    second = Child(site_url, sandbox.base_url, "bench-2", "serve")
    try:
        second.expect("ready")
        first.expect("synced")
        # Frozen just after a sync (connection alive, lease not renewed): SIGSTOP.
        os.kill(first.process.pid, signal.SIGSTOP)
        frozen = time.monotonic()
        second.expect("syncer", timeout=TAKEOVER + 30)
        second.expect("synced")
        took = _syncs(sandbox, "bench-2", frozen)[0] - frozen
        print(f"\nsyncer SIGSTOPped: bench-2 synced {took:.1f} s later")
        assert took < TAKEOVER + 2
        thawed = time.monotonic()
        os.kill(first.process.pid, signal.SIGCONT)
        first.expect("follower", timeout=30)  # its heartbeat finds the lease taken
        # bench-2 syncs on (each sync 2 s apart); bench-1 never once more.
        while len(_syncs(sandbox, "bench-2", thawed)) < 3:
            second.expect("synced")
        assert _syncs(sandbox, "bench-1", thawed) == []
    finally:
        first.stop()
        second.stop()


class _Queue:
    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs

    def pending_in_order(self, after: Job | None, skip: Set[int]) -> list[Job]:
        return [j for j in self.jobs if j.id not in skip]

    def put_in_hand(self, job: Job) -> None:
        pass


async def test_the_database_stopped_mid_shift_costs_no_dispatch_and_none_twice(
        sandbox: SandboxServer, cups_queue: CupsQueue) -> None:
    """``pg_ctl stop -m immediate`` mid-shift, then started again: the job in hand still
    prints, its dispatch made meanwhile is saved on the station and sent from it, arrives
    once, and is in the site's history (once) when the database is back; no new job is
    taken meanwhile."""
    cluster = start_cluster()
    url = cluster.new_database()
    bench, other = site_station(sandbox, url, "bench-1"), site_station(sandbox, url, "bench-2")
    bench.settings.voucher_printer = cups_queue.name
    try:
        await bench.sync.sync_once()
        pending = await asyncio.to_thread(bench.cache.load, ["pending"])
        before = await bench.jobs.take_next(pending)
        assert before is not None
        saved = await bench.jobs.dispatch(before, "BEFORE-OUTAGE")
        assert saved.ok and "this station" not in saved.message
        in_hand = await bench.jobs.take_next(pending[1:])
        assert in_hand is not None

        await asyncio.to_thread(cluster.stop, "immediate")
        printed = await bench.jobs.print_now(in_hand)  # its history unwritten: printed all
        assert printed.ok, printed.message  # the same
        alone = await bench.jobs.dispatch(in_hand, "DURING-OUTAGE")
        assert alone.ok, alone.message
        assert "on this station" in alone.message and "out of reach" in alone.message
        flow = PackingFlow(bench.jobs)
        step = await flow.start(None, _Queue(pending[2:]))  # no new job: said, in red
        assert not step.ok and step.message == NO_NEW_JOB
        site = bench.site
        assert site is not None
        own = DispatchHistory(site.own_db)
        await until(lambda: [r.tracking_reference for r in own.for_job(in_hand.id)]
                    == ["DURING-OUTAGE"], timeout=15)

        site.start()  # the station's own sender and its catch-up, as the window starts them
        await asyncio.to_thread(cluster.start)
        await until(lambda: site.catch_up.carried == 1, timeout=30)
        assert await site.catch_up.carry() == 0  # carried once, however often it looks
        check = SiteDatabase(url)
        try:
            history = DispatchHistory(check)
            assert [(r.tracking_reference, r.station) for r in history.for_job(in_hand.id)] \
                == [("DURING-OUTAGE", "bench-1")]
            assert [r.tracking_reference for r in history.for_job(before.id)] \
                == ["BEFORE-OUTAGE"]
        finally:
            check.close()
        puts = Counter(r.path for r in sandbox.requests if r.method == "PUT")
        assert puts == Counter({f"/fulfilment/jobs/{before.id}": 1,
                                f"/fulfilment/jobs/{in_hand.id}": 1})
        # Every bench sees it dispatched; and this one takes new jobs again.
        assert await asyncio.to_thread(other.cache.status_of, in_hand.id) == "dispatched"
        assert await bench.jobs.take_next(pending[2:]) is not None
    finally:
        await bench.aclose()
        await other.aclose()
        cluster.stop("immediate")


async def test_three_stations_on_one_key_at_its_limit_never_meet_a_429(
        site_url: str) -> None:
    """Three benches packing as fast as they can, with the site's syncer's sync and PDF
    prefetch, on one sandbox key of 60 requests a minute: more than a minute's worth of
    requests, none refused, every dispatch sent once."""
    with SandboxServer(pdf_delay=0, jobs=140, seed=11, rate_limit=60, rate_window=60.0
                       ) as sandbox:
        first = site_station(sandbox, site_url, "bench-0")
        try:
            await first.sync.sync_once()  # the site's jobs, counted in its budget too
            pending = await asyncio.to_thread(first.cache.load, ["pending"])
        finally:
            await first.aclose()
        ids = sorted(j.id for j in pending)[:72]
        assert len(ids) == 72  # 72 dispatches: more than the key's minute on their own
        benches = [Child(site_url, sandbox.base_url, f"bench-{n}", "pack",
                         *[str(i) for i in ids[n - 1::3]]) for n in (1, 2, 3)]
        try:
            for bench in benches:
                bench.expect("packed", timeout=240)
        finally:
            for bench in benches:
                bench.stop()
        seen = list(sandbox.requests)
        puts = Counter(r.path for r in seen if r.method == "PUT")
        assert puts == Counter({f"/fulfilment/jobs/{i}": 1 for i in ids})
        pdfs = sum(1 for r in seen if "voucher-pdf" in r.path)
        spent = len(seen)
        print(f"\n3 stations: {spent} requests ({len(puts)} dispatches, {pdfs} PDFs), "
              f"{sandbox.limit.refused} refused")
        assert spent > 60  # more than one window's worth: the budget was at work
        assert sandbox.limit.refused == 0
    db = SiteDatabase(site_url)
    try:
        assert DispatchHistory(db).count() == 72
    finally:
        db.close()


async def test_a_dispatch_at_one_bench_is_told_at_another_by_notify(
        site_url: str, sandbox: SandboxServer) -> None:
    """The follower's own look is an hour apart here: only the NOTIFY can wake it."""
    from packstation.store.jobs import JobChange
    from packstation.sync.site_sync import SiteSync

    first, second = site_station(sandbox, site_url, "bench-1"), \
        site_station(sandbox, site_url, "bench-2")
    told: list[tuple[JobChange, float]] = []
    try:
        follower = second.sync
        assert isinstance(follower, SiteSync)
        follower.look_every = 3600.0
        follower.heartbeat = 3600.0
        await asyncio.to_thread(follower.prime)  # an empty site: nothing known yet
        await first.sync.sync_once()  # bench-1 syncs (and holds the syncer lease)
        pending = await asyncio.to_thread(first.cache.load, ["pending"])
        assert pending
        follower.subscribe(lambda changes: told.extend((c, time.monotonic()) for c in changes))
        follower.start()
        await until(lambda: len(told) == len(pending), timeout=10)  # new to it: all of them
        assert {c.old_status for c, _ in told} == {None}
        saved = time.monotonic()
        assert (await first.jobs.dispatch(pending[0], "TOLD-ELSEWHERE")).ok
        await until(lambda: any(c.job.id == pending[0].id and c.job.status == "dispatched"
                                for c, _ in told), timeout=10)
        change, at = next((c, t) for c, t in told if c.job.id == pending[0].id
                          and c.job.status == "dispatched")
        assert change.old_status == "pending" and change.left_pending
        print(f"\ndispatch saved at bench-1 -> told at bench-2: {(at - saved) * 1000:.0f} ms")
    finally:
        await first.aclose()
        await second.aclose()


async def test_voucher_pdfs_are_fetched_once_for_the_site(
        site_url: str, sandbox: SandboxServer) -> None:
    """The syncer fetches ahead; the other bench prints from the site's copy, asking
    Smart Gift nothing."""
    first, second = site_station(sandbox, site_url, "bench-1"), \
        site_station(sandbox, site_url, "bench-2")
    try:
        await first.sync.sync_once()
        assert first.syncer and not second.syncer
        pending = await asyncio.to_thread(first.cache.load, ["pending"])
        jobs = [j for j in pending if j.vouchers][:3]
        first.prefetch(jobs)
        await first.pdfs.idle()
        second.prefetch(jobs)  # a follower looks in the site's store: no request
        for job in jobs:
            await second.pdfs.merged_for(job)  # as its print would
        urls = Counter(r.path for r in sandbox.requests if "voucher-pdf" in r.path)
        assert {urlsplit(v.pdf_copy or "").path for j in jobs for v in j.vouchers} <= set(urls)
        assert set(urls.values()) == {1}  # once each, whichever bench needed it
        assert all(second.pdfs.ready(job) for job in jobs)
        site = second.site
        assert site is not None
        count, size = await asyncio.to_thread(site.pdf_store.stats)
        assert count >= sum(len(j.vouchers) for j in jobs) and size > 0
    finally:
        await first.aclose()
        await second.aclose()


def test_the_sites_pdfs_are_bounded_and_an_oversized_row_is_never_read(
        site_url: str) -> None:
    from packstation.store.site_pdfs import PDF_MAX_BYTES, SitePdfs

    db = SiteDatabase(site_url)
    try:
        pdfs = SitePdfs(db, "bench-1", max_bytes=10**9)  # no eviction by chance meanwhile
        for n in range(5):
            pdfs.put(f"https://pdf.example/{n}", b"%PDF" + bytes(996))
            db.execute("UPDATE voucher_pdfs SET used_at = now() + ? * interval '1 s'"
                       " WHERE url = ?", (n, f"https://pdf.example/{n}"))
        pdfs.max_bytes = 3_000
        assert pdfs.evict() == 2 and pdfs.stats() == (3, 3_000)
        assert pdfs.get("https://pdf.example/0") is None  # the least recently used went
        assert pdfs.get("https://pdf.example/4") is not None
        # A row made too big by hand (or by a hostile hand) is a miss, not a huge read.
        db.execute("UPDATE voucher_pdfs SET data = ?, size = 10 WHERE url ="
                   " 'https://pdf.example/4'", (bytes(PDF_MAX_BYTES + 1),))
        assert pdfs.get("https://pdf.example/4") is None  # its size column not believed
        pdfs.put("https://pdf.example/big", bytes(PDF_MAX_BYTES + 1))
        assert "https://pdf.example/big" not in pdfs
    finally:
        db.close()


async def test_only_the_syncer_looks_at_agreements_in_the_background(
        site_url: str, sandbox: SandboxServer) -> None:
    first, second = site_station(sandbox, site_url, "bench-1"), \
        site_station(sandbox, site_url, "bench-2")
    try:
        await first.sync.sync_once()
        await second.sync.sync_once()  # a follower: it syncs nothing
        def looks() -> list[str]:
            return [r.agent for r in sandbox.requests if r.path == "/fulfilment/agreements"]

        await second.agreements._look()
        assert looks() == []  # the follower's background look: nothing asked
        await first.agreements._look()
        assert [a.split()[-1] for a in looks()] == ["(bench-1)"]
        await second.agreements.refresh()  # a person's refresh at any bench goes
        assert [a.split()[-1] for a in looks()] == ["(bench-1)", "(bench-2)"]
    finally:
        await first.aclose()
        await second.aclose()


def test_a_pc_frozen_mid_transaction_does_not_stop_the_site_syncing(site_url: str) -> None:
    """Its transaction (and the lease row it locked) ends after 5 s idle; then another
    station takes the lease as usual."""
    frozen, other = SiteDatabase(site_url), SiteDatabase(site_url)
    thawed, locked = threading.Event(), threading.Event()
    try:
        first, second = SiteLease(frozen, "bench-1"), SiteLease(other, "bench-2")
        assert first.hold()
        outcome: list[BaseException | None] = []

        def mid_write() -> None:
            try:
                with frozen.transaction() as sql:
                    first.check(sql)  # the row locked FOR SHARE, then the PC freezes
                    locked.set()
                    thawed.wait(30)
                    sql.execute("SELECT 1")
                outcome.append(None)
            except Exception as exc:
                outcome.append(exc)

        writer = threading.Thread(target=mid_write)
        writer.start()
        assert locked.wait(10)
        started = time.monotonic()
        other.execute("UPDATE site_roles SET expires_at = clock_timestamp() - interval '1 s'")
        assert second.hold()  # within the lock timeout: the frozen transaction was ended
        assert time.monotonic() - started > 4  # ...by the server, after 5 s idle
        thawed.set()
        writer.join(10)
        assert outcome and outcome[0] is not None  # what the frozen PC wrote: nothing
    finally:
        thawed.set()
        frozen.close()
        other.close()


def test_a_busy_pool_is_not_a_lost_site(site_url: str) -> None:
    db = SiteDatabase(site_url, size=1)
    release = threading.Event()
    busy = threading.Thread(target=lambda: db.execute("SELECT pg_sleep(5)"))
    try:
        busy.start()
        with pytest.raises(DatabaseError) as caught:
            db.execute("SELECT 1")  # no connection free within 3 s
        assert not isinstance(caught.value, SiteUnreachable) and "busy" in str(caught.value)
        assert db.lost == ""
    finally:
        release.set()
        busy.join(10)
        db.close()


def test_a_full_refresh_of_unchanged_jobs_tells_nobody_anything(site_url: str) -> None:
    from packstation.store.jobs import JobCache
    from packstation.store.site_changes import SiteChanges
    from tests.test_store import job

    db = SiteDatabase(site_url)
    try:
        cache = JobCache(db)
        cache.store([job(i) for i in range(1, 6)], 1.0)
        seq = SiteChanges(db).start().seq
        cache.store([job(i) for i in range(1, 6)], 2.0)  # fetched again, the same
        assert SiteChanges(db).since(seq).jobs == []
        cache.store([job(1, status="dispatched")], 3.0)
        assert [j.id for j in SiteChanges(db).since(seq).jobs] == [1]
    finally:
        db.close()


class _FullForBackground:
    def take(self, limit: int, held: int = 0, priority: int = 0) -> float:
        return 30.0 if held else 0.0

    def record(self, count: int) -> None:
        pass


async def test_a_sync_the_site_holds_back_never_holds_up_a_packer() -> None:
    budget = SiteBudget(RateBudget(), _FullForBackground())
    background = asyncio.ensure_future(budget.acquire(Priority.BACKGROUND))
    await asyncio.sleep(0)
    await asyncio.wait_for(budget.acquire(Priority.INTERACTIVE), 1.0)  # goes at once
    assert not background.done()
    background.cancel()


async def test_a_change_smart_gift_has_already_is_not_sent_again(
        site_url: str, sandbox: SandboxServer) -> None:
    """A site's entry whose change a station sent alone while the site was lost (and
    carried in since): taken over, found done, dropped unsent and not in the history
    twice."""
    from packstation.api import ApiKey, SmartGiftClient
    from packstation.sandbox import DEMO_KEY
    from packstation.store.history import Confirmed
    from packstation.store.jobs import JobCache
    from packstation.store.outbox import DispatchOutbox
    from packstation.sync.outbox_sender import OutboxSender
    from tests.test_store import job

    db = SiteDatabase(site_url)
    try:
        cache = JobCache(db)
        cache.store([job(3, status="dispatched", tracking_reference="ALONE-3"),
                     job(4, status="dispatched", tracking_reference="LOST-ANSWER-4")], 9.0)
        history = DispatchHistory(db)
        history.copy_in([Confirmed(1, 3, "dispatched", "ALONE-3", "bench-1", "t", "t")],
                        "bench-1")  # carried in from bench-1's own outbox
        outbox = DispatchOutbox(db, "bench-2")
        outbox.add(3, "dispatched", "ALONE-3")
        outbox.add(4, "dispatched", "LOST-ANSWER-4")  # sent, its answer lost, synced since
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   max_retries=0) as client:
            await OutboxSender(client, outbox, cache).drain()
        assert [r for r in sandbox.requests if r.method == "PUT"] == []
        assert outbox.for_job(3) is None and outbox.for_job(4) is None
        assert [r.station for r in history.for_job(3)] == ["bench-1"]  # not twice
        assert [r.tracking_reference for r in history.for_job(4)] == ["LOST-ANSWER-4"]
    finally:
        db.close()


async def test_a_change_refused_while_the_site_was_lost_is_shown_at_every_bench(
        site_url: str, tmp_path: Path) -> None:
    from packstation.store.database import Database
    from packstation.store.jobs import JobCache
    from packstation.store.outbox import DispatchOutbox, OutboxState
    from packstation.sync.site_catch_up import SiteCatchUp

    own, db = Database(tmp_path / "own.sqlite3"), SiteDatabase(site_url)
    try:
        own_outbox, site_outbox = DispatchOutbox(own, "bench-1"), DispatchOutbox(db, "bench-1")
        entry = own_outbox.add(5, "dispatched", "REFUSED-5")
        claimed = own_outbox.claim(entry.id)
        assert claimed is not None
        own_outbox.needs_attention(claimed, "Smart Gift: not valid for this carrier")
        catch_up = SiteCatchUp(DispatchHistory(own), JobCache(own), DispatchHistory(db),
                               JobCache(db), "bench-1", local_outbox=own_outbox,
                               site_outbox=site_outbox)
        await catch_up.carry()
        kept = site_outbox.for_job(5)
        assert kept is not None and kept.state is OutboxState.ATTENTION
        assert kept.tracking_reference == "REFUSED-5" and "not valid" in kept.last_error
        assert own_outbox.for_job(5) is None
        assert site_outbox.counts() == (1, 1)  # one kept, and it needs a person
    finally:
        own.close()
        db.close()
