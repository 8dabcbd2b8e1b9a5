"""Keeps the jobs cache current with as few requests as possible.

First sync: the pending jobs in full. After that: ``after=`` the watermark less
an overlap, so a clock difference can only repeat a job (merged by id), never
miss one; the watermark moves only once what it covers is stored. ``after`` is
sent in UTC, which a server reading it as UK time takes as the same instant or
earlier: overlap again, never a gap. A full refresh of the pending jobs every
ten minutes heals anything an incremental sync missed. Every request is made at
background priority, so a packer's own action goes first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from packstation.api import ApiError, Priority, SmartGiftClient
from packstation.background import Repeating
from packstation.listeners import Listeners
from packstation.store.jobs import JobCache, JobChange
from packstation.store.site_roles import LeaseLost

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)
FULL_REFRESH_EVERY = 600.0
INTERVAL = 30.0

ChangeListener = Callable[[list[JobChange]], None]


class NotSyncer(Exception):
    """Another station of the site syncs now: this one asks Smart Gift nothing."""


class JobSync:
    def __init__(self, client: SmartGiftClient, cache: JobCache, *,
                 interval: float = INTERVAL, full_every: float = FULL_REFRESH_EVERY,
                 overlap: timedelta = OVERLAP, listener: ChangeListener | None = None,
                 may_sync: Callable[[], bool] = lambda: True,
                 guard: Callable[[Any], None] | None = None) -> None:
        self._client = client
        # A site's stations: only the one holding the syncer lease asks (``may_sync``,
        # no I/O), and what it stores is checked against that lease (``guard``).
        self._may_sync = may_sync
        self._guard = guard
        self._cache = cache
        self.interval = interval
        self.full_every = full_every
        self.overlap = overlap
        self._listeners: Listeners[list[JobChange]] = Listeners(*([listener] if listener else []))
        self._loop = Repeating(self.sync_once, lambda: self.interval, log, "sync")
        self.last_error: str | None = None
        self.offline = False  # the last error was Smart Gift's or the network's
        self.last_success: datetime | None = None
        self.rounds = 0  # syncs that asked Smart Gift and stored what it said

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.subscribe(listener)

    def unsubscribe(self, listener: ChangeListener) -> None:
        self._listeners.unsubscribe(listener)

    async def sync_once(self) -> list[JobChange]:
        """One sync (full or incremental, whichever is due); returns what changed."""
        try:
            changes = await self._sync()
        except (NotSyncer, LeaseLost):  # another station took over: nothing was stored
            return []
        except ApiError as exc:
            self.last_error = str(exc)
            self.offline = True
            raise
        except Exception as exc:  # the disk, a bug: said too, not "synced" at an old time
            self.last_error = f"sync failed ({type(exc).__name__}: {exc})"
            self.offline = False
            raise
        self.offline = False
        self.last_error = None
        self.last_success = datetime.now(UTC)
        if changes:
            self._listeners.tell(changes)
        return changes

    async def _asking(self) -> None:
        """Before each request: raise once this station is no longer the site's syncer."""
        if not self._may_sync():
            raise NotSyncer("another station syncs for the site")

    async def _sync(self) -> list[JobChange]:
        if not self._may_sync():
            return []
        watermark, last_full = await asyncio.to_thread(
            lambda: (self._cache.watermark(), self._cache.last_full_sync()))
        started = time.time()
        full = watermark is None or last_full is None or started - last_full >= self.full_every
        await self._asking()
        if full:
            result = await self._client.list_jobs(status="pending", priority=Priority.BACKGROUND)
            listed = {job.id for job in result.items}
            cached_pending = await asyncio.to_thread(self._cache.ids_with_status, "pending")
            missing = cached_pending - listed
        else:
            assert watermark is not None
            result = await self._client.list_jobs(after=watermark - self.overlap,
                                                  priority=Priority.BACKGROUND)
            missing = set()
        if missing and watermark is not None:
            # Left pending elsewhere: ask what became of them (they changed since then).
            oldest = min(watermark - self.overlap, datetime.now(UTC) - timedelta(days=1))
            await self._asking()
            extra = await self._client.list_jobs(after=oldest, priority=Priority.BACKGROUND)
            result.items.extend(j for j in extra.items if j.id in missing)
            missing -= {j.id for j in extra.items}
        # The new watermark is when this request started: anything changed after that
        # is caught by the next sync (the overlap covers clock differences).
        changes = await asyncio.to_thread(
            self._cache.store, result.items, started,
            watermark=datetime.fromtimestamp(started, UTC), full_sync=full,
            missing_from_pending=missing, guard=self._guard)
        self.rounds += 1
        return changes

    def start(self) -> None:
        self._loop.start()

    def sync_soon(self) -> None:
        """Sync now rather than at the next interval (e.g. the user pressed refresh)."""
        self._loop.wake()

    async def aclose(self) -> None:
        await self._loop.aclose()
