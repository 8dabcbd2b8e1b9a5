"""Render the README's screenshots: the main window against the sandbox, a job selected.

    xvfb-run -a -s "-screen 0 1280x900x24" .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from packstation.api import ApiKey, SmartGiftClient
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.station import Station
from packstation.store.database import Database
from packstation.ui.app import build_window

OUT = Path(__file__).parent / "screenshots"


async def shoot(app: QApplication) -> None:
    with SandboxServer(pdf_delay=0, jobs=40, seed=1) as sandbox, \
            tempfile.TemporaryDirectory() as tmp:
        client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY))
        settings = Settings(print_on_select=False)
        station = Station(sandbox.base_url, client, Database(Path(tmp) / "db.sqlite3"),
                          settings)
        await station.sync.sync_once()
        window = build_window(station, f"Demo: built-in sandbox at {sandbox.base_url}")
        window.show()
        await window.load_queue()
        job = next(j for j in (window.model.job(r) for r in range(window.model.rowCount()))
                   if len(j.vouchers) > 1 and j.status == "pending")
        window.scan_field.setText(job.order_reference or "")
        window.scan_field.returnPressed.emit()
        while window.current_job() is None or window.current_job().id != job.id:  # type: ignore[union-attr]
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        OUT.mkdir(exist_ok=True)
        window.grab().save(str(OUT / "main-window.png"))
        window.close()
        await station.aclose()


def main() -> None:
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # as the app: shoot() ends the loop itself
    qasync.run(shoot(app))


if __name__ == "__main__":
    main()
