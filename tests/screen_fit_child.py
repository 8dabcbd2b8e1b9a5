"""Run under Xvfb by test_gui_screen: the demo window on a real X screen of a given size.

Prints the screen's available area, the window's frame and where its status bar
and scan field are, as JSON; saves a screenshot when given a path.
"""

from __future__ import annotations

import asyncio
import json
import sys

import qasync
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from packstation.config.settings import Settings
from packstation.station import Station
from packstation.ui.app import build_window


def main() -> None:
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    found: dict[str, object] = {}

    async def run() -> None:
        station = Station.open(demo=True, settings=Settings())
        window = build_window(station, f"Demo: built-in sandbox at {station.api_url}")
        window.show()
        window.start_refresh()
        station.sync.start()
        done = asyncio.Event()
        window.model.rowsInserted.connect(lambda *_: done.set())
        await asyncio.wait_for(done.wait(), 30)
        screen = window.screen().availableGeometry()
        bar = window.statusBar()
        bottom_left = bar.mapToGlobal(QPoint(0, bar.height()))
        found.update(screen=[screen.x(), screen.y(), screen.width(), screen.height()],
                     frame=[window.frameGeometry().x(), window.frameGeometry().y(),
                            window.frameGeometry().width(), window.frameGeometry().height()],
                     status_bottom=bottom_left.y(),
                     scan_field_visible=window.scan_field.isVisible()
                     and window.scan_field.visibleRegion().boundingRect().height() > 0)
        if len(sys.argv) > 1:
            window.grab().save(sys.argv[1])
        window.close()
        await station.aclose()

    qasync.run(run())
    print(json.dumps(found))


if __name__ == "__main__":
    main()
