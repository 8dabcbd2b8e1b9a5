"""Claims on a site's PostgreSQL: two stations never hold the same job. A real server
(tests/pg.py), and stations as separate processes where they race."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.claims import LocalClaims, SiteClaims
from packstation.store.database import DatabaseError
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxState
from packstation.store.site_database import SITE_MIGRATIONS, SiteDatabase, shown_url
from packstation.sync.outbox_sender import OutboxSender
from tests.pg import Cluster
from tests.test_store import job

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
    assert not entry.lease_live()  # its holder is dead (same host: the kernel says)
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               max_retries=0) as client:
        await OutboxSender(client, outbox, JobCache(db)).drain()
    puts = [r for r in sandbox.requests if r.method == "PUT"]
    assert [(r.path, r.body["tracking_reference"]) for r in puts] == [
        ("/fulfilment/jobs/3", "KILLED-3")]
    assert outbox.for_job(3) is None
