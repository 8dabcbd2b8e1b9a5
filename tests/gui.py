"""Helpers for the GUI tests: a station on the sandbox, the real window, typed scans."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.station import Station
from packstation.store.database import Database
from packstation.ui.app import build_window
from packstation.ui.main_window import MainWindow

# The sandbox's methods taking any reference: tests of the outbox and the window are not
# about carrier formats (test_packing.py is, with carrier methods).
ANY_REFERENCE = {name: DeliveryMethod(name, Tracking.INTERNAL)
                 for name in ("Gift Letter", "Gift Envelope", "Gift Box")}


def make_station(sandbox: SandboxServer, db_path: Path, key: str = DEMO_KEY,
                 budget: RateBudget | None = None, **settings: object) -> Station:
    client = SmartGiftClient(sandbox.base_url, ApiKey(key), budget=budget or RateBudget(),
                             max_retries=0)
    chosen = {"print_on_select": False, "continuous_packing": False,
              "delivery_methods": dict(ANY_REFERENCE), **settings}
    station = Station(sandbox.base_url, client, Database(db_path),
                      Settings(**chosen))  # type: ignore[arg-type]
    station.sender.backoff = 0.05
    return station


def wait(qtbot: QtBot, coroutine: object, timeout: int = 10_000) -> None:
    task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
    qtbot.waitUntil(task.done, timeout=timeout)
    task.result()


def fill_cache(qtbot: QtBot, sandbox: SandboxServer, db_path: Path) -> None:
    """An earlier session of the station: one sync, then closed."""
    earlier = make_station(sandbox, db_path)
    wait(qtbot, earlier.sync.sync_once())
    wait(qtbot, earlier.aclose())


def open_window(qtbot: QtBot, station: Station) -> MainWindow:
    """The real window on ``station``, its queue loaded from the cache."""
    window = build_window(station, "test")
    qtbot.addWidget(window)
    window.start_refresh()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    return window


def scan(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.scan_field, text)
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)


@contextmanager
def synced_window(qtbot: QtBot, sandbox: SandboxServer, db_path: Path,
                  budget: RateBudget | None = None, **settings: object) -> Iterator[MainWindow]:
    """A station synced once, its window open on the cache; both closed afterwards."""
    station = make_station(sandbox, db_path, budget=budget, **settings)
    wait(qtbot, station.sync.sync_once())
    window = open_window(qtbot, station)
    try:
        yield window
    finally:
        window.close()
        wait(qtbot, station.aclose())
