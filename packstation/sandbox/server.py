"""The sandbox's HTTP face: a real server on loopback, speaking Smart Gift.

Standard library only (``http.server``), HTTP/1.1 with keep-alive, so the
client is exercised exactly as against the real service: ``Smart-Auth``
check, rate-limit headers, 422 bodies with ``message``, and injected faults.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from packstation.sandbox import DEMO_KEY
from packstation.sandbox.http import JsonHandler, QuietServer, Serving
from packstation.sandbox.state import Rejected, SandboxState

log = logging.getLogger("packstation.sandbox")

# "drop" closes the connection before the request is processed, "lost" after it.
FAULT_KINDS = ("500", "503", "429", "422", "drop", "lost", "malformed", "html", "slow")


@dataclass(frozen=True)
class SeenRequest:
    """What the sandbox saw of a request (never the key itself)."""

    method: str
    path: str
    query: str
    had_key: bool
    body: Any = None  # the JSON body of a PUT or POST, as parsed
    agent: str = ""  # its User-Agent: which station of a site sent it
    at: float = 0.0  # time.monotonic() when it came


@dataclass
class Faults:
    """Trouble to cause on purpose: for tests and for training packers."""

    error_rate: float = 0.0  # share of requests answered with a random fault of ``kinds``
    kinds: tuple[str, ...] = ("500", "503", "429", "drop", "malformed")
    latency: float = 0.0  # seconds added to every answer
    slow_seconds: float = 35.0  # how long a "slow" fault stalls (past the client's timeout)
    retry_after: int = 1  # the Retry-After of an injected 429 or 503
    queued: deque[str] = field(default_factory=deque)  # exact faults for the next requests
    aimed: list[tuple[str, str]] = field(default_factory=list)  # (request prefix, fault)
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def inject(self, kind: str, count: int = 1, *, only: str | None = None) -> None:
        """The next ``count`` requests get ``kind``; with ``only`` (``"POST /pos-sale"``),
        the next ones whose method and path start so (end it with ``$``: are exactly so),
        whatever else comes between."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        with self._lock:
            if only is None:
                self.queued.extend([kind] * count)
            else:
                self.aimed.extend([(only, kind)] * count)

    def next(self, request: str = "") -> str | None:
        """The fault for ``request`` (``"GET /fulfilment/jobs"``), if any."""
        with self._lock:
            aimed = next((a for a in self.aimed if _aimed_at(a[0], request)), None)
            if aimed is not None:
                self.aimed.remove(aimed)
                return aimed[1]
            if self.queued:
                return self.queued.popleft()
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                return self._rng.choice(self.kinds)
        return None


def _aimed_at(aim: str, request: str) -> bool:
    return request == aim[:-1] if aim.endswith("$") else request.startswith(aim)


class FixedWindowLimit:
    """Per-key fixed windows, like the service: ``limit`` requests per ``window`` s."""

    def __init__(self, limit: int = 60, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self.refused = 0  # how many requests got a 429 for going over the limit

    def hit(self, key: str) -> tuple[bool, dict[str, str]]:
        now = time.time()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.window:
                start, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            else:
                self.refused += 1
            self._windows[key] = (start, used)
        reset = math.ceil(start + self.window)
        headers = {"X-RateLimit-Limit": str(self.limit),
                   "X-RateLimit-Remaining": str(max(0, self.limit - used)),
                   "X-RateLimit-Reset": str(reset)}
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(start + self.window - now)))
        return allowed, headers


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/fulfilment/jobs/?$"), "list_jobs"),
    ("PUT", re.compile(r"^/fulfilment/jobs/(\d+)$"), "update_job"),
    ("GET", re.compile(r"^/fulfilment/assets/(\d+)/voucher-pdf/(\d+)/(\d+)$"), "pdf"),
    ("GET", re.compile(r"^/fulfilment/agreements/?$"), "list_agreements"),
    ("PUT", re.compile(r"^/fulfilment/agreements/(\d+)/price$"), "price"),
    ("PUT", re.compile(r"^/fulfilment/agreements/(\d+)/terminate$"), "terminate"),
    ("POST", re.compile(r"^/pos-sale$"), "pos_sale"),
]


class _Handler(JsonHandler):
    server: _Server

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise Rejected(422, "The request body is not valid JSON.") from None

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        url = urlsplit(self.path)
        # Read the body first so a refused request leaves the connection usable.
        try:
            payload = self._body() if method != "GET" else None
        except Rejected as exc:
            payload = exc
        sandbox.requests.append(SeenRequest(method, url.path, url.query,
                                            "Smart-Auth" in self.headers,
                                            None if isinstance(payload, Rejected) else payload,
                                            str(self.headers.get("User-Agent", ""))[:200],
                                            time.monotonic()))
        if sandbox.faults.latency:
            time.sleep(sandbox.faults.latency)
        fault = sandbox.faults.next(f"{method} {url.path}")
        if fault == "drop":
            self.hang_up()
            return
        if fault == "slow":
            time.sleep(sandbox.faults.slow_seconds)
        key = self.headers.get("Smart-Auth") or ""
        if key != sandbox.key:
            self.send_json(401, {"message": "Unauthenticated."})
            return
        allowed, limit_headers = sandbox.limit.hit(key)
        if not allowed:
            self.send_json(429, {"message": "Too Many Attempts."}, limit_headers)
            return
        if fault in ("500", "503", "429"):
            extra = ({**limit_headers, "Retry-After": str(sandbox.faults.retry_after)}
                     if fault != "500" else limit_headers)
            messages = {"500": "Server Error", "503": "Service Unavailable",
                        "429": "Too Many Attempts."}
            self.send_json(int(fault), {"message": messages[fault]}, extra)
            return
        if fault == "422":
            self.send_json(422, {"message": "The tracking reference is not valid for this carrier.",
                             "errors": {"tracking_reference": ["not valid for this carrier"]}},
                       limit_headers)
            return
        if fault == "html":
            self.send_raw(200, b"<html><body>Bad gateway</body></html>", "text/html",
                           limit_headers)
            return
        try:
            if isinstance(payload, Rejected):
                raise payload
            status, body, content_type = self._route(method, url.path, url.query, payload)
        except Rejected as exc:
            self.send_json(exc.status, exc.body, limit_headers)
            return
        if fault == "lost":  # done, but the answer never arrives: the dangerous case for a POST
            self.hang_up()
            return
        if fault == "malformed":
            self.send_raw(200, b'{"id": 1, "status": "pend', "application/json", limit_headers)
        elif isinstance(body, bytes):
            self.send_raw(status, body, content_type, limit_headers)
        else:
            self.send_json(status, body, limit_headers)

    def _route(self, method: str, path: str, query: str, payload: Any
               ) -> tuple[int, Any, str]:
        state = self.server.sandbox.state
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        for verb, pattern, name in _ROUTES:
            match = pattern.match(path)
            if not match:
                continue
            if verb != method:
                raise Rejected(405, "Method not allowed.")
            ids = [int(g) for g in match.groups()]
            json_type = "application/json"
            if name == "list_jobs":
                return 200, state.list_jobs(params.get("status"), params.get("after")), json_type
            if name == "update_job":
                return 200, state.update_job(ids[0], payload), json_type
            if name == "pdf":
                if "application/pdf" not in (self.headers.get("Accept") or ""):
                    raise Rejected(406, "This asset is served as application/pdf.")
                return 200, state.voucher_pdf(ids[0], ids[1]), "application/pdf"
            if name == "list_agreements":
                return 200, state.list_agreements(params.get("status")), json_type
            if name == "price":
                return 200, state.price_agreement(ids[0], payload), json_type
            if name == "terminate":
                return 200, state.terminate_agreement(ids[0], payload), json_type
            return 200, state.pos_sale(payload), json_type
        raise Rejected(404, "Not found.")


class _Server(QuietServer):
    sandbox: SandboxServer


class SandboxServer(Serving):
    """A running fake Smart Gift on 127.0.0.1. Start, use ``base_url``, stop."""

    def __init__(
        self,
        *,
        port: int = 0,
        key: str = DEMO_KEY,
        seed: int = 1,
        jobs: int = 40,
        pdf_delay: float = 3.0,
        accept_delay: float = 20.0,
        new_job_every: float = 0.0,
        rate_limit: int = 60,
        rate_window: float = 60.0,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.key = key
        self.state = SandboxState(seed=seed, job_count=jobs, pdf_delay=pdf_delay,
                                  accept_delay=accept_delay, new_job_every=new_job_every)
        self.limit = FixedWindowLimit(rate_limit, rate_window)
        self.faults = faults or Faults(seed=seed)
        httpd = _Server((host, port), _Handler)
        httpd.sandbox = self
        super().__init__(httpd)
        self.state.base_url = self.base_url
        self.requests: list[SeenRequest] = []
