"""Which printer a station uses for what, as plain data, and the printers it can use.

The system's printers come from a ``PrinterDiscovery`` (CUPS over IPP, or Qt's
list on Windows) and are asked again whenever they may have changed: at start,
in settings, and after a failed print. A printer that has gone is reported by
name; it is never quietly replaced by the default printer. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from packstation.config.settings import Settings
from packstation.printing.discovery import PrinterDiscovery
from packstation.printing.errors import PrintError
from packstation.printing.model import LABEL_SIZES, PrinterStatus


class DocumentKind(StrEnum):
    VOUCHERS = "vouchers"
    LABELS = "labels"


@dataclass(frozen=True, slots=True)
class StationPrinters:
    """A station's choice: one printer per document kind, and the label size."""

    vouchers: str = ""
    labels: str = ""
    voucher_paper: str = "A4"
    label_size: str = "4x6in"
    duplex: bool = False

    def printer_for(self, kind: DocumentKind) -> str:
        return self.vouchers if kind is DocumentKind.VOUCHERS else self.labels

    def paper_for(self, kind: DocumentKind) -> str:
        if kind is DocumentKind.LABELS:
            return self.label_size if self.label_size in LABEL_SIZES else "4x6in"
        return self.voucher_paper


@dataclass(frozen=True, slots=True)
class PrinterEntry:
    name: str
    is_default: bool
    status: PrinterStatus
    kinds: tuple[DocumentKind, ...]  # what this station prints on it


def station_from(settings: Settings) -> StationPrinters:
    return StationPrinters(vouchers=settings.voucher_printer, labels=settings.label_printer,
                           voucher_paper=settings.voucher_paper, label_size=settings.label_size,
                           duplex=settings.duplex)


def resolve_printer(discovery: PrinterDiscovery, station: StationPrinters,
                    kind: DocumentKind, override: str | None = None) -> str:
    """The printer to use for ``kind``: the override, else the station's, else the default.

    A chosen printer is not looked up here: each print path asks the system for it
    as it sends, and reports one that has vanished by name (never the default).
    """
    chosen = override or station.printer_for(kind)
    if chosen:
        return chosen
    names = discovery.names()
    default = discovery.default()
    if kind is DocumentKind.VOUCHERS and default:
        return default
    if kind is DocumentKind.VOUCHERS and len(names) == 1:
        return names[0]
    raise PrintError(f"No {kind.value} printer is chosen; choose one in Settings "
                     f"(printers: {', '.join(names) or 'none'}).")


def list_printers(discovery: PrinterDiscovery, station: StationPrinters
                  ) -> list[PrinterEntry]:
    default = discovery.default()
    entries = []
    for name in discovery.names():
        try:
            status = discovery.status(name)
        except PrintError as exc:
            status = PrinterStatus(name, "unknown", False, str(exc))
        kinds = tuple(k for k in DocumentKind if station.printer_for(k) == name)
        entries.append(PrinterEntry(name, name == default, status, kinds))
    return entries
