"""The outbox never wedges: every failure settles an entry, "sending" is a lease that
expires, and a change that can never be valid is refused before it is saved."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from packstation.api import ApiKey, Job, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.database import Database, database_path
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, InvalidChange, OutboxState
from packstation.sync.outbox_sender import OutboxEvent, OutboxSender, SendOutcome
from tests.hostile import HostileServer, SeenRequest, Wire

ROOT = Path(__file__).parent.parent


def cli(url: str, *argv: str, key: str = DEMO_KEY) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "packstation", *argv], capture_output=True,
                          text=True, timeout=90,
                          env={**os.environ, "PACKSTATION_API_URL": url,
                               "PACKSTATION_API_KEY": key, "PYTHONPATH": str(ROOT)})


def dispatched(job_id: int, tracking: str) -> dict[str, object]:
    return {"id": job_id, "status": "dispatched", "tracking_reference": tracking,
            "order_reference": f"ORD-{job_id}", "vouchers": []}


def outbox_of(url: str) -> list[dict[str, object]]:
    db = Database(database_path(url))
    try:
        return [dict(state=e.state.value, job_id=e.job_id, tracking=e.tracking_reference,
                     error=e.last_error, owner=e.lease_owner)
                for e in DispatchOutbox(db).entries()]
    finally:
        db.close()


# -- every failure settles the entry ---------------------------------------------------

@pytest.mark.parametrize("answer", [
    b'{"id": 2, "status": "dispatched", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"id": 1000000000000000000000000000000, "status": "dispatched"}',
    json.dumps(dispatched(999, "T-2")).encode(),  # another job
    json.dumps({**dispatched(2, "T-2"), "status": "pending"}).encode(),  # not changed
], ids=["5000-deep", "id-10^30", "job-999", "still-pending"])
async def test_a_bad_put_answer_settles_the_entry_and_caches_nothing(
        tmp_path: Path, answer: bytes) -> None:
    db = Database(tmp_path / "db.sqlite3")
    cache, outbox = JobCache(db), DispatchOutbox(db)
    outbox.add(2, "dispatched", "T-2")
    with HostileServer(lambda r, w: w.answer(answer)) as server:
        async with SmartGiftClient(server.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   max_retries=0) as client:
            sender = OutboxSender(client, outbox, cache, backoff=0.01)
            await sender.drain()
    [entry] = outbox.entries()
    assert entry.state is OutboxState.PENDING and entry.lease_owner == ""  # not "sending"
    assert entry.last_error and entry.attempts == 1
    assert cache.get(2) is None and cache.get(999) is None  # the wrong job is not cached


class BrokenCache(JobCache):
    """A cache whose disk fails after Smart Gift confirmed the change."""

    def store(self, *args: object, **kwargs: object) -> list[object]:  # type: ignore[override]
        raise RuntimeError("database is locked")


class BuggyClient(SmartGiftClient):
    """A client hitting a bug nobody foresaw (not an ApiError)."""

    async def update_job(self, *args: object, **kwargs: object) -> Job:  # type: ignore[override]
        raise RecursionError("maximum recursion depth exceeded")


async def test_any_exception_while_sending_settles_the_entry(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite3")
    outbox = DispatchOutbox(db)
    outbox.add(1, "dispatched", "T-1")
    outbox.add(2, "dispatched", "T-2")
    async with BuggyClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget()) as client:
        assert await OutboxSender(client, outbox, JobCache(db)).send_one(
            outbox.claim(1) or pytest.fail("not claimed")) is SendOutcome.ATTENTION
    bug = outbox.get(1)
    assert bug is not None and bug.state is OutboxState.ATTENTION
    assert "RecursionError" in bug.last_error
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget()) as client:
        sender = OutboxSender(client, outbox, BrokenCache(db))
        assert await sender.send_one(outbox.claim(2) or pytest.fail("not claimed")) \
            is SendOutcome.DONE  # confirmed by Smart Gift: done, even though the cache failed
    assert outbox.get(2) is None


async def test_a_cancelled_send_gives_its_lease_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite3")
    outbox = DispatchOutbox(db)
    outbox.add(3, "dispatched", "T-3")
    arrived = threading.Event()

    def hang(request: SeenRequest, wire: Wire) -> None:
        arrived.set()
        wire.stopping.wait(30)

    with HostileServer(hang) as server:
        async with SmartGiftClient(server.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   max_retries=0) as client:
            sender = OutboxSender(client, outbox, JobCache(db))
            task = asyncio.ensure_future(sender.drain())
            assert await asyncio.to_thread(arrived.wait, 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    [entry] = outbox.entries()
    assert entry.state is OutboxState.PENDING and entry.next_attempt_at == 0


# -- the lease between processes -------------------------------------------------------

def dispatch_in_a_child(server: HostileServer, tracking: str) -> subprocess.Popen[bytes]:
    """`jobs dispatch 1` in its own process, willing to wait a minute for Smart Gift."""
    return subprocess.Popen(
        [sys.executable, "-m", "packstation", "jobs", "dispatch", "--as-is", "1", "--tracking",
         tracking,
         "--wait", "60"], env={**os.environ, "PACKSTATION_API_URL": server.base_url,
                               "PACKSTATION_API_KEY": DEMO_KEY},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_killed_hung_dispatch_is_taken_over_and_sent(tmp_path: Path) -> None:
    """kill -9 of a `jobs dispatch` hanging on Smart Gift: `outbox send` sends it at once
    (the lease's process is gone), not never (as before) nor after the lease's expiry."""
    arrived = threading.Event()
    healthy = threading.Event()

    def answer(request: SeenRequest, wire: Wire) -> None:
        if not healthy.is_set():
            arrived.set()
            wire.stopping.wait(60)  # hung
            return
        wire.json(dispatched(1, json.loads(request.body)["tracking_reference"]))

    with HostileServer(answer) as server:
        child = dispatch_in_a_child(server, "K-1")
        assert arrived.wait(30)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        [left] = outbox_of(server.base_url)
        assert left["state"] == "sending" and f"/{child.pid}/" in str(left["owner"])
        healthy.set()
        sent = cli(server.base_url, "outbox", "send", "--wait", "5")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert outbox_of(server.base_url) == []
        assert [json.loads(r.body)["tracking_reference"] for r in server.requests
                if r.method == "PUT"] == ["K-1", "K-1"]


def test_a_terminated_dispatch_gives_its_lease_back(tmp_path: Path) -> None:
    arrived = threading.Event()

    def hang(request: SeenRequest, wire: Wire) -> None:
        arrived.set()
        wire.stopping.wait(60)

    with HostileServer(hang) as server:
        child = dispatch_in_a_child(server, "T-1")
        assert arrived.wait(30)
        child.send_signal(signal.SIGTERM)  # as Ctrl+C: cancelled, lease released
        assert child.wait(20) == 130
        [left] = outbox_of(server.base_url)
        assert left["state"] == "pending" and left["owner"] == ""


def lease_to_another_live_process(url: str, job_id: int, tracking: str,
                                  seconds: float) -> None:
    """As if the window (another process, alive: our parent) were sending this entry."""
    db = Database(database_path(url))
    try:
        outbox = DispatchOutbox(db)
        entry = outbox.add(job_id, "dispatched", tracking)
        db.execute("UPDATE outbox SET state = 'sending', lease_owner = ?, lease_until = ?"
                   " WHERE id = ?", (f"{socket.gethostname()}/{os.getppid()}/window",
                                     time.time() + seconds, entry.id))
    finally:
        db.close()


def test_commands_never_reset_an_entry_another_process_is_sending(
        sandbox: SandboxServer) -> None:
    url = sandbox.base_url
    lease_to_another_live_process(url, 4, "LIVE-4", seconds=300)
    sent = cli(url, "outbox", "send", "--wait", "0")
    assert sent.returncode == 6 and "sending (by" in sent.stdout
    for argv in (("outbox", "discard", "1"), ("outbox", "retry", "1"),
                 ("jobs", "dispatch", "--as-is", "4", "--tracking", "OTHER-4", "--replace")):
        refused = cli(url, *argv)
        assert refused.returncode == 4, (argv, refused.stdout, refused.stderr)
        assert "being sent" in refused.stderr and "Traceback" not in refused.stderr
    assert not [r for r in sandbox.requests if r.method == "PUT"]
    assert outbox_of(url)[0]["state"] == "sending"  # untouched


def test_retry_discard_and_replace_work_once_the_lease_expired(
        sandbox: SandboxServer) -> None:
    url = sandbox.base_url
    lease_to_another_live_process(url, 5, "OLD-5", seconds=-1)  # expired a second ago
    retried = cli(url, "outbox", "retry", "1", "--tracking", "NEW-5")
    assert retried.returncode == 0, retried.stderr
    assert "will be sent again" in retried.stdout and "tracking was OLD-5" in retried.stdout
    assert "lease expired" in retried.stdout
    assert outbox_of(url)[0] == {**outbox_of(url)[0], "state": "pending", "tracking": "NEW-5"}
    lease_to_another_live_process(url, 6, "OLD-6", seconds=-1)
    replaced = cli(url, "jobs", "dispatch", "--as-is", "6", "--tracking", "NEW-6", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert sandbox.state.job(6)["tracking_reference"] == "NEW-6"  # type: ignore[index]
    discarded = cli(url, "outbox", "discard", "1")
    assert discarded.returncode == 0 and "will not be sent" in discarded.stdout
    assert outbox_of(url) == []


# -- refused before saved ---------------------------------------------------------------

@pytest.mark.parametrize("tracking", ["X" * 256, "JD1\nJD2", "JD\x1b[2J", "JD\x07",
                                      "JD\u202e1", "   "])
def test_a_reference_that_can_never_be_valid_is_not_saved(
        sandbox: SandboxServer, tmp_path: Path, tracking: str) -> None:
    with pytest.raises(InvalidChange):
        DispatchOutbox(Database(tmp_path / "db.sqlite3")).add(2, "dispatched", tracking)
    refused = cli(sandbox.base_url, "jobs", "dispatch", "--as-is", "2", "--tracking", tracking)
    assert refused.returncode == 4 and "Nothing was saved" in refused.stderr
    assert outbox_of(sandbox.base_url) == []
    fine = cli(sandbox.base_url, "jobs", "dispatch", "--as-is", "2", "--tracking", "OK-1")
    assert fine.returncode == 0, fine.stdout + fine.stderr


def test_a_dispatched_job_is_not_given_another_reference_without_replace(
        sandbox: SandboxServer) -> None:
    url = sandbox.base_url
    assert cli(url, "jobs", "dispatch", "--as-is", "1", "--tracking", "A-1").returncode == 0
    again = cli(url, "jobs", "dispatch", "--as-is", "1", "--tracking", "A-1")
    assert again.returncode == 0  # the same reference again: harmless
    other = cli(url, "jobs", "dispatch", "--as-is", "1", "--tracking", "B-1")
    assert other.returncode == 4
    assert "already dispatched with tracking A-1" in other.stderr and "--replace" in other.stderr
    assert sandbox.state.job(1)["tracking_reference"] == "A-1"  # type: ignore[index]
    replaced = cli(url, "jobs", "dispatch", "--as-is", "1", "--tracking", "B-1", "--replace")
    assert replaced.returncode == 0
    assert sandbox.state.job(1)["tracking_reference"] == "B-1"  # type: ignore[index]


def test_outbox_send_by_a_person_tries_at_once(sandbox: SandboxServer) -> None:
    url = sandbox.base_url
    sandbox.faults.retry_after = 60
    sandbox.faults.inject("503")
    saved = cli(url, "jobs", "dispatch", "--as-is", "7", "--tracking", "LATER-7", "--wait", "0")
    assert saved.returncode == 6  # Smart Gift asked for a minute
    sent = cli(url, "outbox", "send", "--wait", "0")
    assert sent.returncode == 0 and "empty" in sent.stdout
    assert sandbox.state.job(7)["tracking_reference"] == "LATER-7"  # type: ignore[index]


def test_jobs_dispatch_keeps_to_its_short_wait(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A generous request deadline: only the command's own --wait can end it in time.
    (tmp_path / "settings.json").write_text('{"version": 2, "request_deadline": 600}')
    monkeypatch.setenv("PACKSTATION_CONFIG_DIR", str(tmp_path))
    with HostileServer(lambda r, w: w.drip(b"{}" * 100, every=1.0)) as server:
        done = cli(server.base_url, "jobs", "dispatch", "--as-is", "1", "--tracking", "W-1",
                   "--wait", "2")
    assert done.returncode == 6, done.stdout + done.stderr
    assert "Saved, not confirmed yet" in done.stdout and "did not answer within" in done.stdout


# -- a poke that lands while the sender checks --------------------------------------------

class PokedDuringCheck(DispatchOutbox):
    """A scan saves a dispatch (and pokes) just while the sender looks for due entries."""

    def __init__(self, db: Database, poke: list[OutboxSender]) -> None:
        super().__init__(db)
        self._poke = poke
        self._loop = asyncio.get_running_loop()
        self.checks = 0

    def next_due_at(self) -> float | None:  # runs in a worker thread, as in the app
        self.checks += 1
        if self.checks == 1:
            self.add(8, "dispatched", "POKED-8")
            # The scan's poke reaches the loop before this check's answer does.
            self._loop.call_soon_threadsafe(self._poke[0].poke)
            return None  # what the check saw: nothing due
        return super().next_due_at()


async def test_a_poke_during_the_due_check_is_not_lost(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite3")
    sender_box: list[OutboxSender] = []
    outbox = PokedDuringCheck(db, sender_box)
    done = asyncio.Event()

    def heard(event: OutboxEvent) -> None:
        if event.outcome is SendOutcome.DONE:
            done.set()

    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget()) as client:
        sender = OutboxSender(client, outbox, JobCache(db), listener=heard)
        sender_box.append(sender)
        sender.start()
        try:
            # Without the fix the sender sleeps an hour here (the poke was cleared).
            await asyncio.wait_for(done.wait(), 20)
        finally:
            await sender.aclose()
    assert sandbox.state.job(8)["tracking_reference"] == "POKED-8"  # type: ignore[index]
