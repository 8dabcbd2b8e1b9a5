"""The state of the station's printers, asked now and then in the background.

The window shows it in its status bar, so a printer that is off or out of
paper is seen before the packer prints, not after. Asking is I/O (IPP to CUPS,
or the OS's printer list), so it runs in a worker thread, every ``interval``
seconds and at once after a print failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from packstation.background import Repeating
from packstation.printing.discovery import PrinterDiscovery, system_discovery
from packstation.printing.errors import PrintError
from packstation.printing.model import PrinterStatus
from packstation.printing.printers import DocumentKind, StationPrinters, resolve_printer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrinterReport:
    kind: DocumentKind
    name: str  # "" when no printer could be chosen
    status: PrinterStatus | None
    problem: str = ""

    @property
    def ready(self) -> bool:
        return self.status is not None and self.status.ready and not self.problem

    def describe(self) -> str:
        what = "Voucher printer" if self.kind is DocumentKind.VOUCHERS else "Label printer"
        if self.problem:
            return f"{what}: {self.problem}"
        assert self.status is not None
        state = {"idle": "ready", "printing": "printing", "stopped": "STOPPED"}.get(
            self.status.state, self.status.state)
        if not self.status.accepting:
            state = "NOT ACCEPTING JOBS"
        detail = f" ({self.status.message})" if self.status.message else ""
        return f"{what} {self.name}: {state}{detail}"


class PrinterMonitor:
    def __init__(self, station: Callable[[], StationPrinters], interval: float = 20.0,
                 discovery: Callable[[], PrinterDiscovery] = system_discovery) -> None:
        self._station = station  # asked each time: settings can change the printers
        self.interval = interval
        self._make_discovery = discovery
        self._discovery: PrinterDiscovery | None = None  # made on first use, in the worker
        self.latest: list[PrinterReport] = []
        # Any failure is logged, not raised: a broken spooler must not end the watch.
        self._loop = Repeating(self.check, lambda: self.interval, log,
                               "printer state unavailable")

    def _system(self) -> PrinterDiscovery:
        if self._discovery is None:
            self._discovery = self._make_discovery()  # one, kept: one connection to CUPS
        return self._discovery

    def _report(self, kind: DocumentKind) -> PrinterReport:
        try:
            name = resolve_printer(self._system(), self._station(), kind)
        except PrintError as exc:
            return PrinterReport(kind, "", None, str(exc))
        try:
            return PrinterReport(kind, name, self._system().status(name))
        except PrintError as exc:
            return PrinterReport(kind, name, None, str(exc))

    def _check_all(self) -> list[PrinterReport]:
        kinds = [DocumentKind.VOUCHERS]
        if self._station().labels:  # no label printer chosen: nothing to report
            kinds.append(DocumentKind.LABELS)
        return [self._report(kind) for kind in kinds]

    async def check(self) -> list[PrinterReport]:
        self.latest = await asyncio.to_thread(self._check_all)
        return self.latest

    def start(self) -> None:
        self._loop.start()

    def check_soon(self) -> None:
        self._loop.wake()

    async def aclose(self) -> None:
        await self._loop.aclose()
        closing = getattr(self._discovery, "close", None)
        if closing is not None:
            await asyncio.to_thread(closing)
