"""Starting the window: QApplication, the asyncio loop inside Qt, and the collaborators."""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtWidgets import QApplication

from packstation.api import ApiError, ApiKey, Job, Parsed, Priority, SmartGiftClient
from packstation.config import keys
from packstation.printing.pdf_source import PdfSource
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.pdf_cache import PdfCache
from packstation.ui.main_window import MainWindow


def run_gui(api_url: str | None = None, demo: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("packstation")
    app.setOrganizationName("packstation")
    app.setQuitOnLastWindowClosed(False)  # main() below ends the loop itself
    sandbox: SandboxServer | None = None
    client: SmartGiftClient | None = None
    problem: str | None = None
    try:
        if demo:
            sandbox = SandboxServer(pdf_delay=5.0, new_job_every=45.0).start()
            client = SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY))
            origin = f"Demo: built-in sandbox at {sandbox.base_url}"
        else:
            url = keys.resolve_api_url(api_url)
            origin = f"Smart Gift at {url}"
            client = SmartGiftClient(url, keys.load_key(url))
    except ApiError as exc:
        origin, problem = "Not connected", str(exc)

    async def pending() -> Parsed[Job]:
        assert client is not None
        return await client.list_jobs(status="pending", priority=Priority.INTERACTIVE)

    pdfs = PdfSource(client, PdfCache()) if client else None
    window = MainWindow(pending if client else None, origin, problem,
                        pdf_state=pdfs.describe if pdfs else None,
                        on_jobs=pdfs.prefetch if pdfs else None)

    async def main() -> None:
        # End when the window closes, not on aboutToQuit: by then Qt's loop has
        # stopped and this coroutine could never finish its clean-up.
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        window.show()
        window.start_refresh()
        await closed.wait()
        if pdfs is not None:
            await pdfs.aclose()
        if client is not None:
            await client.aclose()

    try:
        qasync.run(main())
    finally:
        if sandbox is not None:
            sandbox.stop()
    return 0
