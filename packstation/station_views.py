"""What the window reads of a station without touching its parts: plain values and the
read-only view of the voucher PDFs (no I/O, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from packstation.printing.monitor import PrinterReport


class VoucherPdfs(Protocol):
    """What the voucher preview may ask of the PDFs: only what is already here."""

    def cached(self, url: str) -> bool: ...
    async def cached_pdf(self, url: str) -> bytes | None: ...
    def failure(self, url: str) -> str | None: ...
    def generating_for(self, url: str) -> float | None: ...


@dataclass(frozen=True, slots=True)
class StationStatus:
    """What the status bar shows, read from memory only (no I/O)."""

    sync_error: str | None
    offline: bool  # the sync's last error was the network's or Smart Gift's
    synced_at: datetime | None
    requests_left: int | None
    pdfs: str  # the job in hand's PDFs, in a packer's words ("" with none in hand)
    printers: tuple[PrinterReport, ...]
