"""A site's stations: one syncs with Smart Gift, every one follows the site's database.

``SiteSync`` has ``JobSync``'s surface for the station and the window. Underneath:
- a heartbeat renews this station's syncer lease every ``HEARTBEAT`` s, or takes it once
  it is free (a frozen or dead syncer's lapses in ``LEASE_FOR`` s); only the holder's
  ``JobSync`` asks Smart Gift anything, and it stores only while it still holds it;
- every station, the syncer too, follows the jobs' numbered changes in the database,
  woken by LISTEN/NOTIFY as they commit (a look every ``LOOK_EVERY`` s all the same,
  should a notification be lost with a connection), and tells its listeners.
The window therefore hears of a dispatch at another bench within moments of its commit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from packstation.background import Repeating
from packstation.listeners import Listeners
from packstation.store.jobs import JobChange
from packstation.store.site_changes import JOBS_CHANNEL, SYNC_NOW_CHANNEL, SiteChanges
from packstation.store.site_roles import HEARTBEAT, SiteLease
from packstation.sync.job_sync import ChangeListener, JobSync

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase

LOOK_EVERY: Final = 5.0  # seconds between looks at the site's changes without a NOTIFY
_RECONNECT: Final = 2.0

log = logging.getLogger(__name__)


class SiteSync:
    def __init__(self, sync: JobSync, lease: SiteLease, db: SiteDatabase, *,
                 heartbeat: float = HEARTBEAT, look_every: float = LOOK_EVERY) -> None:
        self.job_sync = sync
        self.lease = lease
        self._db = db
        self._changes = SiteChanges(db)
        self.heartbeat = heartbeat
        self.look_every = look_every
        self._listeners: Listeners[list[JobChange]] = Listeners()
        self._roles: Listeners[bool] = Listeners()
        self._statuses: dict[int, str] | None = None
        self._seq = 0
        self.syncer = False
        self.follow_error: str | None = None
        self.site_synced_at: datetime | None = None
        self._beat = Repeating(self._heartbeat, lambda: self.heartbeat, log, "syncer lease")
        self._follow = Repeating(self.follow_once, lambda: self.look_every, log, "site changes")
        self._closing = threading.Event()
        self._listener: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- JobSync's surface ----------------------------------------------------------------

    @property
    def interval(self) -> float:
        return self.job_sync.interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self.job_sync.interval = seconds

    @property
    def last_error(self) -> str | None:
        return self.follow_error or (self.job_sync.last_error if self.syncer else None)

    @property
    def offline(self) -> bool:
        return self.syncer and self.follow_error is None and self.job_sync.offline

    @property
    def last_success(self) -> datetime | None:
        own = self.job_sync.last_success if self.syncer else None
        site = self.site_synced_at
        return max(own, site) if own and site else own or site

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.subscribe(listener)

    def unsubscribe(self, listener: ChangeListener) -> None:
        self._listeners.unsubscribe(listener)

    def watch_role(self, listener: Callable[[bool], None]) -> None:
        """Told True when this station becomes the site's syncer, False when it stops."""
        self._roles.subscribe(listener)

    async def sync_once(self) -> list[JobChange]:
        """A sync now if this station holds (or can take) the syncer lease; else nothing."""
        await self._heartbeat()
        return await self.job_sync.sync_once() if self.syncer else []

    def sync_soon(self) -> None:
        """A refresh: the syncer syncs now (asked over the database when it is another)."""
        if self.syncer:
            self.job_sync.sync_soon()
        else:
            task = asyncio.ensure_future(asyncio.to_thread(self._changes.ask_for_sync))
            task.add_done_callback(_quietly)
        self._follow.wake()

    # -- the parts ---------------------------------------------------------------------------

    def prime(self) -> None:
        """Where to follow from: the site's newest change (blocking: a worker's, at open)."""
        start = self._changes.start()
        self._seq, self._statuses = start.seq, start.statuses

    async def _heartbeat(self) -> None:
        held = False
        try:  # a failure is said by the loop; this station syncs nothing meanwhile
            held = await asyncio.to_thread(self.lease.hold)
        finally:
            self._became(held)

    def _became(self, syncer: bool) -> None:
        if syncer == self.syncer:
            return
        self.syncer = syncer
        log.info("this station %s the site's syncer", "is now" if syncer else "is no longer")
        if syncer:
            self.job_sync.sync_soon()
        self._roles.tell(syncer)

    async def follow_once(self) -> list[JobChange]:
        """Read what changed since the last look, tell it; what was told."""
        try:
            if self._statuses is None:
                await asyncio.to_thread(self.prime)
            told: list[JobChange] = []
            more = True
            while more:
                changed = await asyncio.to_thread(self._changes.since, self._seq)
                self._seq, more = changed.seq, changed.more
                self.site_synced_at = changed.synced_at or self.site_synced_at
                statuses = self._statuses
                assert statuses is not None  # primed above
                batch = [JobChange(job, statuses.get(job.id)) for job in changed.jobs]
                statuses.update((job.id, job.status) for job in changed.jobs)
                if batch:
                    self._listeners.tell(batch)
                    told.extend(batch)
        except Exception as exc:
            self.follow_error = f"site database: {str(exc)[:200]}"
            raise
        self.follow_error = None
        return told

    def _listen(self) -> None:
        """In a thread of its own: wake the follower (or the syncer) as NOTIFYs arrive."""
        while not self._closing.is_set():
            try:
                connection = self._db.connect()
            except Exception:
                self._closing.wait(_RECONNECT)
                continue
            try:
                connection.execute(f"LISTEN {JOBS_CHANNEL}")
                connection.execute(f"LISTEN {SYNC_NOW_CHANNEL}")
                self._call(self._follow.wake)  # anything missed while not listening
                while not self._closing.is_set():
                    for note in connection.notifies(timeout=1.0):
                        self._call(self._follow.wake if note.channel == JOBS_CHANNEL
                                   else self._sync_asked)
            except Exception as exc:
                log.info("site notifications paused: %s", str(exc)[:200])
                self._closing.wait(_RECONNECT)
            finally:
                connection.close()

    def _call(self, work: Callable[[], Any]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(work)

    def _sync_asked(self) -> None:
        if self.syncer:
            self.job_sync.sync_soon()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._beat.start()
        self._follow.start()
        self.job_sync.start()
        self._listener = threading.Thread(target=self._listen, name="site-notifications",
                                          daemon=True)
        self._listener.start()

    async def aclose(self) -> None:
        self._closing.set()
        await self._beat.aclose()
        await self._follow.aclose()
        await self.job_sync.aclose()
        if self.syncer:  # another station takes over now, not in ten seconds
            try:
                await asyncio.to_thread(self.lease.give_up)
            except Exception as exc:
                log.info("the syncer lease was not handed back: %s", str(exc)[:200])
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, 3.0)


def _quietly(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.info("the syncer was not asked to sync: %s", str(task.exception())[:200])
