"""The loop behind sync, the printer watch and the agreements: rounds, wakes, failures."""

from __future__ import annotations

import asyncio
import logging

import pytest

from packstation.background import Repeating
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


async def test_a_failed_round_is_logged_and_the_loop_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise ValueError("spooler gone")

    loop = Repeating(work, lambda: 0.01, logging.getLogger("test"), "printers", (ValueError,))
    loop.start()
    await until(lambda: len(rounds) >= 2)
    await loop.aclose()
    assert "printers: spooler gone" in caplog.text
    assert loop._task is not None and loop._task.done()  # stopped: no round after aclose
