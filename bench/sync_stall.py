"""A full sync of 5,000 pending jobs with the window open: how long the UI loop is held.

The real window on a real station; the sandbox serves the jobs from a separate
process (its own JSON encoding must not hold this process's GIL), over
loopback. A 1 ms ticker on the same qasync loop reports the longest gap between
ticks (goal: at most 50 ms), for the first sync of an empty station (every job
new to the queue) and for the periodic full refresh that follows (the same
jobs again). The floor printed beside it is the ticker's idle gap.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/sync_stall.py [--pending 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import qasync
from loopgap import longest_gap  # bench/ is on sys.path when run as a script
from PySide6.QtWidgets import QApplication

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.api.transport import warm_up
from packstation.config.settings import Settings
from packstation.memory import settle
from packstation.sandbox import DEMO_KEY
from packstation.station import Station
from packstation.store.database import Database
from packstation.ui.app import build_window


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_station(url: str, folder: Path) -> Station:
    """As Station.open does, in a worker thread (imports, the database)."""
    warm_up()
    client = SmartGiftClient(url, ApiKey(DEMO_KEY), budget=RateBudget(limit=10**6))
    return Station(url, client, Database(folder / "db.sqlite3"),
                   Settings(print_on_select=False))


async def run(url: str, folder: Path) -> dict[str, float]:
    station = await asyncio.to_thread(open_station, url, folder)
    station.pdfs._closed = True  # the sync alone is measured, not thousands of PDF fetches
    window = build_window(station, "bench")
    settle()  # as the app does once it has started
    window.show()
    await longest_gap(None, 0.3)  # the window's first layout and paint: not "idle"
    idle = await longest_gap(None, 0.3)
    results = {"idle": idle}
    for name in ("first", "refresh"):
        sync = asyncio.ensure_future(station.sync.sync_once())
        results[name] = await longest_gap(sync)
        sync.result()
        station.sync.full_every = 0  # the next one is a full refresh too
    results["jobs"] = window.model.rowCount()
    window.close()
    await station.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    port = free_port()
    # About 60% of the sandbox's seeded jobs are pending.
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "packstation", "sandbox", "--port", str(port), "--jobs",
         str(int(args.pending / 0.6)), "--pdf-delay", "0", "--rate-limit", "1000000"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert sandbox.stdout is not None
        sandbox.stdout.readline()  # printed once it listens
        app = QApplication(sys.argv)
        app.setQuitOnLastWindowClosed(False)
        result: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as tmp:
            async def go() -> None:
                result.update(await run(f"http://127.0.0.1:{port}", Path(tmp)))

            qasync.run(go())
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    print(f"full sync of {result['jobs']:.0f} pending jobs, window open: longest loop stall "
          f"{result['first'] * 1000:.0f} ms (first sync), {result['refresh'] * 1000:.0f} ms "
          f"(full refresh); idle ticker gap {result['idle'] * 1000:.1f} ms; goal <= 50 ms")


if __name__ == "__main__":
    main()
