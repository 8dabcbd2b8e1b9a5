"""The window, driven offscreen against the sandbox: loads without blocking the UI thread."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from packstation.api import ApiKey, Job, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.ui.main_window import MainWindow


def test_window_lists_pending_jobs(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop,
                                   sandbox: SandboxServer) -> None:
    client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget())

    async def pending() -> list[Job]:
        return (await client.list_jobs(status="pending")).items

    window = MainWindow(pending, f"Demo: {sandbox.base_url}")
    qtbot.addWidget(window)
    window.show()
    window.start_refresh()
    # The UI thread is free while the request is out: the label says so at once.
    assert window.status_label.text() == "Loading pending jobs…"
    qtbot.waitUntil(lambda: window.jobs_list.count() > 0, timeout=10_000)
    expected = sum(1 for r in sandbox.requests if r.path == "/fulfilment/jobs")
    assert expected == 1
    assert "pending jobs" in window.status_label.text()
    assert window.jobs_list.count() == int(window.status_label.text().split()[0])
    qtbot.waitUntil(asyncio.ensure_future(client.aclose()).done)


def test_window_shows_a_readable_error(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop,
                                       sandbox: SandboxServer) -> None:
    client = SmartGiftClient(sandbox.base_url, ApiKey("sk_wrong"), budget=RateBudget())

    async def pending() -> list[Job]:
        return (await client.list_jobs(status="pending")).items

    window = MainWindow(pending, "test")
    qtbot.addWidget(window)
    window.show()
    window.start_refresh()
    qtbot.waitUntil(lambda: "API key" in window.status_label.text(), timeout=10_000)
    assert window.jobs_list.count() == 0
    qtbot.waitUntil(asyncio.ensure_future(client.aclose()).done)


def test_window_without_a_key_explains(qtbot: QtBot) -> None:
    window = MainWindow(None, "Not connected", "No API key is stored for https://x.")
    qtbot.addWidget(window)
    assert not window.refresh_button.isEnabled()
    assert "No API key" in window.status_label.text()


def test_demo_entry_point_opens_the_window_with_jobs() -> None:
    """`packstation --demo` for real: its own sandbox, window, and jobs on screen."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from packstation.cli.main import main\n"
        "from packstation.ui.main_window import MainWindow\n"
        "app = QApplication(sys.argv)\n"
        "def check():\n"
        "    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]\n"
        "    if windows and windows[0].jobs_list.count():\n"
        "        print('jobs:', windows[0].jobs_list.count(), windows[0].origin_label.text())\n"
        "        windows[0].close()\n"
        "timer = QTimer(); timer.timeout.connect(check); timer.start(50)\n"
        "QTimer.singleShot(20000, lambda: [w.close() for w in app.topLevelWidgets()])\n"
        "sys.exit(main(['--demo']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "jobs:" in result.stdout and "Demo: built-in sandbox" in result.stdout


def test_window_prefetches_and_shows_pdf_state(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop,
                                               tmp_path: object) -> None:
    """PDFs not generated yet say so with the time waited, then become ready."""
    from pathlib import Path

    from packstation.printing.pdf_source import PdfSource
    from packstation.store.pdf_cache import PdfCache

    with SandboxServer(pdf_delay=1.5, jobs=3, seed=4) as sandbox:
        client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget())
        pdfs = PdfSource(client, PdfCache(Path(str(tmp_path))), first_retry=0.3)

        async def pending() -> list[Job]:
            return (await client.list_jobs(status="pending")).items

        window = MainWindow(pending, "test", pdf_state=pdfs.describe, on_jobs=pdfs.prefetch)
        qtbot.addWidget(window)
        window.start_refresh()
        qtbot.waitUntil(lambda: window.jobs_list.count() > 0, timeout=10_000)
        qtbot.waitUntil(lambda: "PDF being generated" in window.jobs_list.item(0).text(),
                        timeout=10_000)
        qtbot.waitUntil(lambda: all("PDFs ready" in window.jobs_list.item(i).text()
                                    for i in range(window.jobs_list.count())), timeout=15_000)
        qtbot.waitUntil(asyncio.ensure_future(pdfs.aclose()).done)
        qtbot.waitUntil(asyncio.ensure_future(client.aclose()).done)


def test_queue_comes_from_the_cache_first_then_sync_updates_it(
        qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
        tmp_path: object) -> None:
    """Start-up shows the cached queue with no request; a change elsewhere is announced."""
    from pathlib import Path

    from packstation.config.settings import Settings
    from packstation.station import Station
    from packstation.store.database import Database
    from packstation.ui.app import build_window

    db_path = Path(str(tmp_path)) / "station.sqlite3"

    def station() -> Station:
        client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget())
        return Station(sandbox.base_url, client, Database(db_path), Settings())

    first = station()  # an earlier session filled the cache
    qtbot.waitUntil(asyncio.ensure_future(first.sync.sync_once()).done, timeout=10_000)
    qtbot.waitUntil(asyncio.ensure_future(first.aclose()).done)
    requests_before = len(sandbox.requests)

    second = station()
    window = build_window(second, "test")
    qtbot.addWidget(window)
    window.start_refresh()
    qtbot.waitUntil(lambda: window.jobs_list.count() > 0, timeout=10_000)
    assert not [r for r in sandbox.requests[requests_before:] if "/assets/" not in r.path]
    window.jobs_list.setCurrentRow(0)
    open_job = window.current_job()
    assert open_job is not None
    sandbox.state.update_job(open_job.id, {"status": "dispatched",
                                           "tracking_reference": "OTHER-BENCH"})
    qtbot.waitUntil(asyncio.ensure_future(second.sync.sync_once()).done, timeout=10_000)
    qtbot.waitUntil(lambda: "was dispatched elsewhere" in window.notice_label.text(),
                    timeout=10_000)
    qtbot.waitUntil(lambda: open_job.id not in {j.id for j in window._jobs}, timeout=10_000)
    qtbot.waitUntil(asyncio.ensure_future(second.aclose()).done)
