"""The loop behind sync, the printer watch and the agreements: rounds, wakes, failures."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from packstation.api import ApiKey, NetworkError, RateBudget, SmartGiftClient
from packstation.background import Repeating
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.database import Database
from packstation.store.jobs import JobCache, JobChange
from packstation.sync.job_sync import JobSync
from tests.test_client import until


async def test_a_wake_during_a_round_brings_the_next_round_at_once() -> None:
    rounds: list[int] = []
    release = asyncio.Event()

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            await release.wait()  # the first round is still running...

    loop = Repeating(work, lambda: 3600.0, logging.getLogger("test"), "test")
    loop.start()
    await until(lambda: rounds == [0])
    loop.wake()  # ...when someone asks for another: not lost, not an hour later
    release.set()
    await until(lambda: rounds == [0, 1], timeout=2.0)
    await loop.aclose()


@pytest.mark.parametrize("failure", [
    NetworkError("Smart Gift at api did not answer in time."),
    RuntimeError("a bug nobody saw"), sqlite3.OperationalError("database is locked"),
    RecursionError("maximum recursion depth exceeded")])
async def test_any_failed_round_is_logged_kept_and_the_loop_goes_on(
        caplog: pytest.LogCaptureFixture, failure: Exception) -> None:
    rounds: list[int] = []
    errors: list[str | None] = []

    async def work() -> None:
        errors.append(loop.last_error)
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise failure

    loop = Repeating(work, lambda: 0.01, logging.getLogger("test"), "sync")
    loop.start()
    await until(lambda: len(rounds) >= 3)
    await loop.aclose()
    assert errors[:2] == [None, str(failure) if isinstance(failure, NetworkError)
                          else f"{type(failure).__name__}: {failure}"]  # kept for the bar...
    assert loop.last_error is None  # ...until a round succeeds
    assert str(failure) in caplog.text
    # Expected trouble in one line; anything else with its traceback, for support.
    assert ("Traceback" in caplog.text) is not isinstance(failure, NetworkError)
    assert loop._task is not None and loop._task.done()  # stopped: no round after aclose


class LockedOnce(JobCache):
    """A cache whose database is locked for the first store (another process writing)."""

    failures = 0

    def store(self, *args: object, **kwargs: object) -> list[JobChange]:  # type: ignore[override]
        if not self.failures:
            self.failures += 1
            raise sqlite3.OperationalError("database is locked")
        return super().store(*args, **kwargs)  # type: ignore[arg-type]


async def test_sync_survives_a_locked_database_and_says_so(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    cache = LockedOnce(Database(tmp_path / "db.sqlite3"))
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget()) as client:
        sync = JobSync(client, cache, interval=0.01)
        sync.start()
        await until(lambda: sync.last_error is not None, timeout=10)
        assert "database is locked" in sync.last_error and not sync.offline  # type: ignore[operator]
        await until(lambda: sync.last_success is not None, timeout=10)  # it went on
        await sync.aclose()
    assert sync.last_error is None and cache.counts()["pending"] > 0


async def test_stop_task_stops_a_task_whose_first_cancellation_was_lost() -> None:
    """As Python 3.11's wait_for does when a wake and the cancel arrive together."""
    from packstation.background import stop_task

    rounds: list[str] = []

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            rounds.append("swallowed")  # the lost cancellation: it carries on
        await asyncio.sleep(3600)

    task = asyncio.ensure_future(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(stop_task(task), timeout=5)
    assert task.cancelled() and rounds == ["swallowed"]
