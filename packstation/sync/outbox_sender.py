"""Works through the outbox in order until Smart Gift has confirmed every change.

Network errors, 5xx, 503 and 429 are retried with backoff (honouring
Retry-After) for as long as it takes, across restarts; a 2xx stores the
returned job and removes the entry; a 422 or 404 moves the entry to "needs
attention" with the server's message. Resending after a crash is harmless:
setting a job's status and tracking reference is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from packstation.api import (
    ApiError,
    ApiValidationError,
    AuthError,
    Job,
    NotFound,
    Priority,
    SmartGiftClient,
)
from packstation.background import stop_task, wait_or_wake
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxEntry

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SAVED = "saved, sending"
    DONE = "done"
    RETRYING = "saved, will retry"
    ATTENTION = "needs attention"


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    entry: OutboxEntry
    delivery: Delivery
    message: str = ""
    job: Job | None = None


Listener = Callable[[OutboxEvent], None]


class OutboxSender:
    def __init__(self, client: SmartGiftClient, outbox: DispatchOutbox, cache: JobCache, *,
                 backoff: float = 2.0, max_backoff: float = 300.0,
                 listener: Listener | None = None) -> None:
        self._client = client
        self._outbox = outbox
        self._cache = cache
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._listeners: list[Listener] = [listener] if listener else []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _tell(self, event: OutboxEvent) -> None:
        for listener in self._listeners:
            listener(event)

    def _delay(self, attempts: int, asked: float | None) -> float:
        jittered = self.backoff * 2.0 ** min(attempts - 1, 16) * random.uniform(0.5, 1.0)
        return max(asked or 0.0, min(jittered, self.max_backoff))

    async def send_one(self, entry: OutboxEntry) -> Delivery:
        """Send a claimed entry once and settle it: done, retry later, or attention."""
        try:
            started = time.time()
            job = await self._client.update_job(entry.job_id, entry.status,
                                                entry.tracking_reference,
                                                priority=Priority.INTERACTIVE, retry=False)
        except (ApiValidationError, NotFound) as exc:
            await asyncio.to_thread(self._outbox.needs_attention, entry, exc.message)
            self._tell(OutboxEvent(entry, Delivery.ATTENTION, exc.message))
            return Delivery.ATTENTION
        except ApiError as exc:
            # Network, 5xx, 503, 429, an unreadable answer, even a refused key: the
            # change stays saved and is tried again (a key can be fixed meanwhile).
            asked = getattr(exc, "retry_after", None)
            delay = self._delay(entry.attempts + 1, asked)
            if isinstance(exc, AuthError):
                delay = max(delay, 60.0)
            await asyncio.to_thread(self._outbox.retry_later, entry, str(exc), delay)
            self._tell(OutboxEvent(entry, Delivery.RETRYING, str(exc)))
            return Delivery.RETRYING
        # The job first, then the entry: a crash between the two only means a resend.
        await asyncio.to_thread(self._cache.store, [job], started)
        await asyncio.to_thread(self._outbox.sent, entry)
        self._tell(OutboxEvent(entry, Delivery.DONE, job=job))
        return Delivery.DONE

    async def drain(self, deadline: float | None = None) -> None:
        """Send everything due; with a deadline, also wait for retries until it passes."""
        while True:
            entry = await asyncio.to_thread(self._outbox.claim_next)
            if entry is not None:
                await self.send_one(entry)
                continue
            due = await asyncio.to_thread(self._outbox.next_due_at)
            if due is None or deadline is None or due > deadline:
                return
            await self._sleep_until(due)

    async def _sleep_until(self, moment: float) -> None:
        await wait_or_wake(self._wake, moment - time.time())

    def poke(self) -> None:
        """Something new was saved: send it now rather than at the next due time."""
        self._wake.set()

    async def retry_now(self) -> None:
        """What waits for a retry is sent now (after a new key, say): no minute's wait."""
        await asyncio.to_thread(self._outbox.due_now)
        self._wake.set()

    def start(self) -> None:
        """Run in the background for the life of the app."""
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        await asyncio.to_thread(self._outbox.recover)
        while True:
            try:
                await self.drain()
            except Exception:  # the outbox must keep going whatever one send did
                log.exception("outbox sender")
            due = await asyncio.to_thread(self._outbox.next_due_at)
            await self._sleep_until(due if due is not None else time.time() + 3600)

    async def aclose(self) -> None:
        await stop_task(self._task)
