"""The outbox sender against the sandbox: nothing lost, nothing sent twice differently."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, Faults, SandboxServer
from packstation.store.database import Database
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxState
from packstation.sync.outbox_sender import OutboxEvent, OutboxSender, SendOutcome
from tests.conftest import Opener


def puts_for(sandbox: SandboxServer, job_id: int) -> list[object]:
    return [r.body for r in sandbox.requests
            if r.method == "PUT" and r.path == f"/fulfilment/jobs/{job_id}"]


@pytest.fixture
def parts(tmp_path: Path, engine: Opener) -> tuple[JobCache, DispatchOutbox]:
    db = engine()
    return JobCache(db), DispatchOutbox(db)


async def test_done_stores_the_job_and_removes_the_entry(
        sandbox: SandboxServer, parts: tuple[JobCache, DispatchOutbox]) -> None:
    cache, outbox = parts
    events: list[OutboxEvent] = []
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               max_retries=0) as client:
        sender = OutboxSender(client, outbox, cache, listener=events.append)
        outbox.add(1, "dispatched", "JD-1")
        await sender.drain()
    assert len(outbox) == 0
    stored = cache.get(1)
    assert stored is not None and stored.status == "dispatched"
    assert stored.tracking_reference == "JD-1"
    assert [e.outcome for e in events] == [SendOutcome.DONE]


async def test_422_and_404_need_attention_with_the_message(
        sandbox: SandboxServer, parts: tuple[JobCache, DispatchOutbox]) -> None:
    cache, outbox = parts
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               max_retries=0) as client:
        sender = OutboxSender(client, outbox, cache)
        outbox.add(999999, "dispatched", "NOPE")
        sandbox.faults.inject("422", only="PUT /fulfilment/jobs/2")
        outbox.add(2, "dispatched", "JD-2")
        await sender.drain()
    entries = {e.job_id: e for e in outbox.entries()}
    assert entries[999999].state is OutboxState.ATTENTION
    assert "404" in entries[999999].last_error
    assert entries[2].state is OutboxState.ATTENTION and entries[2].last_error


async def test_retryable_failures_wait_and_honour_retry_after(
        sandbox: SandboxServer, parts: tuple[JobCache, DispatchOutbox]) -> None:
    cache, outbox = parts
    events: list[OutboxEvent] = []
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               max_retries=0) as client:
        sender = OutboxSender(client, outbox, cache, backoff=0.01, listener=events.append)
        outbox.add(3, "dispatched", "JD-3")
        sandbox.faults.inject("503")  # with Retry-After: 1
        started = time.time()
        await sender.drain()  # one attempt, then it waits: nothing is due yet
        entry = outbox.for_job(3)
        assert entry is not None and entry.state is OutboxState.PENDING
        assert entry.next_attempt_at >= started + 1.0  # Retry-After honoured
        assert "unavailable" in entry.last_error
        await sender.drain(deadline=time.time() + 10)
    assert len(outbox) == 0
    assert [e.outcome for e in events] == [SendOutcome.RETRYING, SendOutcome.DONE]


@pytest.mark.parametrize("seed", [1, 2])
async def test_300_dispatches_through_30_percent_failures(tmp_path: Path, engine: Opener,
                                                          seed: int) -> None:
    faults = Faults(error_rate=0.3, kinds=("500", "503", "429", "drop", "slow"),
                    slow_seconds=0.4, retry_after=0, seed=seed)
    with SandboxServer(pdf_delay=0, jobs=320, seed=seed, rate_limit=100_000,
                       faults=faults) as sandbox:
        db = engine()
        cache, outbox = JobCache(db), DispatchOutbox(db)
        rng = random.Random(seed)
        plan = {job_id: f"JD{rng.randrange(10**9):09d}GB" for job_id in range(1, 301)}
        for job_id, tracking in plan.items():
            outbox.add(job_id, "dispatched", tracking)
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   max_retries=0, timeout=httpx.Timeout(0.2)) as client:
            sender = OutboxSender(client, outbox, cache, backoff=0.01, max_backoff=0.2)
            await sender.drain(deadline=time.time() + 240)
        faults.error_rate = 0.0
        assert len(outbox) == 0
        failed = sum(1 for r in sandbox.requests if r.method == "PUT") - 300
        assert failed > 60  # the faults really happened
        for job_id, tracking in plan.items():
            assert sandbox.state.job(job_id)["tracking_reference"] == tracking  # type: ignore[index]
            assert {json.dumps(b) for b in puts_for(sandbox, job_id)} == {
                json.dumps({"status": "dispatched", "tracking_reference": tracking})}
        untouched = [sandbox.state.job(i) for i in range(301, 321)]
        assert all(not puts_for(sandbox, j["id"]) for j in untouched if j)  # type: ignore[index]


def test_killed_three_times_loses_nothing_and_changes_nothing_else(tmp_path: Path) -> None:
    with SandboxServer(pdf_delay=0, jobs=80, seed=5, rate_limit=100_000,
                       faults=Faults(latency=0.04)) as sandbox:
        before = {i: sandbox.state.job(i) for i in range(1, 81)}
        # Seeded kill times under 1 s: sending 60 changes takes at least 60 x 0.04 s, so
        # the first two runs cannot finish before their kill, however fast the machine.
        rng = random.Random(5)
        plan = {job_id: f"CRASH{job_id:04d}" for job_id in range(1, 61)}
        plan_file = tmp_path / "plan.json"
        plan_file.write_text(json.dumps(plan))
        command = [sys.executable, "-m", "tests.outbox_child", str(tmp_path / "db.sqlite3"),
                   sandbox.base_url, str(plan_file)]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
        kills = 0
        for _ in range(3):
            child = subprocess.Popen(command, env=env)
            try:
                # A random point in the child's life: starting, saving, sending, storing.
                child.wait(timeout=rng.uniform(0.5, 1.0))
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)
                child.wait()
                kills += 1
        final = subprocess.run(command, env=env, timeout=120)
        assert final.returncode == 0
        assert kills >= 2  # the crashes really interrupted it
        for job_id in range(1, 81):
            job = sandbox.state.job(job_id)
            assert job is not None
            if job_id in plan:
                assert job["status"] == "dispatched"
                assert job["tracking_reference"] == plan[job_id]
                assert all(b == {"status": "dispatched", "tracking_reference": plan[job_id]}
                           for b in puts_for(sandbox, job_id))
            else:
                assert job == before[job_id] and not puts_for(sandbox, job_id)


def test_a_leased_change_is_told_as_its_commit_begins_and_never_when_refused(
        tmp_path: Path) -> None:
    """``before_commit`` (a packer's dispatch put on the wire while the disk syncs) is
    called with every check passed and nothing yet visible to another connection."""
    import sqlite3

    from packstation.store.outbox import InvalidChange, OutboxConflict

    path = tmp_path / "db.sqlite3"
    outbox = DispatchOutbox(Database(path))
    other = sqlite3.connect(path)
    seen: list[tuple[int, int]] = []

    def told(entry: object) -> None:
        count = other.execute("SELECT count(*) FROM outbox WHERE job_id = 7").fetchone()[0]
        seen.append((getattr(entry, "job_id", 0), count))

    entry, leased = outbox.add_leased(7, "dispatched", "REF-7", lease=60.0, before_commit=told)
    assert leased and entry.state is OutboxState.SENDING
    assert seen == [(7, 0)]  # told before the commit: another reader saw nothing yet
    assert other.execute("SELECT count(*) FROM outbox WHERE job_id = 7").fetchone()[0] == 1
    # Refused changes, and the same change again, are never told.
    with pytest.raises(OutboxConflict):
        outbox.add_leased(7, "dispatched", "OTHER", lease=60.0, before_commit=told)
    with pytest.raises(InvalidChange):
        outbox.add_leased(8, "dispatched", "\u202eEVIL", lease=60.0, before_commit=told)
    _, again = outbox.add_leased(7, "dispatched", "REF-7", lease=60.0, before_commit=told)
    assert not again and seen == [(7, 0)]
