"""Starting the window: QApplication, the asyncio loop inside Qt, and the station."""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtWidgets import QApplication

from packstation.api import ApiError
from packstation.station import Station
from packstation.ui.main_window import MainWindow


def build_window(station: Station, origin: str) -> MainWindow:
    """The window wired to a station: queue from the cache, changes from the sync."""
    return MainWindow(station, origin, scans=station.scan_handler())


def run_gui(api_url: str | None = None, demo: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("packstation")
    app.setOrganizationName("packstation")
    app.setQuitOnLastWindowClosed(False)  # main() below ends the loop itself
    station: Station | None = None
    try:
        station = Station.open(api_url, demo=demo)
    except ApiError as exc:
        window = MainWindow(None, "Not connected", str(exc))
    else:
        origin = (f"Demo: built-in sandbox at {station.api_url}" if demo
                  else f"Smart Gift at {station.api_url}")
        window = build_window(station, origin)

    async def main() -> None:
        # End when the window closes, not on aboutToQuit: by then Qt's loop has
        # stopped and this coroutine could never finish its clean-up.
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        window.show()
        window.start_refresh()  # the cached queue first, before any request
        if station is not None:
            station.start()
        await closed.wait()
        if station is not None:
            await station.aclose()

    qasync.run(main())
    return 0
