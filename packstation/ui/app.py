"""Starting the window: QApplication, the asyncio loop inside Qt, the first run, the station."""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from packstation.api import ApiError, MissingKeyError
from packstation.config.settings import Settings
from packstation.memory import settle
from packstation.resources import resource_dir
from packstation.station import Station
from packstation.station_setup import StationSetup
from packstation.store.database import DatabaseError
from packstation.ui.first_run import FirstRunWizard
from packstation.ui.main_window import MainWindow


def build_window(station: Station, origin: str) -> MainWindow:
    """The window wired to a station: queue from the cache, changes from the sync."""
    return MainWindow(station, origin, scans=station.scan_handler(),
                      setup=StationSetup(station.settings))


async def first_run(settings: Settings) -> Settings | None:
    """The set-up wizard; the settings it saved, or None if it was closed."""
    wizard = FirstRunWizard(StationSetup(settings), settings)
    done: asyncio.Future[Settings | None] = asyncio.get_running_loop().create_future()

    def finish(chosen: Settings | None) -> None:
        if not done.done():
            done.set_result(chosen)

    wizard.configured.connect(finish)
    wizard.rejected.connect(lambda: finish(None))
    wizard.show()
    try:
        return await done
    finally:
        wizard.deleteLater()


async def open_station(api_url: str | None, demo: bool) -> tuple[Station | None, str | None]:
    """The station, or why there is none. A missing key starts the first-run wizard."""
    settings = await asyncio.to_thread(Settings.load)
    try:
        # In a thread: the keyring and the database are I/O.
        return await asyncio.to_thread(Station.open, api_url, demo=demo, settings=settings), None
    except MissingKeyError as exc:
        chosen = await first_run(settings)
        if chosen is None:
            return None, f"{exc} Set up packstation to start packing."
        api_url = None  # the wizard's choice, now in the settings
        settings = chosen
    except ApiError as exc:
        return None, str(exc)
    except DatabaseError as exc:  # a site's database out of reach (or newer than us)
        return None, (f"{exc} Check the network to it, or run 'packstation site leave' to "
                      "pack at this station alone.")
    try:
        return await asyncio.to_thread(Station.open, api_url, demo=demo, settings=settings), None
    except ApiError as exc:
        return None, str(exc)


def run_gui(api_url: str | None = None, demo: bool = False) -> int:
    if QApplication.instance() is None:
        QApplication(sys.argv)
    QApplication.setApplicationName("packstation")
    QApplication.setOrganizationName("packstation")
    QApplication.setWindowIcon(QIcon(str(resource_dir() / "icons" / "packstation.png")))
    QApplication.setQuitOnLastWindowClosed(False)  # main() below ends the loop itself

    async def main() -> None:
        station, problem = await open_station(api_url, demo)
        if station is None:
            window = MainWindow(None, "Not connected", problem)
        else:
            origin = (f"Demo: built-in sandbox at {station.api_url}" if demo
                      else f"Smart Gift at {station.api_url}")
            window = build_window(station, origin)
        settle()  # what exists now lives as long as the app: out of the collector's scans
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
