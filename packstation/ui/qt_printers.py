"""Printer discovery through Qt (QPrinterInfo): the OS's own list on a PC without CUPS.

The core asks for printers through ``printing.discovery.PrinterDiscovery``; this
is the implementation for Windows. On Linux it lists the same CUPS queues, which
is how it is tested here.
"""

from __future__ import annotations

from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from packstation.printing.model import PrinterMissing, PrinterStatus

_STATES = {QPrinter.PrinterState.Idle: "idle", QPrinter.PrinterState.Active: "printing",
           QPrinter.PrinterState.Aborted: "stopped", QPrinter.PrinterState.Error: "stopped"}


class QtDiscovery:
    def names(self) -> list[str]:
        return list(QPrinterInfo.availablePrinterNames())  # Qt re-reads the OS's list

    def default(self) -> str:
        return QPrinterInfo.defaultPrinterName()

    def status(self, name: str) -> PrinterStatus:
        info = QPrinterInfo.printerInfo(name)
        if info.isNull():
            raise PrinterMissing(f"The printer “{name}” is not there any more.")
        state = _STATES.get(info.state(), "unknown")
        return PrinterStatus(name, state, state != "stopped")
