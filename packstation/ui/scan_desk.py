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
from packstation.courier.models import Slot
from packstation.scanning.commands import Command, barcode
from packstation.scanning.handler import Begun, ScanHandler, ScanOutcome
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
        # BOOK's slot choice: (job, the slot offered, why, book past a lost answer).
        self.choose_slot: Callable[[Job, tuple[Slot, ...], str, bool], object] = \
            lambda *_: None
        self.after_book: Callable[[], object] = lambda: None  # the job's booking shown again
        self._turn = asyncio.Lock()
        self._resuming = False
        self._queued = 0  # scans taken and not yet done

    def on_scan_started(self) -> None:
        """A scan's first character: the printer asked now, should its Enter print."""
        if self.scans is not None:
            ready = self.scans.get_ready(self.queue.current_job())
            if ready is not None:
                self.run(ready)

    def on_scan(self, text: str) -> None:
        scans = self.scans
        if scans is None:
            return
        if self._queued or self._resuming or self._turn.locked():
            self._queue(self._scan(text, confirmed=False))  # after the one before
            return
        # Nothing before it: its worker trip starts now, before the loop's next turn.
        begun = scans.begin(text, self.queue.current_job())
        self._queue(self._finish(begun, text))

    def book(self, job: Job, slot: Slot | None, again: bool) -> None:
        """``job`` booked with the courier (Ctrl+K, or a slot chosen), in turn with scans."""
        if self.scans is not None:
            self._queue(self._book(self.scans, job, slot, again))

    async def _book(self, scans: ScanHandler, job: Job, slot: Slot | None, again: bool
                    ) -> None:
        async with self._turn:
            outcome = await scans.book(job, slot, self.queue, again=again)
        if not self.gone():
            self.show_outcome(outcome, barcode(Command.BOOK))

    def _queue(self, work: Coroutine[Any, Any, None]) -> None:
        """Counted now, not when its task starts: a scan right after it waits its turn."""
        self._queued += 1
        self.run(self._counted(work))

    async def _counted(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        finally:
            self._queued -= 1

    async def _finish(self, begun: Begun, text: str) -> None:
        async with self._turn:
            await self._finish_turn(begun, text)

    async def _scan(self, text: str, confirmed: bool, replace: bool = False,
                    about: Job | None = None) -> None:
        """``about``: the job a question was asked about; a yes applies to it, whatever
        is in hand by the time it is given."""
        assert self.scans is not None
        async with self._turn:
            begun = self.scans.begin(text, about or self.queue.current_job(),
                                     confirmed=confirmed, replace=replace)
            await self._finish_turn(begun, text)

    async def _finish_turn(self, begun: Begun, text: str) -> None:
        assert self.scans is not None
        self._hold_paint()  # while the worker saves (it waits on the disk, not on us)
        try:
            outcome = await self.scans.finish(begun, self.queue)
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
            self.dialogs.ask(self.window, outcome.confirm, lambda: self._queue(
                self._scan(text, confirmed=True, replace=replace, about=about)))
            return
        if outcome.choose_slot is not None:
            self.choose_slot(outcome.choose_slot, outcome.offered, outcome.message,
                             outcome.again)
            if outcome.ok:  # "choose the slot": the dialog says it
                return
        if outcome.message:
            self.banner.show_outcome(outcome.ok, outcome.message)
            self.sounds.play(outcome.ok)
        if outcome.select is not None:
            self.show_job(outcome.select)
        elif outcome.clear:
            self.queue.clear_current()
        if outcome.meaning.command is Command.BOOK:
            self.after_book()
        self.back_to_scanning()
