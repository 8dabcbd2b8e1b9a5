"""Which printers the system has, its default one, and how each is: behind one protocol.

CUPS (Linux, macOS) is asked over IPP, as the print path itself does; on a PC
without CUPS (Windows) Qt's view of the OS is used, imported only then
(``packstation.ui.qt_printers``), so nothing here loads Qt. Both are tested
against the same CUPS queues: Qt lists CUPS queues on Linux.
"""

from __future__ import annotations

from typing import Protocol

from packstation.printing import ipp
from packstation.printing.cups_path import CupsPath, cups_available
from packstation.printing.errors import PrintError
from packstation.printing.model import PrinterStatus


class PrinterDiscovery(Protocol):
    def names(self) -> list[str]:
        """Asked afresh each time: printers come and go."""
        ...

    def default(self) -> str:
        """The system's default printer, or "" when there is none."""
        ...

    def status(self, name: str) -> PrinterStatus:
        """PrinterMissing when it has gone; PrintError when the system cannot say."""
        ...


class CupsDiscovery:
    def __init__(self, server: ipp.CupsServer | None = None) -> None:
        self._cups = CupsPath(server)

    def names(self) -> list[str]:
        try:
            return self._cups.server.printer_names()
        except ipp.IppError as exc:
            raise PrintError(str(exc)) from None

    def default(self) -> str:
        try:
            return self._cups.server.default_printer()
        except ipp.IppError as exc:
            raise PrintError(str(exc)) from None

    def status(self, name: str) -> PrinterStatus:
        return self._cups.printer_status(name)

    def close(self) -> None:
        self._cups.server.close()


def system_discovery() -> PrinterDiscovery:
    """CUPS where it is installed; otherwise (Windows) Qt's list of the OS's printers."""
    if cups_available():
        return CupsDiscovery()
    from packstation.ui.qt_printers import QtDiscovery  # Qt only on a PC without CUPS

    return QtDiscovery()
