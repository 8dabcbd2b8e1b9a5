"""One running packing station, assembled in one place for the window and every CLI command.

``Station.open`` builds it from the settings (the API address, the key, the local
database, or the demo's sandbox); each part (client, store, outbox, sync,
printing, back office) is made the first time it is used, so a CLI command pays
only for what it touches. No Qt.

The window does not reach into the parts. It uses the surface below the
"window's surface" line, and tests/test_layers.py holds it to that list:
what to show (``status``, ``queue_page``, ``voucher_pdfs``), what happened
(``watch_jobs``, ``watch_sending``, ``watch_key_refusals``), and what to do
(``jobs``, ``scan_handler``, ``agreements``, ``orders``, ``outbox_review``,
``use_key``, ``refresh_now``, ``check_printers``, ``apply_settings``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.api import ApiKey, Job, SmartGiftClient
from packstation.api.errors import AuthError
from packstation.api.transport import warm_up
from packstation.config import keys
from packstation.config.delivery import DEMO_METHODS, MAX_METHODS, DeliveryMethod
from packstation.config.settings import Settings
from packstation.logs import set_file_level
from packstation.sandbox import DEMO_KEY
from packstation.site import SiteParts, SiteView, connector, first_line
from packstation.station_views import StationStatus, VoucherPdfs
from packstation.store.database import Database, Store, database_path
from packstation.sync.site_sync import SiteSync

if TYPE_CHECKING:
    from packstation.background import Repeating
    from packstation.backoffice.agreements import AgreementBook
    from packstation.backoffice.orders import OrderDesk
    from packstation.courier.desk import CourierDesk
    from packstation.courier.parts import CourierParts
    from packstation.day_parts import DayParts
    from packstation.job_service import JobService
    from packstation.manifests import ManifestDesk
    from packstation.packers import SignIn
    from packstation.printing.monitor import PrinterMonitor
    from packstation.printing.pdf_source import PdfSource
    from packstation.printing.voucher_printer import VoucherPrinter
    from packstation.sandbox import SandboxServer
    from packstation.sandbox.lastmile import LastMileServer
    from packstation.scanning.handler import ScanHandler
    from packstation.shift import ShiftReport
    from packstation.store.claims import JobClaims
    from packstation.store.jobs import JobCache, JobChange
    from packstation.store.outbox import DispatchOutbox
    from packstation.store.packers import PackerRoster
    from packstation.store.print_history import PrintHistory
    from packstation.sync.job_sync import JobSync
    from packstation.sync.outbox_review import OutboxReview
    from packstation.sync.outbox_sender import OutboxEvent, OutboxSender

DEMO_AGREEMENTS_EVERY = 30.0  # seconds; a real station looks every five minutes

log = logging.getLogger(__name__)


class Station:
    def __init__(self, api_url: str, client: SmartGiftClient | Callable[[], SmartGiftClient],
                 db: Store | Path | str | Callable[[], Store], settings: Settings,
                 sandbox: SandboxServer | None = None,
                 courier_sandbox: LastMileServer | None = None) -> None:
        self.api_url = api_url
        self.settings = settings
        self.sandbox = sandbox
        self.courier_sandbox = courier_sandbox  # the demo's courier
        self._client = client
        self._db = db

    @classmethod
    def open(cls, api_url: str | None = None, *, demo: bool = False,
             settings: Settings | None = None, connect: bool = True,
             lively: bool = True) -> Station:
        """The station of these settings; raises ApiError (MissingKeyError...) if it cannot.

        ``connect``: load the key now (the window must know at once); a command that
        needs no request (``outbox list``) passes False and needs no key. ``lively``: the
        demo's PDFs take seconds and new jobs arrive, as for real. Blocking (keyring,
        imports): the window calls it in a worker thread.
        """
        settings = settings or Settings.load()
        if demo:
            from packstation.sandbox import SandboxServer  # only for the demo
            from packstation.sandbox.lastmile import LastMileServer

            sandbox = SandboxServer(pdf_delay=5.0 if lively else 0.0,
                                    new_job_every=45.0 if lively else 0.0).start()
            client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                     limits=settings.limits())
            # The demo's data is as new as its sandbox: never mixed into a real station's.
            station = cls(sandbox.base_url, client, ":memory:", settings, sandbox,
                          LastMileServer().start())
            if lively:  # its customers accept a price within seconds: a trainee sees it
                station.agreements.interval = DEMO_AGREEMENTS_EVERY
        else:
            url = keys.resolve_api_url(api_url, settings)
            label = settings.station() if settings.site_url else ""
            station = cls(url, lambda: SmartGiftClient(url, keys.load_key(url), station=label,
                                                       limits=settings.limits()),
                          connector(settings.site_url) if settings.site_url
                          else database_path(url), settings)
        if connect:
            warm_up()
            _ = station.client
        if settings.site_url and not demo:
            _ = station.db  # the site's database reached here, in the caller's worker
            if station.site is not None:  # and the PC's own, for a dispatch while it is lost
                _ = station.site.own_db
            if connect and isinstance(station.sync, SiteSync):
                station.sync.prime()  # followed from before the window reads the queue
        return station

    # -- the parts, each made when first used ----------------------------------------------

    @cached_property
    def client(self) -> SmartGiftClient:
        client = self._client if isinstance(self._client, SmartGiftClient) else self._client()
        if self.site is not None:  # every request of a site's station counted by the site
            self.site.share_budget(client)
        return client

    @cached_property
    def db(self) -> Store:
        """The station's store: its own SQLite, or its site's PostgreSQL (connected on first
        use, in the caller's thread: a worker's, never the window's)."""
        if isinstance(self._db, Path | str):
            return Database(self._db)
        db = self._db() if callable(self._db) else self._db
        site = self._site_parts(db)
        if site is not None and "client" in self.__dict__:  # made first: counted from now
            site.share_budget(self.client)
        return db

    @property
    def site(self) -> SiteParts | None:
        """The site's parts (None: a station alone); the database is connected by then."""
        if "db" not in self.__dict__ and not (self.settings.site_url and callable(self._db)):
            return None
        return self._site_parts(self.db)

    def _site_parts(self, db: Store) -> SiteParts | None:
        from packstation.store.site_database import SiteDatabase

        if not isinstance(db, SiteDatabase):
            return None
        parts = self.__dict__.get("_site")
        if parts is None:
            parts = self.__dict__["_site"] = SiteParts(
                db, self.settings.station(), self.api_url, lambda: self.client,
                self.sign_in.who)
        return parts

    @cached_property
    def cache(self) -> JobCache:
        from packstation.store.jobs import JobCache

        return JobCache(self.db)

    @cached_property
    def outbox(self) -> DispatchOutbox:
        from packstation.store.outbox import DispatchOutbox

        return DispatchOutbox(self.db, self.settings.station(), self.sign_in.who)

    @cached_property
    def history(self) -> PrintHistory:
        from packstation.store.print_history import PrintHistory

        return PrintHistory(self.db, self.sign_in.attribution)

    @cached_property
    def day(self) -> DayParts:
        """Who is packing, the packers, the day's figures, the manifests."""
        from packstation.day_parts import DayParts

        return DayParts(lambda: self.db, lambda: self.cache, lambda: self.settings,
                        self.delivery_method)

    @property
    def sign_in(self) -> SignIn:
        return self.day.sign_in

    @property
    def packers(self) -> PackerRoster:
        return self.day.packers

    @property
    def shift(self) -> ShiftReport:
        return self.day.shift

    @property
    def manifests(self) -> ManifestDesk:
        return self.day.manifests

    @cached_property
    def pdfs(self) -> PdfSource:
        from packstation.printing.pdf_source import PdfSource
        from packstation.store.pdf_cache import PdfCache

        site = self.site
        if site is None:
            return PdfSource(self.client, PdfCache())
        return PdfSource(self.client, site.pdf_cache(), fetch_ahead=lambda: self.syncer)

    @cached_property
    def sync(self) -> JobSync | SiteSync:
        """Alone: this station's sync. On a site: one station syncs, every one follows."""
        from functools import partial

        from packstation.sync.job_sync import JobSync

        job_sync = partial(JobSync, self.client, self.cache,
                           interval=self.settings.sync_interval,
                           full_every=self.settings.full_refresh_every)
        site = self.site
        return job_sync() if site is None else site.sync(job_sync, self.prefetch)

    @property
    def syncer(self) -> bool:
        """This station talks to Smart Gift for its site (alone: always)."""
        return self.site is None or bool(getattr(self.sync, "syncer", True))

    @cached_property
    def sender(self) -> OutboxSender:
        from packstation.sync.outbox_sender import OutboxSender

        return OutboxSender(self.client, self.outbox, self.cache)

    @cached_property
    def monitor(self) -> PrinterMonitor:
        from packstation.printing.monitor import PrinterMonitor
        from packstation.printing.printers import station_from

        return PrinterMonitor(lambda: station_from(self.settings))

    @cached_property
    def printer(self) -> VoucherPrinter:
        from packstation.printing.printers import station_from
        from packstation.printing.voucher_printer import VoucherPrinter, default_path

        return VoucherPrinter(self.pdfs, self.history, station_from(self.settings),
                              default_path(self.settings.print_path))

    # -- the window's surface (tests/test_layers.py: the window uses nothing else) ---------

    @cached_property
    def jobs(self) -> JobService:
        """Print, dispatch, mark delivered or cancelled: the scan handler and the Job menu."""
        from packstation.job_service import JobService
        from packstation.store.scan_log import ScanLog

        site = self.site
        return JobService(self.outbox, ScanLog(self.db, self.sign_in.attribution),
                          printer=lambda: self.printer,
                          poke_sender=self.sender.poke, send_first=self.sender.send_first,
                          lease=lambda: self.sender.lease, claims=self.claims,
                          alone=site.alone() if site is not None else None)

    @cached_property
    def claims(self) -> JobClaims:
        """Which bench of the site has which job in hand (alone: nobody else's)."""
        from packstation.store.claims import LocalClaims, SiteClaims
        from packstation.store.site_database import SiteDatabase

        db = self.db
        if isinstance(db, SiteDatabase):
            return SiteClaims(db, self.settings.station())
        return LocalClaims()

    @cached_property
    def claim_keeper(self) -> Repeating:
        """This station's claims renewed while it runs (a stopped one's lapse in 2 min)."""
        from packstation.background import Repeating
        from packstation.store.claims import RENEW_EVERY

        claims = self.claims
        return Repeating(lambda: asyncio.to_thread(claims.renew), lambda: RENEW_EVERY, log,
                         "site claims")

    @cached_property
    def agreements(self) -> AgreementBook:
        from packstation.backoffice.agreements import AgreementBook

        # On a site the syncer looks in the background; a person's refresh always asks.
        return AgreementBook(self.client, may_refresh=lambda: self.syncer)

    @cached_property
    def orders(self) -> OrderDesk:
        from packstation.backoffice.orders import OrderDesk
        from packstation.store.pos_orders import PosOrderLog

        return OrderDesk(self.client, PosOrderLog(self.db))

    @cached_property
    def courier_parts(self) -> CourierParts:
        from packstation.courier.parts import CourierParts

        return CourierParts(lambda: self.settings, lambda: self.db, lambda: self.jobs,
                            self.delivery_method, lambda: self.sign_in, self.courier_sandbox)

    @property
    def courier(self) -> CourierDesk:
        """Jobs of a "booked with the courier" method: booked, dispatched and labelled."""
        return self.courier_parts.desk

    @property
    def demo(self) -> bool:
        return self.sandbox is not None

    @property
    def voucher_pdfs(self) -> VoucherPdfs:
        return self.pdfs

    def scan_handler(self) -> ScanHandler:
        from packstation.scanning.handler import ScanHandler

        return ScanHandler(self.cache, self.jobs, settings=lambda: self.settings,
                           methods=self.delivery_method, pdfs_ready=self.pdfs.ready,
                           sign_in=self.sign_in, roster=self.packers,
                           courier=lambda: self.courier)

    def delivery_method(self, name: str | None) -> DeliveryMethod:
        """How a job's method is sent: its settings record; the demo's when the demo has
        none (so --demo shows untracked, internal and carrier methods)."""
        record = self.settings.delivery_methods.get(name or "")
        if record is None and self.demo:
            record = next((m for m in DEMO_METHODS if m.name == name), None)
        return record or DeliveryMethod(name or "")

    def delivery_methods_seen(self) -> list[DeliveryMethod]:
        """The methods of the cached jobs and of the settings, as each is sent now
        (SQLite: call it in a worker)."""
        names = set(self.cache.delivery_method_names()) | set(self.settings.delivery_methods)
        return [self.delivery_method(name) for name in sorted(names)[:MAX_METHODS]]

    def outbox_review(self) -> OutboxReview:
        from packstation.sync.outbox_review import OutboxReview

        return OutboxReview(self.outbox, self.cache, self.sender)

    def status(self, job: Job | None) -> StationStatus:
        sync = self.sync
        return StationStatus(
            sync.last_error, sync.offline, sync.last_success, self.client.budget.remaining,
            self.pdfs.describe(job) if job is not None and job.status == "pending" else "",
            tuple(self.monitor.latest))

    def site_view(self) -> SiteView | None:
        """The site as the window shows it (PostgreSQL: call it in a worker); None for a
        station alone. A lost site connection is said, never raised."""
        if not self.settings.site_url:
            return None
        from packstation.store.site_database import shown_url

        name = shown_url(self.settings.site_url).rsplit("/", 1)[-1] or "site"
        try:
            site = self.site
        except Exception as exc:  # never reached since the start
            return SiteView(name, 0, {}, first_line(exc))
        if site is None:
            return None
        keeper = self.__dict__.get("claim_keeper")
        return site.view(name, self.claims, keeper.last_error if keeper is not None else None)

    def outbox_counts(self) -> tuple[int, int]:
        """(changes waiting, changes needing attention): SQLite, so call it in a worker."""
        return self.outbox.counts()

    def queue_total(self) -> int:
        """How many jobs are cached (SQLite: in a worker)."""
        return sum(self.cache.counts().values())

    def queue_page(self, after: tuple[str, int] | None, limit: int
                   ) -> tuple[list[Job], tuple[str, int] | None]:
        """The cached queue, oldest first, a page at a time (SQLite: in a worker)."""
        return self.cache.load_page(after, limit)

    def prefetch(self, jobs: Iterable[Job]) -> None:
        """These jobs' voucher PDFs fetched in the background (the pending ones only)."""
        self.pdfs.prefetch(j for j in jobs if j.status == "pending")

    def watch_jobs(self, listener: Callable[[list[JobChange]], None], on: bool = True) -> None:
        """Told of jobs the sync found changed (or stop being told)."""
        (self.sync.subscribe if on else self.sync.unsubscribe)(listener)

    def watch_sending(self, listener: Callable[[OutboxEvent], None], on: bool = True) -> None:
        """Told when a saved change was confirmed, refused or deferred."""
        (self.sender.subscribe if on else self.sender.unsubscribe)(listener)

    def watch_key_refusals(self, listener: Callable[[AuthError], None],
                           on: bool = True) -> None:
        """Told of every 401/403, wherever it happened."""
        client = self.client
        (client.subscribe_auth_failures if on else client.unsubscribe_auth_failures)(listener)

    def first_sync_pending(self) -> bool:
        """No sync has succeeded yet, and none has failed: the first one is running."""
        return self.sync.last_success is None and not self.sync.last_error

    async def use_key(self, key: ApiKey) -> None:
        """A new key (after a 401, or from settings): used at once, and what waited is sent."""
        self.client.replace_key(key)
        self.sync.sync_soon()
        self.pdfs.forget_failures()
        await self.sender.retry_now()

    def refresh_now(self) -> None:
        self.sync.sync_soon()

    def check_printers(self) -> None:
        self.monitor.check_soon()

    def apply_settings(self, settings: Settings) -> None:
        """Settings changed in the dialog: take them on without a restart."""
        self.settings = settings
        set_file_level(settings.log_level)
        self.client.limits = settings.limits()
        self.sync.interval = settings.sync_interval
        if "printer" in self.__dict__:  # made already: follow the new choice
            from packstation.printing.printers import station_from
            from packstation.printing.voucher_printer import default_path

            self.printer.station = station_from(settings)
            self.printer.path = default_path(settings.print_path)
        self.monitor.check_soon()

    def start(self) -> None:
        """Background work for the life of the window: sync, outbox, printers, agreements."""
        self.sync.start()
        self.sender.start()
        if self.claims.shared:
            self.claim_keeper.start()
        if self.site is not None:
            self.site.start()
        self.monitor.start()
        self.agreements.start()
        # The courier formats read from disk now, in a worker: the first scan (and the
        # job view's carrier) need them, the UI thread never reads them.
        from packstation.tracking.reading import warm_up

        self._formats = asyncio.ensure_future(asyncio.to_thread(warm_up))

    async def aclose(self) -> None:
        """Stop what was started and close what was opened (nothing else is made for it)."""
        made = self.__dict__
        if "_formats" in made:
            await made["_formats"]
        for part in ("claim_keeper", "sync", "sender", "_site", "pdfs", "monitor",
                     "agreements", "client", "courier_parts"):
            if part in made:
                await made[part].aclose()
        if "db" in made:
            await asyncio.to_thread(made["db"].close)
        for server in (self.sandbox, self.courier_sandbox):
            if server is not None:
                server.stop()
