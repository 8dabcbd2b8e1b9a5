"""The key goes only to the configured origin, only over HTTPS (or loopback), and never
shows up in logs, exceptions, reprs or files."""

from __future__ import annotations

import ipaddress
import logging
import os
import pickle
import socket
import ssl
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from packstation.api import (
    ApiError,
    ApiKey,
    AuthError,
    BadResponse,
    ConfigError,
    NetworkError,
    RateBudget,
    SmartGiftClient,
)
from packstation.api.errors import CertificateRefused
from packstation.api.secret import RedactKeysFilter, check_base_url
from packstation.sandbox import DEMO_KEY, SandboxServer
from tests.hostile import HostileServer, SeenRequest, Wire


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


@pytest.mark.parametrize("url", ["http://ip6-localhost:8765", "http://localhost.localdomain:1",
                                 "http://localhost.:1", "http://127.1:8765",
                                 "http://[::ffff:127.0.0.1]:1", "http://0x7f000001:1"])
def test_plain_http_loopback_is_decided_without_dns(url: str) -> None:
    """Only literal loopback addresses and the name localhost: anything else is whatever
    /etc/hosts or DNS say it is, and the key would follow."""
    with pytest.raises(ConfigError, match="HTTPS"):
        check_base_url(url)


TRACEBACK_KEY = "sk_live_traceback_locals_31337"  # not a local: the test's own frame shows


async def test_the_key_is_in_no_traceback_even_with_locals() -> None:
    failures: list[BaseException] = []
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with SmartGiftClient(f"http://127.0.0.1:{port}", ApiKey(TRACEBACK_KEY),
                               budget=RateBudget(),
                               max_retries=0) as client:
        for call in (client.list_jobs(), client.update_job(1, "dispatched", "T-1"),
                     client.download_pdf(f"http://127.0.0.1:{port}/x.pdf")):
            try:
                await call
            except ApiError as exc:
                failures.append(exc)
    assert len(failures) == 3 and all(isinstance(f, NetworkError) for f in failures)
    for failure in failures:
        shown = "".join(traceback.TracebackException.from_exception(
            failure, capture_locals=True).format())
        assert "_send_once" in shown  # the frames are there, with their locals...
        assert TRACEBACK_KEY not in shown  # ...and not the key


def test_a_server_echoing_the_key_is_redacted_everywhere_we_keep_it(data_dir: Path) -> None:
    secret = "sk_live_echoed_back_to_us_777"

    def echo(request: SeenRequest, wire: Wire) -> None:
        heard = request.headers.get("smart-auth", "")
        wire.json({"message": f"Key {heard} may not dispatch this job",
                   "errors": {"tracking_reference": [f"{heard} is not allowed"]}}, 422)

    env = {"PACKSTATION_API_KEY": secret}
    with HostileServer(echo) as server:
        env["PACKSTATION_API_URL"] = server.base_url
        dispatched = cli_child(env, "jobs", "dispatch", "--as-is", "3", "--tracking", "T-3")
        listed = cli_child(env, "outbox", "list")
        listed_json = cli_child(env, "outbox", "list", "--json")
        assert server.requests[0].headers["smart-auth"] == secret  # it really was echoed
    assert dispatched.returncode == 4
    assert "may not dispatch" in dispatched.stderr and "<redacted>" in dispatched.stderr
    for done in (dispatched, listed, listed_json):
        assert secret not in done.stdout + done.stderr
    assert "<redacted>" in listed.stdout and "<redacted>" in listed_json.stdout
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files  # the outbox's database is there...
    for path in files:
        assert secret.encode() not in path.read_bytes()  # ...without the key


def cli_child(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "packstation", *argv], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **env})


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PACKSTATION_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


class SelfSignedServer:
    """HTTPS on loopback with a certificate nobody vouches for; counts the connections."""

    def __init__(self, directory: Path) -> None:
        cert, key = directory / "cert.pem", directory / "key.pem"
        _self_signed(cert, key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._context = context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self._listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                with self._context.wrap_socket(sock, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    def close(self) -> None:
        self._listener.close()


def _self_signed(cert: Path, key: Path) -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


async def test_a_self_signed_certificate_is_refused_once_and_said(tmp_path: Path) -> None:
    server = SelfSignedServer(tmp_path)
    try:
        async with SmartGiftClient(server.url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   backoff=0.01) as client:
            with pytest.raises(CertificateRefused) as caught:
                await client.list_jobs()
    finally:
        server.close()
    assert "certificate" in str(caught.value) and "127.0.0.1" in str(caught.value)
    assert "key was not sent" in str(caught.value)
    assert server.connections == 1  # not retried: it will not fix itself
