"""What the sandbox's fake services share: a JSON answering handler on HTTP/1.1 with
keep-alive, a threading server that takes a hang-up calmly, and start/stop on a thread.
Standard library only."""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

log = logging.getLogger("packstation.sandbox")


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An answer leaves in one write (headers and body), flushed when it is whole: written
    # apart, the body's small second segment waited ~40 ms for the client's delayed ACK.
    wbufsize = -1

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def hang_up(self) -> None:
        """The connection closed with no answer (a dropped line, or a lost one)."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, json.dumps(body, ensure_ascii=False).encode(),
                      "application/json", headers)

    def send_raw(self, status: int, raw: bytes, content_type: str,
                 headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8"
                         if content_type != "application/pdf" else content_type)
        self.send_header("Content-Length", str(len(raw)))
        if self.close_connection:  # a body left unread: tell the client not to reuse this
            self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up (a window closing, a test ending) is not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class Serving:
    """A fake service on loopback: ``base_url``, ``port``; start, stop, or ``with``."""

    thread_name = "packstation-sandbox"

    def __init__(self, httpd: QuietServer) -> None:
        self._httpd = httpd
        bound_host, bound_port = httpd.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else bound_host
        self.base_url = f"http://{host_text}:{bound_port}"
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"  # never its key

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        self._httpd.server_close()

    def stop(self) -> None:
        self._httpd.shutdown()
        self.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
