"""The window, driven offscreen against the sandbox: loads without blocking the UI thread."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from packstation.api import ApiKey, Job, Parsed, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.ui.main_window import MainWindow


def test_window_lists_pending_jobs(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop,
                                   sandbox: SandboxServer) -> None:
    client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget())

    async def pending() -> Parsed[Job]:
        return await client.list_jobs(status="pending")

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

    async def pending() -> Parsed[Job]:
        return await client.list_jobs(status="pending")

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
