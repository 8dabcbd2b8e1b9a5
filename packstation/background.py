"""Small helpers for the long-running asyncio tasks of sync, outbox and prefetch."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task and wait until it has stopped: nothing of it runs later."""
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_or_wake(wake: asyncio.Event, seconds: float) -> None:
    """Sleep up to ``seconds``, or less if ``wake`` is set (new work arrived)."""
    wake.clear()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), max(0.0, seconds))
