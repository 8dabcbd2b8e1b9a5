"""Which printers the OS has, their state, and which one a station uses for what.

The list comes from Qt's QPrinterInfo (the OS's own list, on every platform)
and is asked again whenever it may have changed: at start, in settings, and
after a failed print. A printer that has gone is reported by name; it is never
quietly replaced by the default printer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from packstation.config.settings import Settings
from packstation.printing.cups_path import CupsPath, cups_available
from packstation.printing.model import LABEL_SIZES, PrinterMissing, PrinterStatus
from packstation.printing.pdfcheck import PrintError


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


def available_printers() -> list[str]:
    """Asked afresh each time: Qt re-reads the OS's list on every call."""
    return list(QPrinterInfo.availablePrinterNames())


def default_printer() -> str:
    """The system's default printer, or "" when there is none."""
    return QPrinterInfo.defaultPrinterName()


def printer_status(name: str) -> PrinterStatus:
    if cups_available():
        return CupsPath().printer_status(name)
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise PrinterMissing(f"The printer “{name}” is not there any more.")
    state = {QPrinter.PrinterState.Idle: "idle", QPrinter.PrinterState.Active: "printing",
             QPrinter.PrinterState.Aborted: "stopped",
             QPrinter.PrinterState.Error: "stopped"}.get(info.state(), "unknown")
    return PrinterStatus(name, state, state != "stopped")


def resolve_printer(station: StationPrinters, kind: DocumentKind,
                    override: str | None = None) -> str:
    """The printer to use for ``kind``: the override, else the station's, else the default.

    A chosen printer is not looked up here: each print path asks the system for it
    as it sends, and reports one that has vanished by name (never the default).
    """
    chosen = override or station.printer_for(kind)
    if chosen:
        return chosen
    names = available_printers()
    default = QPrinterInfo.defaultPrinterName()
    if kind is DocumentKind.VOUCHERS and default:
        return default
    if kind is DocumentKind.VOUCHERS and len(names) == 1:
        return names[0]
    raise PrintError(f"No {kind.value} printer is chosen; choose one in Settings "
                     f"(printers: {', '.join(names) or 'none'}).")


def list_printers(station: StationPrinters) -> list[PrinterEntry]:
    default = QPrinterInfo.defaultPrinterName()
    entries = []
    for name in available_printers():
        try:
            status = printer_status(name)
        except PrintError as exc:
            status = PrinterStatus(name, "unknown", False, str(exc))
        kinds = tuple(k for k in DocumentKind if station.printer_for(k) == name)
        entries.append(PrinterEntry(name, name == default, status, kinds))
    return entries
