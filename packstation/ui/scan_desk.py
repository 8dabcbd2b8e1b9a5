"""Where the window's scans go: one at a time, in the order scanned, to the
``ScanHandler``; the outcome shown (banner, sound, the job in hand) or asked about.

One at a time because the next scan's job in hand is the one this scan leaves: a
label scanned while the next job's vouchers spool is that job's label.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from packstation.api import Job
from packstation.scanning.handler import ScanHandler, ScanOutcome
from packstation.sync.outbox_sender import OutboxEvent, SendOutcome
from packstation.ui.dialogs import OpenDialogs
from packstation.ui.queue_panel import QueuePanel
from packstation.ui.scan_bar import FeedbackBanner
from packstation.ui.sounds import ScanSounds

PAINT_HOLD_MS = 150


class ScanDesk:
    def __init__(self, scans: ScanHandler | None, queue: QueuePanel, banner: FeedbackBanner,
                 sounds: ScanSounds, dialogs: OpenDialogs, window: QWidget,
                 run: Callable[[Coroutine[Any, Any, Any]], object],
                 show_job: Callable[[Job], None], back_to_scanning: Callable[[], None],
                 gone: Callable[[], bool]) -> None:
        self.scans = scans
        self.queue = queue
        self.banner = banner
        self.sounds = sounds
        self.dialogs = dialogs
        self.window = window
        self.run = run
        self.show_job = show_job
        self.back_to_scanning = back_to_scanning
        self.gone = gone
        self._turn = asyncio.Lock()
        self._resuming = False

    def on_scan(self, text: str) -> None:
        if self.scans is not None:
            self.run(self._scan(text, confirmed=False))

    async def _scan(self, text: str, confirmed: bool, replace: bool = False,
                    about: Job | None = None) -> None:
        """``about``: the job a question was asked about; a yes applies to it, whatever
        is in hand by the time it is given."""
        assert self.scans is not None
        async with self._turn:
            in_hand = about or self.queue.current_job()
            self._hold_paint()
            try:
                outcome = await self.scans.handle(text, in_hand, self.queue,
                                                  confirmed=confirmed, replace=replace)
            finally:
                self._paint()
            if not self.gone():
                self.show_outcome(outcome, text)

    def _hold_paint(self) -> None:
        """No repainting while a scan's work starts (the dispatch sent, the next job's
        print spooled): a repaint of the window takes ~15 ms of the one UI thread, and
        both wait behind it. Never for long: a slow print is not a frozen window."""
        self.window.setUpdatesEnabled(False)
        QTimer.singleShot(PAINT_HOLD_MS, self._paint)

    def _paint(self) -> None:
        if not self.gone():
            self.window.setUpdatesEnabled(True)

    def tick(self) -> None:
        """Once a second: the job the flow waits on printed once its PDFs are here."""
        scans = self.scans
        if scans is not None and not self._resuming \
                and scans.flow.ready_to_resume(self.queue.current_job()) is not None:
            self._resuming = True
            self.run(self._resume(scans))

    async def _resume(self, scans: ScanHandler) -> None:
        try:
            async with self._turn:
                outcome = await scans.resume(self.queue.current_job(), self.queue)
                if outcome is not None and not self.gone():
                    self.show_outcome(outcome, "")
        finally:
            self._resuming = False

    def sending_event(self, event: OutboxEvent) -> None:
        """A dispatch refused after the scan moved on: that job can be taken again."""
        if self.scans is not None and event.outcome is SendOutcome.ATTENTION:
            self.scans.flow.packed.discard(event.entry.job_id)

    def show_outcome(self, outcome: ScanOutcome, text: str) -> None:
        if outcome.confirm:
            # The yes is for the job asked about (under WRONG LABEL: the one dispatched,
            # refused as such should WRONG LABEL have ended meanwhile).
            replace, about = outcome.replace, outcome.meaning.job
            self.dialogs.ask(self.window, outcome.confirm, lambda: self.run(
                self._scan(text, confirmed=True, replace=replace, about=about)))
            return
        if outcome.message:
            self.banner.show_outcome(outcome.ok, outcome.message)
            self.sounds.play(outcome.ok)
        if outcome.select is not None:
            self.show_job(outcome.select)
        elif outcome.clear:
            self.queue.clear_current()
        self.back_to_scanning()
