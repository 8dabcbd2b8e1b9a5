"""Small helpers for the long-running asyncio tasks of sync, outbox and prefetch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from packstation.api.errors import ApiError
from packstation.store.site_database import SiteUnreachable


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task and wait until it has stopped: nothing of it runs later.

    Cancelled again until it is done: Python 3.11's ``wait_for`` drops a cancellation
    that arrives as its inner wait completes (a wake at that very moment), and the task
    would sleep on."""
    while task is not None and not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)
    if task is not None and not task.cancelled():
        with contextlib.suppress(Exception):
            task.exception()  # retrieved: no "never retrieved" warning


async def sleep_unless_woken(wake: asyncio.Event, seconds: float) -> None:
    """Sleep up to ``seconds``; at once if ``wake`` is or becomes set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), max(0.0, seconds))


class Repeating:
    """``work`` now, then every ``interval()`` seconds, or at once after ``wake()``.

    A wake during the work is kept (the event is cleared before the work, not
    after it), so "check again now" is never lost to a check already running.
    Any failure of a round is logged (an ApiError in a line, anything else with
    its traceback: a bug or a broken disk), kept in ``last_error`` for the status
    bar, and the next round comes as usual: a loop never ends on an error.
    """

    def __init__(self, work: Callable[[], Awaitable[object]], interval: Callable[[], float],
                 log: logging.Logger, what: str) -> None:
        self._work = work
        self._interval = interval
        self._log = log
        self._what = what
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None  # the last round's failure, None once one succeeds

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._work()
            except (ApiError, SiteUnreachable) as exc:  # expected (network, server, key, a
                # site's database restarting): one line, and not again while it lasts
                if str(exc) != self.last_error:
                    self._log.warning("%s: %s", self._what, exc)
                self.last_error = str(exc)
            except Exception as exc:  # anything else: the traceback, for whoever reads the log
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._log.exception("%s failed; trying again at the next round", self._what)
            else:
                self.last_error = None
            await sleep_unless_woken(self._wake, self._interval())

    async def aclose(self) -> None:
        await stop_task(self._task)
