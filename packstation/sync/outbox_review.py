"""What a packer or supervisor does with saved changes: see them, send one again (with a
corrected tracking reference), or discard it. Off the UI thread; no Qt."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxEntry
from packstation.sync.outbox_sender import Listener, OutboxSender


@dataclass(frozen=True, slots=True)
class ReviewedEntry:
    entry: OutboxEntry
    order_reference: str | None  # from the jobs cache, when the job is known here


class OutboxReview:
    def __init__(self, outbox: DispatchOutbox, cache: JobCache, sender: OutboxSender) -> None:
        self._outbox = outbox
        self._cache = cache
        self._sender = sender

    async def entries(self) -> list[ReviewedEntry]:
        return await asyncio.to_thread(self._read)

    def _read(self) -> list[ReviewedEntry]:
        found = []
        for entry in self._outbox.entries():
            job = self._cache.get(entry.job_id)
            found.append(ReviewedEntry(entry, job.order_reference if job else None))
        return found

    async def retry(self, entry_id: int, tracking: str | None = None) -> OutboxEntry | None:
        """Due now, with ``tracking`` if given, and the sender woken.

        Raises InvalidChange (the reference could never be sent) or LeaseHeld (another
        station process is sending it right now); nothing is changed then.
        """
        entry = await asyncio.to_thread(self._outbox.retry, entry_id, tracking)
        self._sender.poke()
        return entry

    async def discard(self, entry_id: int) -> OutboxEntry | None:
        """The change is dropped (LeaseHeld while it is being sent)."""
        return await asyncio.to_thread(self._outbox.discard, entry_id)

    def watch(self, listener: Listener) -> None:
        """Told when the sender settles an entry (the list a person looks at is redrawn)."""
        self._sender.subscribe(listener)

    def unwatch(self, listener: Listener) -> None:
        self._sender.unsubscribe(listener)
