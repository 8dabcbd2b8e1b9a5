"""How long the event loop is held: the longest gap between ticks of a 1 ms ticker."""

from __future__ import annotations

import asyncio
import time


async def longest_gap(work: asyncio.Future[object] | None, seconds: float = 0.0) -> float:
    """While ``work`` runs (or for ``seconds`` when it is None), the longest tick gap."""
    gap, last = 0.0, time.perf_counter()
    end = time.perf_counter() + seconds
    while (work is not None and not work.done()) or time.perf_counter() < end:
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
    return gap
