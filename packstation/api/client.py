"""The async Smart Gift client: one per API origin, no Qt.

Every request goes through :meth:`SmartGiftClient._send`, which waits for the
key's shared :class:`RateBudget`, adds ``Smart-Auth`` only for the configured
origin, turns every failure into a typed :class:`ApiError`, and retries only
what is safe to retry.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

import httpx

from packstation import __version__
from packstation.api import errors as e
from packstation.api.body import (
    UnreadableJson,
    parse_json,
)
from packstation.api.decode import decode_list, parse_one
from packstation.api.fields import format_after
from packstation.api.limits import DEFAULT_LIMITS, Limits
from packstation.api.models import (
    PRICE_TYPES,
    UPDATE_STATUSES,
    Agreement,
    Job,
    Parsed,
    tracking_problem,
)
from packstation.api.pos import PosSale, PosSaleResult
from packstation.api.ratelimit import Budget, Priority, budget_for
from packstation.api.responses import Answer, path_of, raise_for_status, server_message
from packstation.api.secret import ApiKey, check_base_url, origin_of, redact_bytes
from packstation.api.transport import KeyAuth, exchange, on_written
from packstation.formats import price_problem
from packstation.listeners import Listeners

log = logging.getLogger("packstation.api")

PRODUCTION_URL: Final = "https://api.smart-gift.co.uk"
DEVELOPMENT_URL: Final = "https://api.devsmartgift.co.uk"
ENVIRONMENTS: Final = {"production": PRODUCTION_URL, "development": DEVELOPMENT_URL}

TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)  # per step; Limits.deadline is per call
_JSON: Final = "application/json"
_PDF_ACCEPT: Final = "application/pdf, application/json"
_IDEMPOTENT: Final = frozenset({"GET", "PUT", "HEAD", "DELETE"})
_DECODE_INLINE: Final = 64 * 1024  # a list answer smaller than this is decoded on the loop

R = TypeVar("R")


def user_agent(station: str = "") -> str:
    """``packstation/VERSION``, and the bench's name on a site (which of them sent a
    request, for Smart Gift's support and our tests): letters, digits and ``._-`` only."""
    label = re.sub(r"[^A-Za-z0-9._-]+", "-", station)[:40].strip("-")
    return f"packstation/{__version__}" + (f" ({label})" if label else "")


def retry_wait(attempt: int, exc: e.ApiError, backoff: float) -> float:
    """Seconds before retry ``attempt``: jittered exponential backoff, or what the server
    asked (Retry-After) when that is longer."""
    jittered = random.uniform(0.5, 1.0) * backoff * 2.0 ** (attempt - 1)
    asked: float | None = getattr(exc, "retry_after", None)
    return max(float(asked or 0.0), jittered)


class SmartGiftClient:
    """Async client for the Smart Gift fulfilment and POS endpoints."""

    def __init__(
        self,
        base_url: str,
        key: ApiKey,
        *,
        budget: Budget | None = None,
        station: str = "",
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._origin = origin_of(self.base_url)
        self._key = key
        self.budget: Budget = budget or budget_for(self.base_url, key.fingerprint)
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.backoff = backoff
        self.limits = limits
        self._auth_listeners: Listeners[e.AuthError] = Listeners()
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            follow_redirects=False,  # a redirect could carry Smart-Auth elsewhere
            # Only what body.read_capped decodes in bounded steps (no brotli, no zstd).
            headers={"User-Agent": user_agent(station), "Content-Type": _JSON,
                     "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"SmartGiftClient({self.base_url!r}, key={self._key!r})"

    async def __aenter__(self) -> SmartGiftClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def key_hint(self) -> str:
        return self._key.hint()

    def replace_key(self, key: ApiKey) -> None:
        """Use a new key from the next request on (after a 401, or a key changed in
        settings); the rate budget stays: the limit belongs to the account's address."""
        self._key = key

    def subscribe_auth_failures(self, listener: Callable[[e.AuthError], None]) -> None:
        """Told of every 401/403, wherever it happened (sync, outbox, print, a click)."""
        self._auth_listeners.subscribe(listener)

    def unsubscribe_auth_failures(self, listener: Callable[[e.AuthError], None]) -> None:
        self._auth_listeners.unsubscribe(listener)

    # -- endpoints -------------------------------------------------------------------

    async def list_jobs(
        self,
        status: str | None = None,
        after: date | datetime | None = None,
        *,
        priority: Priority = Priority.NORMAL,
    ) -> Parsed[Job]:
        params: dict[str, str] = {}
        if status:
            params["status"] = status
        if after is not None:
            params["after"] = format_after(after)
        return await self._list("/fulfilment/jobs", params, priority, Job.from_json, "jobs")

    async def update_job(
        self,
        job_id: int,
        status: str,
        tracking_reference: str | None = None,
        *,
        priority: Priority = Priority.INTERACTIVE,
        retry: bool = True,
        deadline: float | None = None,
        written: asyncio.Event | None = None,
    ) -> Job:
        """Set a job's status; ``retry=False`` for callers that retry themselves (the outbox).
        ``written`` is set once the request is on the wire (what may follow it goes then).

        The answer must be this job with this status; anything else is a BadResponse.
        """
        if status not in UPDATE_STATUSES:
            raise e.ApiValidationError(
                f"A job can be set to {', '.join(UPDATE_STATUSES)}, not {status!r}.",
                status=None, field_errors={"status": ["not allowed"]},
            )
        payload: dict[str, Any] = {"status": status}
        if tracking_reference is not None:
            problem = tracking_problem(tracking_reference)
            if problem:
                raise e.ApiValidationError(problem, status=None,
                                           field_errors={"tracking_reference": [problem]})
            payload["tracking_reference"] = tracking_reference
        body = await self._json(
            "PUT", f"/fulfilment/jobs/{int(job_id)}", json_body=payload, priority=priority,
            retry=retry, deadline=deadline, written=written,
        )
        job = parse_one(body, Job.from_json, "the updated job")
        if job.id != job_id or job.status != status:
            raise e.BadResponse(
                f"Smart Gift answered the change of job {job_id} to {status} with job {job.id} "
                f"{job.status!r}; the change is not taken as done.")
        return job

    async def download_pdf(
        self, url: str, *, priority: Priority = Priority.NORMAL, deadline: float | None = None
    ) -> bytes:
        """Fetch a voucher PDF from its ``pdf_copy`` URL (only on the API's own origin)."""
        if len(url) > 2000 or any(c <= " " or c == "\x7f" for c in url):
            # urlsplit would quietly drop a tab or newline; httpx would then refuse it.
            raise e.BadResponse("Smart Gift sent a voucher PDF link that is not a valid "
                                "address (spaces or control characters); nothing was fetched.")
        if origin_of(url) != self._origin:
            raise e.ConfigError(
                f"Refused to fetch a voucher PDF from {origin_of(url)[1] or url!r}: it is not "
                f"the Smart Gift API ({self._origin[1]}), so the API key was not sent."
            )
        response = await self._send("GET", url, accept=_PDF_ACCEPT, priority=priority,
                                    cap=self.limits.max_pdf_bytes, what="a voucher PDF",
                                    deadline=deadline)
        content = response.content
        if content.lstrip()[:5] == b"%PDF-":
            return content
        message = server_message(response)
        if message is not None:
            raise e.PdfNotReady(f"The voucher PDF is not ready yet: {message}", status=200)
        kind = response.headers.get("content-type", "unknown").split(";")[0]
        raise e.BadResponse(f"Smart Gift sent {kind} where a voucher PDF was expected.")

    async def list_agreements(
        self, status: str | None = None, *, priority: Priority = Priority.NORMAL
    ) -> Parsed[Agreement]:
        params = {"status": status} if status else {}
        return await self._list("/fulfilment/agreements", params, priority,
                                Agreement.from_json, "agreements")

    async def price_agreement(
        self, agreement_id: int, price: Decimal, price_type: str = "per_order"
    ) -> Agreement:
        if price_type not in PRICE_TYPES:
            raise e.ApiValidationError(
                f"The price type must be per_order or per_item, not {price_type!r}.",
                status=None, field_errors={"price_type": ["not allowed"]},
            )
        problem = price_problem(price)
        if problem:
            raise e.ApiValidationError(f"{problem} (not {price})", status=None,
                                       field_errors={"price": [problem]})
        body = await self._json(
            "PUT", f"/fulfilment/agreements/{int(agreement_id)}/price",
            json_body={"price": float(price), "price_type": price_type},
            priority=Priority.INTERACTIVE,
        )
        return parse_one(body, Agreement.from_json, "the priced agreement")

    async def terminate_agreement(self, agreement_id: int, reason: str = "") -> Agreement:
        body = await self._json(
            "PUT", f"/fulfilment/agreements/{int(agreement_id)}/terminate",
            json_body={"reason": reason}, priority=Priority.INTERACTIVE,
        )
        return parse_one(body, Agreement.from_json, "the terminated agreement")

    async def create_pos_sale(self, sale: PosSale) -> PosSaleResult:
        sale.check()  # a bad order costs no request
        body = await self._json(
            "POST", "/pos-sale", json_body=sale.to_json(), priority=Priority.INTERACTIVE
        )
        return parse_one(body, PosSaleResult.from_json, "the order result")

    # -- transport -------------------------------------------------------------------

    async def _list(self, path: str, params: Mapping[str, str], priority: Priority,
                    reader: Callable[[Mapping[str, Any]], R], what: str) -> Parsed[R]:
        response = await self._send("GET", path, params=params, accept=_JSON,
                                    priority=priority, cap=self.limits.max_json_bytes,
                                    what="an answer")
        kind = response.headers.get("content-type", "unknown").split(";")[0][:60]
        if len(response.content) < _DECODE_INLINE:
            return decode_list(response.content, reader, what, kind)
        # Thousands of records: decoded in a worker, so the UI's loop keeps running (the
        # GIL is handed back every few ms; orjson's one call is the longest hold).
        return await asyncio.to_thread(decode_list, response.content, reader, what, kind)

    async def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        priority: Priority,
        retry: bool = True,
        deadline: float | None = None,
        written: asyncio.Event | None = None,
    ) -> Any:
        """The answer as JSON (one record: small, decoded here)."""
        response = await self._send(method, path, params=params, json_body=json_body,
                                    accept=_JSON, priority=priority, retry=retry,
                                    deadline=deadline, cap=self.limits.max_json_bytes,
                                    what="an answer", written=written)
        try:
            return parse_json(response.content)
        except UnreadableJson as exc:
            failure: e.BadResponse = exc
        kind = response.headers.get("content-type", "unknown").split(";")[0][:60]
        raise e.BadResponse(f"{failure} (content type {kind!r})")

    async def _send(
        self,
        method: str,
        url: str,
        *,
        accept: str,
        priority: Priority,
        cap: int,
        what: str,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        retry: bool = True,
        deadline: float | None = None,
        written: asyncio.Event | None = None,
    ) -> Answer:
        """One call: its attempts, backoff and budget waits all within one deadline."""
        retry_allowed = retry and method in _IDEMPOTENT
        loop = asyncio.get_running_loop()
        ends = loop.time() + (self.limits.deadline if deadline is None else deadline)
        attempt = 0
        while True:
            try:
                return await self._send_once(method, url, accept, priority, params, json_body,
                                             cap, what, ends - loop.time(), written)
            except e.RETRYABLE as exc:
                attempt += 1
                if not retry_allowed or attempt > self.max_retries:
                    raise
                wait = self._backoff_for(attempt, exc)
                if wait > self.max_retry_wait or loop.time() + wait >= ends:
                    raise
                log.info("retrying %s %s in %.1f s: %s", method, path_of(url), wait, exc)
                await asyncio.sleep(wait)

    def _backoff_for(self, attempt: int, exc: e.ApiError) -> float:
        return retry_wait(attempt, exc, self.backoff)

    async def _send_once(
        self,
        method: str,
        url: str,
        accept: str,
        priority: Priority,
        params: Mapping[str, str] | None,
        json_body: Any,
        cap: int,
        what: str,
        seconds: float,
        written: asyncio.Event | None = None,
    ) -> Answer:
        key = self._key
        request = self._http.build_request(method, url, params=params, json=json_body,
                                           headers={"Accept": accept},
                                           extensions=on_written(written))
        started = time.perf_counter()
        answer: Answer | None = None
        acquired = False
        failure: e.ApiError | None = None
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await self.budget.acquire(priority)
                acquired = True
                answer = await exchange(self._http, request, KeyAuth(key, self._origin), cap,
                                        what)
        except TimeoutError:
            failure = self._timed_out(acquired, seconds, priority)
        finally:
            if acquired:
                await self.budget.release(answer.headers if answer is not None else None,
                                          answer.status_code if answer is not None else None)
        if failure is not None:
            raise failure
        assert answer is not None
        if accept == _JSON:  # a server echoing the key: never shown, logged or stored
            answer = dataclasses.replace(answer, content=redact_bytes(answer.content))
        log.info("%s %s -> %d in %.0f ms", method, path_of(url), answer.status_code,
                 (time.perf_counter() - started) * 1000)
        try:
            raise_for_status(answer, asset=accept == _PDF_ACCEPT)
        except e.AuthError as exc:
            if key is self._key:  # a late answer to a key already replaced is old news
                self._auth_listeners.tell(exc)
            raise
        return answer

    def _timed_out(self, sent: bool, seconds: float, priority: Priority) -> e.ApiError:
        if sent:
            return e.NetworkError(f"Smart Gift at {self._origin[1]} did not answer within "
                                  f"{max(0.0, seconds):.0f} s.")
        wait = self.budget.wait_estimate(priority)
        return e.RateLimited("Not sent: the API's request budget for this minute is spent; "
                             f"it will be sent in about {wait:.0f} s.", retry_after=wait)
