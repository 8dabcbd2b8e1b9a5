"""Works through the outbox in order until Smart Gift has confirmed every change.

Network errors, 5xx, 503 and 429 are retried with backoff (honouring
Retry-After) for as long as it takes, across restarts; a 2xx stores the
returned job and removes the entry; a 422 or 404 moves the entry to "needs
attention" with the server's message, and so does any failure nobody foresaw:
an entry never stays "sending". A cancelled send gives its lease back.
Resending after a crash is harmless: setting a job's status and tracking
reference is idempotent.
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
from packstation.api.secret import redact, storable
from packstation.background import Repeating
from packstation.listeners import Listeners
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxEntry

log = logging.getLogger(__name__)

LEASE_MARGIN = 60.0  # seconds a lease outlasts the request deadline (budget, disk, slack)
IDLE_CHECK = 3600.0  # with nothing waiting, look again this often anyway
FAILED_ROUND_AGAIN = 5.0  # a round that failed (the store out of reach) is tried again


class SendOutcome(StrEnum):
    SAVED = "saved, sending"
    DONE = "done"
    RETRYING = "saved, will retry"
    ATTENTION = "needs attention"


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    entry: OutboxEntry
    outcome: SendOutcome
    message: str = ""
    job: Job | None = None


Listener = Callable[[OutboxEvent], None]


def _log_failure(task: asyncio.Future[SendOutcome]) -> None:
    if not task.cancelled() and task.exception() is not None:  # send_one settles all else
        log.error("sending a saved dispatch failed: %s", task.exception())


class OutboxSender:
    def __init__(self, client: SmartGiftClient, outbox: DispatchOutbox, cache: JobCache, *,
                 backoff: float = 2.0, max_backoff: float = 300.0,
                 listener: Listener | None = None) -> None:
        self._client = client
        self._outbox = outbox
        self._cache = cache
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._listeners: Listeners[OutboxEvent] = Listeners(*([listener] if listener else []))
        self._next_due: float | None = None
        self._answered: dict[int, asyncio.Future[OutboxEvent]] = {}  # job id -> its answer
        self._first: set[asyncio.Future[SendOutcome]] = set()  # send_first's sends
        self._loop = Repeating(self._round, self._until_next_due, log, "outbox")

    @property
    def lease(self) -> float:
        """How long a claimed entry is ours: longer than any one send can take."""
        return self._client.limits.deadline + LEASE_MARGIN

    def subscribe(self, listener: Listener) -> None:
        self._listeners.subscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.unsubscribe(listener)

    def _tell(self, event: OutboxEvent) -> None:
        self._resolve(event)
        self._listeners.tell(event)

    def _resolve(self, event: OutboxEvent) -> None:
        waiter = self._answered.pop(event.entry.job_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(event)

    def send_first(self, entry: OutboxEntry,
                   written: asyncio.Event | None = None) -> asyncio.Future[OutboxEvent]:
        """A packer's own change, already leased to us, sent now, ahead of anything else
        (no wake, no claim): its task started on the caller's turn of the loop. The answer
        is what became of it; the send carries on whether or not anyone waits for that.
        ``written``: set once its request is on the wire. Cancelling the answer withdraws
        the send if its request is not on the wire yet (its save failed)."""
        waiter = self._answered[entry.job_id] = asyncio.get_running_loop().create_future()
        task = asyncio.ensure_future(self.send_one(entry, written=written))

        def withdrawn(answer: asyncio.Future[OutboxEvent]) -> None:
            if answer.cancelled() and not (written is not None and written.is_set()):
                task.cancel()

        waiter.add_done_callback(withdrawn)
        self._first.add(task)
        task.add_done_callback(self._first.discard)
        task.add_done_callback(_log_failure)
        # Then the loop looks again: a retry it did not schedule is due at its time.
        task.add_done_callback(lambda _: self._loop.wake())
        return waiter

    def _delay(self, attempts: int, asked: float | None) -> float:
        jittered = self.backoff * 2.0 ** min(attempts - 1, 16) * random.uniform(0.5, 1.0)
        return max(asked or 0.0, min(jittered, self.max_backoff))

    async def send_one(self, entry: OutboxEntry, *, deadline: float | None = None,
                       written: asyncio.Event | None = None) -> SendOutcome:
        """Send a claimed entry once and settle it: done, retry later, or attention.

        ``deadline``: seconds for the request (default: the client's own); ``written``:
        set once the request is on the wire.
        """
        try:
            started = time.time()
            job = await self._client.update_job(entry.job_id, entry.status,
                                                entry.tracking_reference,
                                                priority=Priority.INTERACTIVE, retry=False,
                                                deadline=deadline, written=written)
        except (ApiValidationError, NotFound) as exc:
            return await self._attention(entry, exc.message)  # said once it is written
        except ApiError as exc:
            # Network, 5xx, 503, 429, an unreadable answer, even a refused key: the
            # change stays saved and is tried again (a key can be fixed meanwhile).
            asked = getattr(exc, "retry_after", None)
            delay = self._delay(entry.attempts + 1, asked)
            if isinstance(exc, AuthError):
                delay = max(delay, 60.0)
            await asyncio.to_thread(self._outbox.retry_later, entry, str(exc), delay)
            self._tell(OutboxEvent(entry, SendOutcome.RETRYING, str(exc)))
            return SendOutcome.RETRYING
        except Exception as exc:  # nobody foresaw it: a person looks, it never stays "sending"
            log.exception("sending outbox entry %s", entry.id)
            reason = storable(redact(f"{type(exc).__name__}: {exc}")[:300])
            return await self._attention(entry, f"Could not be sent ({reason}).")
        except BaseException:  # cancelled (the app closing, Ctrl+C): the lease goes back
            self._outbox.release(entry)  # not awaited: this task may not run again
            raise
        # Whoever waits on the answer goes on now; storing it is ours to finish.
        self._resolve(OutboxEvent(entry, SendOutcome.DONE, job=job))
        # The job first, then the entry: a crash between the two only means a resend.
        try:
            await asyncio.to_thread(self._cache.store, [job], started)
        except Exception:  # confirmed all the same; the next sync brings the job
            log.exception("storing job %s after its change was confirmed", job.id)
        await asyncio.to_thread(self._outbox.sent, entry)
        self._tell(OutboxEvent(entry, SendOutcome.DONE, job=job))
        return SendOutcome.DONE

    def _done_already(self, entry: OutboxEntry) -> bool:
        """Smart Gift already has this change, as the cache knows (a sync, or a station
        that sent it alone while the site was lost and carried it in since): the entry
        goes unsent. Sending it again would be harmless, but is a request."""
        job = self._cache.get(entry.job_id)
        if job is None or (job.status, job.tracking_reference) != (
                entry.status, entry.tracking_reference):
            return False
        self._outbox.settled_elsewhere(entry)
        return True

    async def _attention(self, entry: OutboxEntry, message: str) -> SendOutcome:
        await asyncio.to_thread(self._outbox.needs_attention, entry, message)
        self._tell(OutboxEvent(entry, SendOutcome.ATTENTION, message))
        return SendOutcome.ATTENTION

    async def drain(self, deadline: float | None = None) -> None:
        """Send everything due; with a deadline (epoch s), also wait for retries until then."""
        while True:
            entry = await asyncio.to_thread(self._outbox.claim_next, lease=self.lease)
            if entry is not None:
                # Claimed, not a packer's fresh one (that goes at once: send_first).
                if not await asyncio.to_thread(self._done_already, entry):
                    await self.send_one(entry)
                continue
            if deadline is None:
                return
            due = await asyncio.to_thread(self._outbox.next_due_at)
            if due is None or due > deadline:
                return
            await asyncio.sleep(max(0.0, due - time.time()))

    def poke(self) -> None:
        """Something new was saved: send it now rather than at the next due time."""
        self._loop.wake()

    async def retry_now(self) -> None:
        """What waits for a retry is sent now (after a new key, say): no minute's wait."""
        await asyncio.to_thread(self._outbox.due_now)
        self._loop.wake()

    async def _round(self) -> None:
        try:
            await self.drain()
            self._next_due = await asyncio.to_thread(self._outbox.next_due_at)
        except Exception:  # the store out of reach: look again soon, not at once, not in
            self._next_due = time.time() + FAILED_ROUND_AGAIN  # an hour
            raise

    def _until_next_due(self) -> float:
        if self._next_due is None:
            return IDLE_CHECK
        return min(IDLE_CHECK, max(0.0, self._next_due - time.time()))

    def start(self) -> None:
        """Run in the background for the life of the app."""
        self._loop.start()

    async def aclose(self) -> None:
        await self._loop.aclose()
        for task in list(self._first):  # cancelled: each gives its lease back
            task.cancel()
        if self._first:
            await asyncio.gather(*self._first, return_exceptions=True)
