"""A site's request budget: the site's ledger, and then this process's ``RateBudget``.

The site's ledger (``store.site_budget.SiteLedger``, kept in PostgreSQL) must have room
for one more request in its window: the stations together never go over the key's
limit. Then the local budget still obeys what the server's headers say of the key (they
count every station's requests). A ledger
that cannot be reached (the site database is lost) is not waited for: this station then
keeps to ``ALONE_LIMIT`` requests a minute of its own, a share small enough that a site
of stations all cut off at once stays within the key's limit, and only for people's
work (a packer's dispatch): background work waits for the ledger.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Mapping
from typing import Final, Protocol

from packstation.api.ratelimit import Priority, RateBudget

ALONE_LIMIT: Final = 6  # requests a minute while the site's ledger cannot be reached
_ALONE_WINDOW: Final = 60.0
_LOOK_AGAIN: Final = 2.0  # background work waits for the site's ledger this long a look

log = logging.getLogger(__name__)


class Ledger(Protocol):
    def take(self, limit: int, held: int = 0, priority: int = 0) -> float:
        """0.0: one request may go (counted); else seconds until one may (blocking)."""
        ...

    def record(self, count: int) -> None:
        """``count`` requests sent just now without asking (blocking)."""
        ...


class SiteBudget:
    """``RateBudget``'s surface, for ``SmartGiftClient(budget=...)``."""

    def __init__(self, local: RateBudget, ledger: Ledger, *,
                 alone_limit: int = ALONE_LIMIT) -> None:
        self.local = local
        self.ledger = ledger
        self.alone_limit = alone_limit
        self._alone: deque[float] = deque()  # sends while the ledger was out of reach
        self.alone_since: float | None = None  # monotonic: the ledger out of reach since

    @property
    def limit(self) -> int:
        return self.local.limit

    @property
    def remaining(self) -> int | None:
        return self.local.remaining

    @property
    def waiting(self) -> int:
        return self.local.waiting

    def wait_estimate(self, priority: Priority = Priority.NORMAL) -> float:
        return self.local.wait_estimate(priority)

    def blocked_for(self) -> float:
        return self.local.blocked_for()

    async def acquire(self, priority: Priority = Priority.NORMAL) -> None:
        # The site's turn first: a request waiting for the site holds no place in this
        # process's budget (before the first answer, one request at a time), so a
        # packer's dispatch never waits behind a sync the site holds back.
        await self._site_turn(priority)
        await self.local.acquire(priority)

    async def release(self, headers: Mapping[str, str] | None, status: int | None) -> None:
        await self.local.release(headers, status)

    async def _site_turn(self, priority: Priority) -> None:
        held = (min(self.local.reserve, self.local.limit // 4)
                if priority >= Priority.BACKGROUND else 0)
        while True:
            try:
                wait = await asyncio.to_thread(self.ledger.take, self.local.limit, held,
                                               int(priority))
            except Exception as exc:  # the site's database is out of reach: alone, slowly
                if priority >= Priority.BACKGROUND:  # only people's work goes alone: the
                    await asyncio.sleep(_LOOK_AGAIN)  # small share is the packers'
                    continue
                if self.alone_since is None:
                    log.warning("the site's request budget cannot be reached (%s); this "
                                "station keeps to %d requests a minute until it can",
                                str(exc)[:200], self.alone_limit)
                    self.alone_since = time.monotonic()
                await self._alone_turn()
                return
            if self.alone_since is not None:
                await self._back_from_alone()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _back_from_alone(self) -> None:
        """The site's ledger answers again: what this station sent alone in the last
        window is counted there now, so the others leave room for it."""
        self.alone_since = None
        now = time.monotonic()
        recent = sum(1 for sent in self._alone if sent > now - _ALONE_WINDOW)
        self._alone.clear()
        if recent:
            try:
                await asyncio.to_thread(self.ledger.record, recent)
            except Exception as exc:  # gone again: the next request finds out
                log.info("requests sent alone not counted by the site: %s", str(exc)[:200])

    async def _alone_turn(self) -> None:
        while True:
            now = time.monotonic()
            while self._alone and self._alone[0] <= now - _ALONE_WINDOW:
                self._alone.popleft()
            if len(self._alone) < self.alone_limit:
                self._alone.append(now)
                return
            await asyncio.sleep(self._alone[0] + _ALONE_WINDOW - now)
