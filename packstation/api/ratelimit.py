"""One request budget per API key, shared by every caller in the process.

Smart Gift allows about 60 requests a minute per key and says so in
``X-RateLimit-Limit``/``-Remaining`` (and ``-Reset`` or ``Retry-After`` on a
429). The budget waits instead of sending a request the server would refuse,
and when several callers wait it lets the most urgent go first: a packer's
dispatch before a background sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Final, Protocol

DEFAULT_LIMIT: Final = 60
DEFAULT_WINDOW: Final = 60.0
# Margin after a reset instant: the header is whole seconds and clocks differ a little.
_RESET_MARGIN: Final = 0.05
# The longest wait a server's header can impose: a Retry-After of 10^6 s (or a Reset 31
# years away) is a broken or hostile server, not a reason to stop the bench for good.
MAX_WAIT: Final = 2 * DEFAULT_WINDOW
_MAX_LIMIT: Final = 100_000

log = logging.getLogger(__name__)


class Priority(IntEnum):
    """Lower goes first."""

    INTERACTIVE = 0
    NORMAL = 5
    BACKGROUND = 10


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value[:40])
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _bounded_wait(seconds: float, what: str) -> float:
    if seconds > MAX_WAIT:
        log.warning("Smart Gift asked us to wait %.0f s (%s); waiting at most %.0f s",
                    seconds, what, MAX_WAIT)
        return MAX_WAIT
    return max(0.0, seconds)


class Budget(Protocol):
    """What the client asks of a budget: this process's ``RateBudget``, or a site's
    (``api.site_budget.SiteBudget``: that and then the site's ledger)."""

    @property
    def limit(self) -> int: ...
    @property
    def remaining(self) -> int | None: ...
    async def acquire(self, priority: Priority = Priority.NORMAL) -> None: ...
    async def release(self, headers: Mapping[str, str] | None, status: int | None) -> None: ...
    def wait_estimate(self, priority: Priority = Priority.NORMAL) -> float: ...


class RateBudget:
    """Decides when the next request may go.

    Two models, chosen by what the server tells us:
    - with ``X-RateLimit-Reset``: a fixed window; ``Remaining`` less the requests
      still in flight may go before the reset instant;
    - without it: a sliding window of ``window`` seconds over our own sends,
      never more than ``Limit`` in it, and none once the server says 0 remain.

    Background work (sync, PDF prefetch, agreements) leaves the last ``reserve``
    requests of a window alone, so a packer's action never waits a minute for
    a budget spent on prefetching.
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        reserve: int = 10,
    ) -> None:
        self.limit = limit
        self.reserve = reserve
        self.window = window
        self._clock = clock
        self._wall = wall_clock
        self._sends: deque[float] = deque()
        self._in_flight = 0
        self._remaining: int | None = None  # server's word, less what we sent since
        self._reset_at: float | None = None  # monotonic instant of the fixed window's end
        self._blocked_until = 0.0  # after a 429
        self._heard = False  # has any response told us the limit yet?
        self._waiters: list[tuple[int, int]] = []
        self._seq = itertools.count()
        self._changed: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- state the waiters look at -------------------------------------------------

    def _delay(self, priority: Priority = Priority.NORMAL) -> float:
        """Seconds until one more request of ``priority`` may be sent (0 = now)."""
        now = self._clock()
        # Kept for people: background work stops short of the window's last requests.
        held = min(self.reserve, self.limit // 4) if priority >= Priority.BACKGROUND else 0
        if now < self._blocked_until:
            return self._blocked_until - now
        if not self._heard and self._in_flight:
            # Until the first answer tells us the limit, one request at a time: a burst
            # sent on the assumed 60 could overrun a smaller real limit.
            return 1.0
        if self._reset_at is not None:
            if now >= self._reset_at:
                # A new window: everything we know is the limit, less what is in flight.
                self._reset_at = None
                self._remaining = self.limit - self._in_flight
                self._sends.clear()
            elif self._remaining is not None and self._remaining <= held:
                return self._reset_at - now
            else:
                return 0.0
        while self._sends and self._sends[0] <= now - self.window:
            self._sends.popleft()
        if len(self._sends) >= self.limit - held or (
            self._remaining is not None and self._remaining <= held and self._sends
        ):
            # The oldest send whose leaving the window makes room for this one.
            index = min(len(self._sends) - 1, max(0, len(self._sends) - (self.limit - held)))
            return max(0.0, self._sends[index] + self.window - now)
        return 0.0

    def wait_estimate(self, priority: Priority = Priority.NORMAL) -> float:
        """Seconds until a request of ``priority`` could go, were nobody else waiting."""
        return self._delay(priority)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @property
    def remaining(self) -> int | None:
        return self._remaining

    # -- used by the client ----------------------------------------------------------

    def _condition(self) -> asyncio.Condition:
        # asyncio primitives belong to one loop; a process that runs a new loop
        # (a CLI command after another, a test) gets a fresh condition and queue.
        loop = asyncio.get_running_loop()
        if self._changed is None or self._loop is not loop:
            self._changed = asyncio.Condition()
            self._loop = loop
            self._waiters.clear()
            self._in_flight = 0
        return self._changed

    async def acquire(self, priority: Priority = Priority.NORMAL) -> None:
        """Wait for our turn and for the budget; then count one request as sent."""
        changed = self._condition()
        ticket = (int(priority), next(self._seq))
        heapq.heappush(self._waiters, ticket)
        try:
            async with changed:
                while True:
                    timeout: float | None = None
                    if self._waiters[0] == ticket:
                        timeout = self._delay(Priority(ticket[0]))
                        if timeout <= 0:
                            heapq.heappop(self._waiters)
                            self._sends.append(self._clock())
                            self._in_flight += 1
                            if self._remaining is not None:
                                self._remaining -= 1
                            changed.notify_all()
                            return
                    # Woken by time or by a change. Not wait_for: on Python 3.11 it can
                    # swallow a cancel that meets a notify, and a cancelled request
                    # (a closed dialog's order) would then still be sent later.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(timeout):
                            await changed.wait()
        except BaseException:
            if ticket in self._waiters:
                self._waiters.remove(ticket)
                heapq.heapify(self._waiters)
                async with changed:
                    changed.notify_all()
            raise

    async def release(self, headers: Mapping[str, str] | None, status: int | None) -> None:
        """Record a finished request and what its response said about the budget."""
        changed = self._condition()
        self._in_flight = max(0, self._in_flight - 1)
        if headers is not None:
            self._learn(headers, status)
        async with changed:
            changed.notify_all()

    def _learn(self, headers: Mapping[str, str], status: int | None) -> None:
        now, wall = self._clock(), self._wall()
        self._heard = True
        limit = _header_number(headers, "x-ratelimit-limit")
        if limit is not None and limit >= 1:
            self.limit = int(min(limit, _MAX_LIMIT))
        reset_epoch = _header_number(headers, "x-ratelimit-reset")
        reset_at = (now + _bounded_wait(reset_epoch - wall, "X-RateLimit-Reset") + _RESET_MARGIN
                    if reset_epoch else None)
        remaining = _header_number(headers, "x-ratelimit-remaining")
        if remaining is not None:
            seen = int(min(max(remaining, 0.0), _MAX_LIMIT)) - self._in_flight
            new_window = reset_at is not None and (
                self._reset_at is None or reset_at > self._reset_at + 0.5
            )
            if self._remaining is None or new_window:
                self._remaining = seen
            else:
                self._remaining = min(self._remaining, seen)
        if reset_at is not None:
            self._reset_at = reset_at
        if status == 429:
            # The refusal's own wait wins over any window we had worked out.
            retry = retry_after_seconds(headers, wall_now=wall)
            self._blocked_until = max(self._blocked_until, now + retry)
            self._reset_at = self._blocked_until + _RESET_MARGIN
            self._remaining = 0

    def blocked_for(self) -> float:
        return max(0.0, self._blocked_until - self._clock())


def retry_after_seconds(
    headers: Mapping[str, str], *, wall_now: float | None = None, default: float = 1.0
) -> float:
    """How long a 429/503 asks us to wait: ``Retry-After`` first, then ``X-RateLimit-Reset``.

    Never more than :data:`MAX_WAIT` (a warning says when the server asked for more).
    """
    retry = _header_number(headers, "retry-after")
    if retry is not None and retry >= 0:
        return _bounded_wait(retry, "Retry-After")
    reset = _header_number(headers, "x-ratelimit-reset")
    if reset is not None:
        now = wall_now if wall_now is not None else time.time()
        return _bounded_wait(reset - now, "X-RateLimit-Reset")
    return default


_BUDGETS: dict[tuple[str, str], RateBudget] = {}


def budget_for(origin: str, key_fingerprint: str) -> RateBudget:
    """The budget of one key at one origin; every client for that key shares it."""
    return _BUDGETS.setdefault((origin, key_fingerprint), RateBudget())
