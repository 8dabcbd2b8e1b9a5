"""The async last-mile courier client: availability and create, no Qt.

As the Smart Gift client: one deadline per call (budget wait, attempts, backoff), every
answer's size capped after decompression, the key (``x-api-key``) added by an
``httpx.Auth`` only for the configured origin, HTTPS or literal loopback, no redirects.
Asking availability is a question and is retried like a GET; creating a job is never
retried here: a lost answer may be a job made, and only a person may say "again".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

import httpx

from packstation.api import errors as e
from packstation.api.body import UnreadableJson, parse_json
from packstation.api.client import TIMEOUT, retry_wait, user_agent
from packstation.api.fields import FieldError
from packstation.api.limits import DEFAULT_LIMITS, Limits
from packstation.api.models import Parsed
from packstation.api.ratelimit import Budget, Priority, budget_for, retry_after_seconds
from packstation.api.responses import Answer, path_of, refusal
from packstation.api.secret import check_base_url, origin_of, redact_bytes
from packstation.api.transport import KeyAuth, exchange
from packstation.courier.models import CourierKey, CreatedJob, Slot, read_created, read_slots

log = logging.getLogger("packstation.courier")

SERVICE: Final = "the courier"
AVAILABILITY: Final = "/jobs/availability/v2"
JOBS: Final = "/jobs"
MAX_ANSWER: Final = 4 << 20  # a week of slots is a few KB; nothing the courier sends is big


class SlotExpired(e.ApiError):
    """417: the slot's hold ran out before the job was created; ask availability again."""

    exit_code = 6


class CourierClient:
    def __init__(self, base_url: str, key: CourierKey, *, budget: Budget | None = None,
                 limits: Limits = DEFAULT_LIMITS, max_retries: int = 2, backoff: float = 0.5,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout = TIMEOUT, station: str = "") -> None:
        self.base_url = check_base_url(base_url)
        self._origin = origin_of(self.base_url)
        self._key = key
        self.budget: Budget = budget or budget_for(self.base_url, key.fingerprint)
        self.limits, self.max_retries, self.backoff = limits, max_retries, backoff
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, follow_redirects=False,
            headers={"User-Agent": user_agent(station), "Content-Type": "application/json",
                     "Accept": "application/json", "Accept-Encoding": "gzip, deflate"},
            transport=transport)

    def __repr__(self) -> str:
        return f"CourierClient({self.base_url!r}, key={self._key!r})"

    @property
    def key_fingerprint(self) -> str:
        return self._key.fingerprint

    async def aclose(self) -> None:
        await self._http.aclose()

    async def availability(self, body: Mapping[str, Any]) -> Parsed[Slot]:
        answer = await self._send(AVAILABILITY, body, retry=True)
        try:
            return read_slots(_json(answer))
        except FieldError as exc:
            raise e.BadResponse(f"The courier's availability could not be read: {exc}") \
                from None

    async def create_job(self, body: Mapping[str, Any]) -> CreatedJob:
        """Once: never retried (a lost answer may be a job made)."""
        answer = await self._send(JOBS, body, retry=False)
        try:
            return read_created(_json(answer))
        except FieldError as exc:
            raise e.BadResponse(f"The courier's answer to the booking could not be read: "
                                f"{exc}") from None

    async def _send(self, path: str, body: Mapping[str, Any], *, retry: bool) -> Answer:
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.limits.deadline
        attempt = 0
        while True:
            try:
                return await self._send_once(path, body, ends - loop.time())
            except e.RETRYABLE as exc:
                attempt += 1
                wait = retry_wait(attempt, exc, self.backoff)
                if not retry or attempt > self.max_retries or loop.time() + wait >= ends:
                    raise
                log.info("retrying POST %s in %.1f s: %s", path, wait, exc)
                await asyncio.sleep(wait)

    async def _send_once(self, path: str, body: Mapping[str, Any], seconds: float) -> Answer:
        request = self._http.build_request("POST", path, json=dict(body))
        started = time.perf_counter()
        answer: Answer | None = None
        acquired = False
        failure: e.ApiError | None = None
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await self.budget.acquire(Priority.INTERACTIVE)  # always a person waiting
                acquired = True
                answer = await exchange(self._http, request,
                                        KeyAuth(self._key, self._origin, "x-api-key"),
                                        min(MAX_ANSWER, self.limits.max_json_bytes),
                                        "an answer", SERVICE)
        except TimeoutError:
            failure = e.NetworkError(f"The courier at {self._origin[1]} did not answer within "
                                     f"{max(0.0, seconds):.0f} s.") if acquired else \
                e.RateLimited("Not sent: the courier's request budget is spent for now.",
                              retry_after=self.budget.wait_estimate(Priority.INTERACTIVE))
        finally:
            if acquired:
                await self.budget.release(answer.headers if answer is not None else None,
                                          answer.status_code if answer is not None else None)
        if failure is not None:
            raise failure
        assert answer is not None
        answer = Answer(answer.status_code, answer.headers, redact_bytes(answer.content),
                        answer.url)
        log.info("POST %s -> %d in %.0f ms", path_of(answer.url), answer.status_code,
                 (time.perf_counter() - started) * 1000)
        _raise_for_status(answer)
        return answer


def _json(answer: Answer) -> Any:
    try:
        return parse_json(answer.content, "The courier")
    except UnreadableJson as exc:
        failure: e.BadResponse = exc
    raise e.BadResponse(str(failure))  # raised outside the except: no chained context


def _raise_for_status(answer: Answer) -> None:
    status = answer.status_code
    if 200 <= status < 300:
        return
    message, fields, body = refusal(answer)
    said = f": {message}" if message else ""
    if status in (401, 403):
        raise e.AuthError(f"The courier did not accept its key (HTTP {status}); check it in "
                          "Settings > Courier (or 'packstation courier key status').",
                          status=status)
    if status == 417:
        raise SlotExpired(f"The slot expired before it was booked{said}", status=status)
    if status == 404:
        raise e.NotFound(f"The courier has no {path_of(answer.url)} (HTTP 404): check its "
                         "address in Settings > Courier.", status=status)
    if status == 429:
        wait = retry_after_seconds(answer.headers)
        raise e.RateLimited(f"The courier asked us to slow down; it takes requests again in "
                            f"{wait:.0f} s.", retry_after=wait)
    if status == 503:
        raise e.Unavailable("The courier is unavailable for now; try again shortly.",
                            retry_after=retry_after_seconds(answer.headers, default=0.0) or None)
    if 400 <= status < 500:
        raise e.ApiValidationError(f"The courier refused the request (HTTP {status}){said}",
                                   status=status, field_errors=fields, body=body)
    if status >= 500:
        raise e.ServerError(f"The courier could not process the request (HTTP {status}).",
                            status=status)
    raise e.BadResponse(f"The courier answered with an unexpected HTTP {status}.",
                        status=status)
