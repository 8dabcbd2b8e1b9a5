"""The key goes only to the configured origin, only over HTTPS (or loopback), and never
shows up in logs, exceptions, reprs or files."""

from __future__ import annotations

import logging
import pickle
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from packstation.api import (
    ApiError,
    ApiKey,
    AuthError,
    BadResponse,
    ConfigError,
    RateBudget,
    SmartGiftClient,
)
from packstation.api.secret import RedactKeysFilter, check_base_url
from packstation.sandbox import DEMO_KEY, SandboxServer


class ForeignHost:
    """A second loopback server standing in for another host; records what it got."""

    def __init__(self, redirect_to: str | None = None) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append(dict(self.headers))
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"%PDF-1.4 not really"
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def foreign() -> Iterator[ForeignHost]:
    host = ForeignHost()
    yield host
    host.close()


async def test_pdf_link_on_another_host_never_gets_the_key(
        client: SmartGiftClient, foreign: ForeignHost) -> None:
    with pytest.raises(ConfigError) as caught:
        await client.download_pdf(f"{foreign.url}/fulfilment/assets/1/voucher-pdf/2/1")
    assert "not the Smart Gift API" in str(caught.value)
    assert "key was not sent" in str(caught.value)
    assert foreign.seen == []  # no request at all, so certainly no Smart-Auth
    # Same host, other scheme or port is another origin too.
    with pytest.raises(ConfigError):
        await client.download_pdf(client.base_url.replace("http://", "https://") + "/x")


async def test_redirects_are_not_followed(sandbox: SandboxServer, foreign: ForeignHost) -> None:
    bouncer = ForeignHost(redirect_to=f"{foreign.url}/stolen")
    try:
        async with SmartGiftClient(bouncer.url, ApiKey(DEMO_KEY), budget=RateBudget()) as c:
            with pytest.raises(BadResponse):
                await c.download_pdf(f"{bouncer.url}/fulfilment/assets/1/voucher-pdf/2/1")
        assert len(bouncer.seen) == 1 and bouncer.seen[0]["Smart-Auth"] == DEMO_KEY
        assert foreign.seen == []
    finally:
        bouncer.close()


@pytest.mark.parametrize("url", ["http://api.smart-gift.co.uk", "http://192.168.1.10:8080",
                                 "ftp://127.0.0.1", "https://user:pw@api.smart-gift.co.uk"])
def test_plain_http_only_to_loopback(url: str) -> None:
    with pytest.raises(ConfigError):
        check_base_url(url)


@pytest.mark.parametrize("url", ["https://api.smart-gift.co.uk/", "http://127.0.0.1:8765",
                                 "http://localhost:1", "http://[::1]:9", "http://127.0.0.2"])
def test_https_or_loopback_is_accepted(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


def test_key_is_never_in_repr_str_format_or_pickle() -> None:
    key = ApiKey("sk_live_supersecret123")
    for shown in (repr(key), str(key), f"{key}", f"{key!r}", "%s" % (key,),  # noqa: UP031 - old-style formatting must hide it too
                  repr(SmartGiftClient("https://api.smart-gift.co.uk", key))):
        assert "supersecret" not in shown
    with pytest.raises(TypeError):
        pickle.dumps(key)


async def test_key_never_in_logs_or_error_text(
        sandbox: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk_live_do_not_leak_987"
    errors: list[ApiError] = []
    sandbox.key = secret
    async with SmartGiftClient(sandbox.base_url, ApiKey(secret), budget=RateBudget(),
                               backoff=0.01) as client:
        jobs = (await client.list_jobs()).items
        await client.update_job(jobs[0].id, "dispatched", "T1")
        sandbox.faults.inject("503", 5)
        for call in (client.list_jobs(), client.update_job(999999, "delivered"),
                     client.download_pdf("https://elsewhere.example/x.pdf")):
            try:
                await call
            except ApiError as exc:
                errors.append(exc)
    async with SmartGiftClient(sandbox.base_url, ApiKey(secret + "x"),
                               budget=RateBudget()) as wrong:
        with pytest.raises(AuthError) as auth:
            await wrong.list_jobs()
    errors.append(auth.value)
    assert len(errors) == 4
    for exc in errors:
        text = "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)
        assert secret not in text
    assert caplog.records  # requests were logged...
    assert secret not in caplog.text  # ...without the key


def test_redaction_filter_scrubs_a_key_that_slipped_into_a_message() -> None:
    key = ApiKey("sk_live_slipped_through_42")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s", (key.reveal(),), None)
    RedactKeysFilter().filter(record)
    assert "slipped_through" not in record.getMessage()
    assert "<redacted>" in record.getMessage()
