"""One running packing station: client, local store, sync, outbox, printing, back office.

Built the same way for the window and for tests; holds no Qt widgets. The
window gets what it needs from here through its constructor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packstation.api import ApiKey, SmartGiftClient
from packstation.api.transport import warm_up
from packstation.backoffice.agreements import AgreementBook
from packstation.backoffice.orders import OrderDesk
from packstation.config import keys
from packstation.config.settings import Settings
from packstation.logs import set_file_level
from packstation.printing.monitor import PrinterMonitor
from packstation.printing.pdf_source import PdfSource
from packstation.printing.printers import station_from
from packstation.printing.voucher_printer import VoucherPrinter, default_path
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.scanning.handler import ScanHandler
from packstation.store.database import Database, database_path
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox
from packstation.store.pdf_cache import PdfCache
from packstation.store.pos_orders import PosOrderLog
from packstation.store.print_history import PrintHistory
from packstation.store.scan_log import ScanLog
from packstation.sync.job_sync import JobSync
from packstation.sync.outbox_sender import OutboxSender

DEMO_AGREEMENTS_EVERY = 30.0  # seconds; a real station looks every five minutes


@dataclass
class Station:
    api_url: str
    client: SmartGiftClient
    db: Database
    settings: Settings
    sandbox: SandboxServer | None = None
    cache: JobCache = field(init=False)
    outbox: DispatchOutbox = field(init=False)
    history: PrintHistory = field(init=False)
    pdfs: PdfSource = field(init=False)
    sync: JobSync = field(init=False)
    sender: OutboxSender = field(init=False)
    monitor: PrinterMonitor = field(init=False)
    agreements: AgreementBook = field(init=False)
    orders: OrderDesk = field(init=False)
    _printer: VoucherPrinter | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.cache = JobCache(self.db)
        self.outbox = DispatchOutbox(self.db)
        self.history = PrintHistory(self.db)
        self.pdfs = PdfSource(self.client, PdfCache())
        self.sync = JobSync(self.client, self.cache, interval=self.settings.sync_interval,
                            full_every=self.settings.full_refresh_every)
        self.sender = OutboxSender(self.client, self.outbox, self.cache)
        self.monitor = PrinterMonitor(lambda: station_from(self.settings))
        self.agreements = AgreementBook(self.client)
        self.orders = OrderDesk(self.client, PosOrderLog(self.db))

    @classmethod
    def open(cls, api_url: str | None = None, *, demo: bool = False,
             settings: Settings | None = None) -> Station:
        """Connect to Smart Gift (or start the demo sandbox); raises ApiError if it cannot.

        Blocking (keyring, database, imports): the window calls it in a worker thread.
        """
        warm_up()
        settings = settings or Settings.load()
        if demo:
            sandbox = SandboxServer(pdf_delay=5.0, new_job_every=45.0).start()
            client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), limits=settings.limits())
            # The demo's data is as new as its sandbox: never mixed into a real station's.
            station = cls(sandbox.base_url, client, Database(":memory:"), settings, sandbox)
            # Its customers accept a price within seconds; a trainee should see that.
            station.agreements.interval = DEMO_AGREEMENTS_EVERY
            return station
        url = keys.resolve_api_url(api_url, settings)
        client = SmartGiftClient(url, keys.load_key(url), limits=settings.limits())
        return cls(url, client, Database(database_path(url)), settings)

    @property
    def printer(self) -> VoucherPrinter:
        if self._printer is None:
            self._printer = VoucherPrinter(self.pdfs, self.history, station_from(self.settings),
                                           default_path(self.settings.print_path))
        return self._printer

    def apply_settings(self, settings: Settings) -> None:
        """Settings changed in the dialog: take them on without a restart."""
        self.settings = settings
        set_file_level(settings.log_level)
        self.client.limits = settings.limits()
        self.sync.interval = settings.sync_interval
        if self._printer is not None:
            self._printer.station = station_from(settings)
            self._printer.path = default_path(settings.print_path)
        self.monitor.check_soon()

    def scan_handler(self) -> ScanHandler:
        return ScanHandler(self.cache, self.outbox, ScanLog(self.db),
                           printer=lambda: self.printer,
                           print_on_select=self.settings.print_on_select,
                           poke_sender=self.sender.poke)

    def start(self) -> None:
        """Background work for the life of the window: sync, outbox, printers, agreements."""
        self.sync.start()
        self.sender.start()
        self.monitor.start()
        self.agreements.start()

    async def aclose(self) -> None:
        await self.sync.aclose()
        await self.sender.aclose()
        await self.pdfs.aclose()
        await self.monitor.aclose()
        await self.agreements.aclose()
        await self.client.aclose()
        self.db.close()
        if self.sandbox is not None:
            self.sandbox.stop()
