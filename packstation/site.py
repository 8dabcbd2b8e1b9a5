"""A station's site parts, assembled for ``Station`` when it works on a site's PostgreSQL.

- ``SiteParts.sync``: ``SiteSync`` (one syncer by lease; every station follows changes);
- the client's budget becomes the site's (``SiteBudget`` over the ``SiteLedger``);
- voucher PDFs through the site's table (``SitePdfCache``), fetched ahead by the syncer;
- ``alone``: this PC's own SQLite outbox, sender and history for a packer's dispatch while
  the site's database is out of reach, carried into the site when it is back.
No Qt; nothing here connects until first used.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from packstation.config import keys
from packstation.store.database import Database, Store, database_path

if TYPE_CHECKING:
    from packstation.api import Job, SmartGiftClient
    from packstation.job_service import Alone
    from packstation.store.claims import JobClaims
    from packstation.store.outbox import DispatchOutbox
    from packstation.store.site_budget import SiteLedger
    from packstation.store.site_database import SiteDatabase
    from packstation.store.site_pdfs import SitePdfCache, SitePdfs
    from packstation.store.site_roles import SiteLease
    from packstation.sync.job_sync import JobSync
    from packstation.sync.outbox_sender import OutboxSender
    from packstation.sync.site_catch_up import SiteCatchUp
    from packstation.sync.site_sync import SiteSync

log = logging.getLogger(__name__)


def connector(url: str) -> Callable[[], Store]:
    """The site's PostgreSQL, its password from the keyring, once first used."""
    def connect() -> Store:
        from packstation.api import MissingKeyError
        from packstation.store.site_database import SiteDatabase  # psycopg: only on a site

        try:
            password = keys.site_password(url)
        except MissingKeyError:  # no keyring here: PGPASSWORD, .pgpass or trust may do
            password = None
        return SiteDatabase(url, password)
    return connect


@dataclass(frozen=True, slots=True)
class SiteView:
    """A site of stations, for the status bar and the queue's "Packing at" column."""

    name: str
    stations: int
    held: dict[int, str]  # job id -> the other station holding it
    lost: str = ""  # why the site database cannot be reached ("" when it can)
    syncer: str = ""  # the station syncing for the site ("" none live)


class SiteParts:
    def __init__(self, db: SiteDatabase, station: str, api_url: str,
                 client: Callable[[], SmartGiftClient],
                 packer: Callable[[], str] = lambda: "") -> None:
        from packstation.store.jobs import JobCache

        self.db = db
        self.station = station
        self.packer = packer  # who is packing: recorded with a dispatch saved alone too
        self.api_url = api_url
        self._client = client
        self._cache = JobCache(db)

    @cached_property
    def lease(self) -> SiteLease:
        from packstation.store.site_roles import SiteLease

        return SiteLease(self.db, self.station)

    @cached_property
    def ledger(self) -> SiteLedger:
        from packstation.store.site_budget import SiteLedger

        return SiteLedger(self.db, self.station)

    @cached_property
    def pdf_store(self) -> SitePdfs:
        from packstation.store.site_pdfs import SitePdfs

        return SitePdfs(self.db, self.station)

    def share_budget(self, client: SmartGiftClient) -> None:
        """The client's requests counted in the site's ledger too (once)."""
        from packstation.api.ratelimit import RateBudget
        from packstation.api.site_budget import SiteBudget

        if isinstance(client.budget, RateBudget):
            client.budget = SiteBudget(client.budget, self.ledger)

    def pdf_cache(self) -> SitePdfCache:
        from packstation.store.pdf_cache import PdfCache
        from packstation.store.site_pdfs import SitePdfCache

        return SitePdfCache(PdfCache(), self.pdf_store)

    def sync(self, job_sync: Callable[..., JobSync],
             prefetch: Callable[[list[Job]], None]) -> SiteSync:
        from packstation.sync.site_sync import SiteSync

        lease = self.lease
        syncing = job_sync(may_sync=lease.still_mine, guard=lease.check)
        site_sync = SiteSync(syncing, lease, self.db)
        # The syncer fetches the PDFs ahead for the site: of what it syncs, and of every
        # pending job when it takes over (a window or not: a headless syncer does too).
        syncing.subscribe(lambda changes: prefetch([c.job for c in changes]))
        cache = self._cache

        async def all_pending() -> None:
            prefetch(await asyncio.to_thread(cache.load, ["pending"]))

        def became(syncer: bool) -> None:
            if syncer:
                task = asyncio.ensure_future(all_pending())
                task.add_done_callback(_said)

        site_sync.watch_role(became)
        return site_sync

    # -- alone: the site's database out of reach -------------------------------------------

    @cached_property
    def own_db(self) -> Database:
        """This PC's own SQLite (as a station alone would have): the dispatches made while
        the site is lost."""
        return Database(database_path(self.api_url))

    @cached_property
    def own_sender(self) -> OutboxSender:
        from packstation.store.jobs import JobCache
        from packstation.sync.outbox_sender import OutboxSender

        return OutboxSender(self._client(), self.own_outbox, JobCache(self.own_db))

    @cached_property
    def own_outbox(self) -> DispatchOutbox:
        from packstation.store.outbox import DispatchOutbox

        return DispatchOutbox(self.own_db, self.station, self.packer)

    def alone(self) -> Alone:
        from packstation.job_service import Alone

        sender = self.own_sender
        return Alone(self.own_outbox, sender.send_first, sender.poke)

    @cached_property
    def catch_up(self) -> SiteCatchUp:
        from packstation.store.history import DispatchHistory
        from packstation.store.jobs import JobCache
        from packstation.store.outbox import DispatchOutbox
        from packstation.sync.site_catch_up import SiteCatchUp

        own = self.own_db
        return SiteCatchUp(DispatchHistory(own), JobCache(own), DispatchHistory(self.db),
                           self._cache, self.station, local_outbox=self.own_outbox,
                           site_outbox=DispatchOutbox(self.db, self.station))

    def start(self) -> None:
        self.own_sender.start()
        self.catch_up.start()

    async def aclose(self) -> None:
        made = self.__dict__
        for part in ("catch_up", "own_sender"):
            if part in made:
                await made[part].aclose()
        if "own_db" in made:
            await asyncio.to_thread(made["own_db"].close)

    def view(self, name: str, claims: JobClaims, keeper_error: str | None) -> SiteView:
        """The site as the window shows it (blocking). A lost site is said, never raised."""
        try:
            seen = claims.stations()
            held = claims.held_elsewhere()
            holder = self.lease.holder()
        except Exception as exc:  # the database went away: said in red, work goes on
            return SiteView(name, 0, {}, first_line(exc))
        syncer = holder.station if holder is not None and holder.live else ""
        return SiteView(name, len(seen), held, self.db.lost or keeper_error or "", syncer)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _said(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("the PDFs of the pending jobs were not queued: %s", task.exception())
