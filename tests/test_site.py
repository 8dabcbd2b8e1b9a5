"""Claims on a site's PostgreSQL: two stations never hold the same job. A real server
(tests/pg.py), and stations as separate processes where they race."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytestqt.qtbot import QtBot

from packstation.api import ApiKey, Job, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.claims import LocalClaims, SiteClaims
from packstation.store.database import DatabaseError
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxConflict, OutboxState
from packstation.store.site_database import SITE_MIGRATIONS, SiteDatabase, shown_url
from packstation.sync.outbox_sender import OutboxSender
from tests.pg import Cluster
from tests.test_store import job

if TYPE_CHECKING:
    from packstation.station import Station

ROOT = Path(__file__).parent.parent
GO = 7_303_517  # tests/claims_child.py waits on this lock


@pytest.fixture
def site(pg_cluster: Cluster) -> Iterator[tuple[str, SiteDatabase]]:
    url = pg_cluster.new_database()
    db = SiteDatabase(url)
    JobCache(db).store([job(i) for i in range(1, 11)], 1.0)
    yield url, db
    db.close()


def test_next_job_passes_over_jobs_another_station_holds(
        site: tuple[str, SiteDatabase]) -> None:
    _, db = site
    bench1, bench2 = SiteClaims(db, "bench-1"), SiteClaims(db, "bench-2")
    queue = list(range(1, 11))
    assert bench1.take_first(queue) == 1
    assert bench2.take_first(queue) == 2  # 1 is in bench-1's hand
    assert bench1.take_first(queue) == 1  # its own job is still its own
    assert bench2.held_elsewhere() == {1: "bench-1"}
    holder = bench2.take(1)
    assert holder is not None and holder.station == "bench-1"  # asked first, not taken
    assert bench2.take(1, take_over=True) is None  # the packer said yes
    assert bench1.held_elsewhere() == {1: "bench-2", 2: "bench-2"}
    bench2.release(2)
    assert bench1.take_first([2, 3]) == 2
    JobCache(db).store([job(3, "dispatched")], 2.0)  # packed elsewhere: not "next"
    assert bench1.take_first([3, 4]) == 4


def test_a_station_alone_holds_nothing() -> None:
    claims = LocalClaims()
    assert claims.take_first([5, 6]) == 5 and claims.take(5) is None
    assert claims.held_elsewhere() == {} and claims.stations() == []


def test_claims_race_between_three_station_processes_and_none_is_taken_twice(
        site: tuple[str, SiteDatabase], capsys: pytest.CaptureFixture[str]) -> None:
    url, db = site
    JobCache(db).store([job(i) for i in range(11, 601)], 1.0)  # 600 pending jobs
    stations, calls = 3, 200
    import psycopg

    line = psycopg.connect(url, autocommit=True)  # holds every station at the line
    line.execute("SELECT pg_advisory_lock(%s)", (GO,))
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.claims_child", url, f"bench-{n}", str(calls)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}) for n in range(stations)]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        line.execute("SELECT pg_advisory_unlock_all()")  # all ready: go, all at once
        taken = []
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0
            taken.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        line.close()
        for child in children:
            child.kill()
    every = [j for station in taken for j in station]
    doubles = [j for j, n in Counter(every).items() if n > 1]
    with capsys.disabled():
        print(f"\nclaim race: {stations} stations x {calls} 'next job' calls = {len(every)} "
              f"jobs taken, {len(doubles)} taken twice")
    assert all(len(station) == calls for station in taken)
    assert doubles == []
    held = {r[0]: r[1] for r in db.execute("SELECT job_id, station FROM claims").fetchall()}
    assert len(held) == stations * calls


def test_a_killed_stations_claim_is_free_once_it_has_not_been_renewed(
        site: tuple[str, SiteDatabase]) -> None:
    url, db = site
    child = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time\n"
            "from packstation.store.claims import SiteClaims\n"
            "from packstation.store.site_database import SiteDatabase\n"
            "claims = SiteClaims(SiteDatabase(sys.argv[1], migrate=False), 'bench-killed')\n"
            "claims.renew()\n"
            "print(claims.take_first([1, 2, 3]), flush=True)\n"
            "sys.stdin.read()\n"), url],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None
    held = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    other = SiteClaims(db, "bench-2")
    assert other.take_first([held]) is None  # still held: not renewed for long yet
    # Two minutes pass without a renewal (the killed station cannot renew any more).
    db.execute("UPDATE claims SET renewed_at = now() - interval '121 seconds'"
               " WHERE station = 'bench-killed'")
    assert other.take_first([held]) == held
    assert other.held_elsewhere() == {}


def test_a_site_schema_newer_than_this_packstation_is_refused(
        site: tuple[str, SiteDatabase]) -> None:
    url, db = site
    db.execute("UPDATE site_schema SET version = ?", (len(SITE_MIGRATIONS) + 1,))
    with pytest.raises(DatabaseError, match="newer packstation"):
        SiteDatabase(url)


def test_the_site_password_is_never_in_the_url_or_an_error(pg_cluster: Cluster) -> None:
    with pytest.raises(DatabaseError, match="keyring"):
        SiteDatabase(f"postgresql://postgres:s3cret-pw@127.0.0.1:{pg_cluster.port}/postgres")
    assert shown_url("postgresql://u:s3cret-pw@db.example:5433/site") == \
        "postgresql://u@db.example:5433/site"
    with pytest.raises(DatabaseError) as caught:  # nobody listens there
        SiteDatabase("postgresql://postgres@127.0.0.1:1/site", "s3cret-pw", timeout=2)
    assert "s3cret-pw" not in str(caught.value) and "cannot be reached" in str(caught.value)


def site_station(sandbox: SandboxServer, url: str, name: str) -> Station:
    """A station of the site at ``url``, named ``name``, on the sandbox."""
    from packstation.config.settings import Settings
    from packstation.station import Station
    from tests.gui import ANY_REFERENCE

    client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                             max_retries=0, station=name)
    return Station(sandbox.base_url, client, lambda: SiteDatabase(url),
                   Settings(site_url=url, station_name=name, print_on_select=False,
                            delivery_methods=dict(ANY_REFERENCE)))


def _station(*args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.site_sender_child", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            stdin=subprocess.PIPE if stdin else None,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_two_stations_drain_one_outbox_and_each_change_is_sent_once(
        site: tuple[str, SiteDatabase], sandbox: SandboxServer) -> None:
    import psycopg

    url, db = site
    outbox = DispatchOutbox(db)
    for job_id in range(1, 11):
        outbox.add(job_id, "dispatched", f"SITE-{job_id}")
    line = psycopg.connect(url, autocommit=True)
    line.execute("SELECT pg_advisory_lock(%s)", (GO,))
    stations = [_station(url, sandbox.base_url, "drain") for _ in range(2)]
    try:
        for station in stations:
            assert station.stdout is not None and station.stdout.readline().strip() == "ready"
        line.execute("SELECT pg_advisory_unlock_all()")
        for station in stations:
            station.communicate(timeout=120)
            assert station.returncode == 0
    finally:
        line.close()
        for station in stations:
            station.kill()
    puts = Counter(r.path for r in sandbox.requests if r.method == "PUT")
    assert puts == Counter({f"/fulfilment/jobs/{i}": 1 for i in range(1, 11)})
    assert len(outbox) == 0


async def test_a_station_killed_mid_dispatch_has_its_change_sent_by_another_once(
        site: tuple[str, SiteDatabase], sandbox: SandboxServer) -> None:
    url, db = site
    killed = _station(url, sandbox.base_url, "hold", "3", "KILLED-3", stdin=True)
    assert killed.stdout is not None and killed.stdout.readline().strip() == "held"
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    outbox = DispatchOutbox(db)
    entry = outbox.for_job(3)
    assert entry is not None and entry.state is OutboxState.SENDING  # leased, never sent
    assert outbox.claim_next() is None  # on a site a lease holds until it runs out
    # ... which it does (a minute, and then some, passes):
    db.execute("UPDATE outbox SET lease_until = extract(epoch FROM now()) - 1 WHERE job_id = 3")
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               max_retries=0) as client:
        await OutboxSender(client, outbox, JobCache(db)).drain()
    puts = [r for r in sandbox.requests if r.method == "PUT"]
    assert [(r.path, r.body["tracking_reference"]) for r in puts] == [
        ("/fulfilment/jobs/3", "KILLED-3")]
    assert outbox.for_job(3) is None


def test_site_init_status_password_and_leave_from_the_command_line(
        pg_cluster: Cluster, secret_service_keyring: object,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from packstation.cli.main import main
    from packstation.config import keys
    from packstation.config.settings import Settings

    url = pg_cluster.new_database()
    monkeypatch.setattr("sys.stdin", io.StringIO("pg-s3cret\n"))
    assert main(["site", "init", url]) == 0
    assert Settings.load().site_url == url
    assert main(["site", "password"]) == 0
    assert keys.site_password(url) == "pg-s3cret"
    assert "pg-s3cret" not in Settings.path().read_text()
    assert main(["site", "status"]) == 0
    said = capsys.readouterr().out
    assert f"1 station(s), schema {len(SITE_MIGRATIONS)}" in said
    assert Settings.load().station() in said and "Outbox: 0 change(s)" in said
    assert "Syncer: none live" in said and "Voucher PDFs stored: 0 (0.0 MB)" in said
    # A syncer, requests spent and a PDF kept: said too.
    from packstation.store.site_budget import SiteLedger
    from packstation.store.site_pdfs import SitePdfs
    from packstation.store.site_roles import SiteLease

    db = SiteDatabase(url)
    try:
        assert SiteLease(db, "bench-7").hold()
        assert SiteLedger(db, "bench-7").take(60) == 0.0
        SitePdfs(db, "bench-7").put("https://pdf.example/1", b"%PDF-1.4 " + b"x" * 2_000_000)
    finally:
        db.close()
    assert main(["site", "status"]) == 0
    said = capsys.readouterr().out
    assert "Syncer: bench-7 (term 1" in said
    assert "Budget: 1 request(s) in the last 62 s" in said and "(bench-7 1)" in said
    assert "Voucher PDFs stored: 1 (1.9 MB)" in said
    assert "pg-s3cret" not in said
    assert main(["site", "init", url.replace("postgresql://postgres@",
                                             "postgresql://postgres:pw@")]) == 2
    assert "keyring" in capsys.readouterr().err
    assert main(["site", "leave"]) == 0 and Settings.load().site_url == ""
    assert main(["site", "status"]) == 3


async def test_two_stations_on_a_site_share_jobs_outbox_and_history(
        pg_cluster: Cluster, sandbox: SandboxServer) -> None:
    """What one station syncs, dispatches and scans, the other sees: one store."""
    url = pg_cluster.new_database()

    first, second = site_station(sandbox, url, "bench-1"), site_station(sandbox, url, "bench-2")
    try:
        await first.sync.sync_once()
        pending = first.cache.load(["pending"])
        assert pending and second.cache.load(["pending"]) == pending  # synced once, for both
        saved = await first.jobs.dispatch(pending[0], "SITE-DISPATCH-1")
        assert saved.ok
        handler = second.scan_handler()
        # The same label read at the other bench for another job: asked about, as that
        # label is the first bench's dispatch (one outbox, seen from both).
        outcome = await handler.handle("SITE-DISPATCH-1", pending[1])
        assert not outcome.ok and pending[0].order_reference in outcome.message
        assert second.jobs.log.recent(1)[0].scan == "SITE-DISPATCH-1"  # one scan log
        assert first.jobs.log.recent(1)[0].scan == "SITE-DISPATCH-1"
    finally:
        await first.aclose()
        await second.aclose()


async def test_next_job_at_two_benches_is_two_jobs_and_a_held_one_is_asked_for(
        pg_cluster: Cluster, sandbox: SandboxServer) -> None:
    """START at two benches of a site puts two different jobs in hand; an order scanned
    at one bench while the other holds it is asked about, and taken only on a yes."""
    from packstation.scanning.commands import Command, barcode
    from tests.test_scan_handler import Queue

    url = pg_cluster.new_database()

    first, second = site_station(sandbox, url, "bench-1"), site_station(sandbox, url, "bench-2")
    try:
        await first.sync.sync_once()
        assert first.claims.shared and second.claims.shared
        pending = sorted(first.cache.load(["pending"]), key=lambda j: j.id)

        class SiteQueue(Queue):
            def pending_in_order(self, after: object, skip: object) -> list[Job]:
                return [j for j in pending if j.id not in skip]  # type: ignore[operator]

        at_first, at_second = first.scan_handler(), second.scan_handler()
        one = await at_first.handle(barcode(Command.START), None, SiteQueue(first.cache))
        two = await at_second.handle(barcode(Command.START), None, SiteQueue(second.cache))
        assert one.select is not None and two.select is not None
        assert one.select.id == pending[0].id and two.select.id == pending[1].id
        asked = await at_second.handle(pending[0].order_reference or "", two.select)
        assert asked.confirm and "bench-1" in asked.confirm and asked.select is None
        assert second.claims.held_elsewhere() == {pending[0].id: "bench-1"}
        taken = await at_second.handle(pending[0].order_reference or "", two.select,
                                       confirmed=True)
        assert taken.ok and taken.select is not None and taken.select.id == pending[0].id
        # Taken over at bench 2; the job it put down for it is free for any bench again.
        assert first.claims.held_elsewhere() == {pending[0].id: "bench-2"}
        # Bench 1 never prints what bench 2 now holds (no question from a print: a scan).
        printed = await first.jobs.print_now(pending[0])
        assert not printed.ok and "in hand at bench-2" in printed.message
        # SKIP at bench 2 puts its job back: bench 1's next job can be that one.
        skipped = await at_second.handle(barcode(Command.SKIP), taken.select,
                                         SiteQueue(second.cache))
        assert skipped.select is not None and skipped.select.id == pending[1].id
        assert await first.jobs.take_next([pending[0]]) == pending[0]
    finally:
        await first.aclose()
        await second.aclose()


def test_the_window_shows_the_site_who_packs_what_and_a_lost_site_in_red(
        qtbot: QtBot, qt_loop: object, pg_cluster: Cluster, sandbox: SandboxServer) -> None:
    import psycopg

    from packstation.config.settings import Settings
    from packstation.station import Station
    from tests.gui import ANY_REFERENCE, open_window, scan, wait

    url = pg_cluster.new_database()
    name = url.rsplit("/", 1)[-1]
    client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                             max_retries=0)
    station = Station(sandbox.base_url, client, lambda: SiteDatabase(url),
                      Settings(site_url=url, station_name="bench-2", print_on_select=False,
                               delivery_methods=dict(ANY_REFERENCE)))
    wait(qtbot, station.sync.sync_once())
    station.claims.renew()  # seen on the site (as its claim keeper does once started)
    other = SiteClaims(SiteDatabase(url), "bench-1")
    other.renew()
    held = other.take_first([j.id for j in station.cache.load(["pending"])])
    window = open_window(qtbot, station)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.status.site.text()
                        == f"Site {name}: 2 stations, bench-2 syncs", timeout=10_000)
        row = window.model.row_of(held or 0)
        assert row is not None
        column = window.model.COLUMNS.index("Packing at")
        qtbot.waitUntil(lambda: window.model.index(row, column).data() == "bench-1",
                        timeout=10_000)
        # The site's database goes away (a pulled cable): said in red, nothing raised.
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        qtbot.waitUntil(lambda: "connection lost" in window.status.site.text(),
                        timeout=20_000)
        assert window.status.site.styleSheet() != ""
        # The job in hand is still dispatched: saved on this PC, sent from it; no new job.
        in_hand = window.current_job()
        assert in_hand is not None
        scan(qtbot, window, "LOSTSITE1")
        qtbot.waitUntil(lambda: "on this station" in window.banner.text(), timeout=20_000)
        assert "no new job until it is back" in window.banner.text()
        assert not window.banner.good  # in red
        qtbot.waitUntil(lambda: [r.path for r in sandbox.requests if r.method == "PUT"]
                        == [f"/fulfilment/jobs/{in_hand.id}"], timeout=20_000)
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        qtbot.waitUntil(lambda: "connection lost" not in window.status.site.text(),
                        timeout=20_000)
    finally:
        window.close()
        wait(qtbot, station.aclose())


def _in_a_thread(work: object) -> tuple[threading.Thread, list[object]]:
    """``work()`` run in a thread (it waits on a lock the test holds); its result or error."""
    result: list[object] = []

    def run() -> None:
        try:
            result.append(work())  # type: ignore[operator]
        except Exception as exc:
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_claim_not_yet_committed_elsewhere_is_not_taken_over_without_a_yes(
        site: tuple[str, SiteDatabase]) -> None:
    import psycopg

    url, db = site
    with psycopg.connect(url) as other:  # bench A's claim, its transaction still open
        other.execute("INSERT INTO claims (job_id, station) VALUES (1, 'bench-A')")
        thread, result = _in_a_thread(lambda: SiteClaims(db, "bench-B").take(1))
        other.commit()
        thread.join(timeout=30)
    assert len(result) == 1 and getattr(result[0], "station", None) == "bench-A"
    assert SiteClaims(db, "bench-A").held_elsewhere() == {}  # still A's


def test_next_job_is_found_while_a_sync_holds_the_jobs_rows(
        site: tuple[str, SiteDatabase]) -> None:
    import psycopg

    url, db = site
    with psycopg.connect(url) as sync:  # a sync's write, not yet committed
        sync.execute("UPDATE jobs SET fetched_at = fetched_at WHERE status = 'pending'")
        assert SiteClaims(db, "bench-1").take_first(list(range(1, 11))) == 1
        sync.rollback()


def test_an_older_copy_of_a_job_never_overwrites_a_newer_one_written_meanwhile(
        site: tuple[str, SiteDatabase]) -> None:
    import psycopg

    url, db = site
    cache = JobCache(db)
    with psycopg.connect(url) as sender:  # a dispatch's answer stored (fetched at 10)
        sender.execute("UPDATE jobs SET status = 'dispatched', fetched_at = 10 WHERE id = 5")
        thread, result = _in_a_thread(lambda: cache.store([job(5)], 5.0))  # a sync from 5
        sender.commit()
        thread.join(timeout=30)
    assert not any(isinstance(r, Exception) for r in result)
    row = db.execute("SELECT status, fetched_at FROM jobs WHERE id = 5").fetchone()
    assert (row[0], row[1]) == ("dispatched", 10.0)  # the newer copy stands


def test_two_benches_saving_a_change_for_one_job_at_once_get_one_change(
        site: tuple[str, SiteDatabase]) -> None:
    import psycopg

    url, db = site
    with psycopg.connect(url) as other:
        other.execute("INSERT INTO outbox (job_id, status, tracking_reference, state,"
                      " created_at, updated_at) VALUES (7, 'dispatched', 'FROM-A', 'pending',"
                      " '2026-11-30T00:00:00+00:00', '2026-11-30T00:00:00+00:00')")
        thread, result = _in_a_thread(
            lambda: DispatchOutbox(db).add_leased(7, "dispatched", "FROM-B", lease=60.0))
        other.commit()
        thread.join(timeout=30)
    assert len(result) == 1 and isinstance(result[0], OutboxConflict)  # said, not a crash
    entry = DispatchOutbox(db).for_job(7)
    assert entry is not None and entry.tracking_reference == "FROM-A"


def test_a_site_url_may_carry_tls_options_and_nothing_else(pg_cluster: Cluster) -> None:
    from packstation.store.site_database import check_site_url

    base = f"postgresql://postgres@127.0.0.1:{pg_cluster.port}/site"
    assert check_site_url(f"{base}?sslmode=verify-full&sslrootcert=/etc/ca.pem")
    for bad in (f"{base}?password=hunter2", f"{base}?passfile=/tmp/x", f"{base}?options=-c"):
        with pytest.raises(DatabaseError) as caught:
            check_site_url(bad)
        assert "hunter2" not in str(caught.value)
    assert shown_url(f"{base}?sslmode=require") == base


def test_pos_orders_and_method_names_read_on_a_site(site: tuple[str, SiteDatabase]) -> None:
    from packstation.store.pos_orders import PosOrderLog

    _, db = site
    log = PosOrderLog(db)
    request = {"order_id": "SHOP-1", "items": []}
    log.begin(request, "SHOP-1")
    assert log.earlier(request, "SHOP-1") is not None
    assert log.earlier({"other": 1}, None) is None
    odd = dataclasses.replace(job(20), delivery_method_name="Gift\u0000Box")  # a real NUL
    JobCache(db).store([odd], 1.0)
    assert "Gift Envelope" in JobCache(db).delivery_method_names()  # one odd body: read on


async def test_a_site_out_of_reach_at_start_is_said_and_nothing_crashes(
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from packstation.config.settings import Settings
    from packstation.ui.app import open_station

    monkeypatch.setenv("PACKSTATION_API_KEY", DEMO_KEY)
    Settings(api_url=sandbox.base_url,
             site_url="postgresql://postgres@127.0.0.1:1/site").save()  # nobody there
    station, problem = await open_station(None, demo=False)
    assert station is None and problem is not None
    assert "cannot be reached" in problem and "site leave" in problem



def test_a_bench_whose_clock_runs_ahead_never_takes_over_a_live_lease(
        site: tuple[str, SiteDatabase]) -> None:
    """Leases are measured by the site database's clock, not each PC's."""
    import time as clock

    _, db = site
    outbox = DispatchOutbox(db)
    entry, leased = outbox.add_leased(4, "dispatched", "LIVE-4", lease=60.0)
    assert leased and entry.lease_until > 0
    skewed = clock.time
    try:
        clock.time = lambda: skewed() + 180  # this PC's clock three minutes fast
        assert outbox.claim_next() is None
        with pytest.raises(OutboxConflict):
            outbox.add_leased(4, "dispatched", "OTHER-4", lease=60.0, replace=True)
    finally:
        clock.time = skewed
