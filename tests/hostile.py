"""A Smart Gift stand-in on loopback that answers as a test tells it: slowly, hugely, wrongly.

Each connection runs the test's ``answer(request, wire)`` in its own thread; the
answer writes whatever bytes it likes through ``wire`` (headers, a body dripped
a byte at a time, a chunked stream with no end, a gzip bomb). Every request is
recorded with its headers, so a test can also say what the client sent.
"""

from __future__ import annotations

import json
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Wire:
    sock: socket.socket
    stopping: threading.Event

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def head(self, status: int = 200, headers: dict[str, str] | None = None) -> bool:
        lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
        return self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def answer(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None,
               ) -> bool:
        return self.head(status, {"Content-Type": "application/json",
                                  "Content-Length": str(len(body)), **(headers or {})}) \
            and self.send(body)

    def json(self, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> bool:
        return self.answer(json.dumps(value).encode(), status, headers)

    def drip(self, body: bytes, every: float) -> None:
        """``body`` one byte per ``every`` seconds, after a Content-Length that promises it."""
        self.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
        for byte in body:
            if self.stopping.wait(every) or not self.send(bytes([byte])):
                return

    def chunked(self, chunks: Iterator[bytes], headers: dict[str, str] | None = None) -> None:
        """A chunked body with no length given: the client learns its size by reading it."""
        self.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked",
                        **(headers or {})})
        for chunk in chunks:
            if self.stopping.is_set() or not self.send(b"%x\r\n%s\r\n" % (len(chunk), chunk)):
                return
        self.send(b"0\r\n\r\n")


Answer = Callable[[SeenRequest, Wire], None]


@dataclass
class HostileServer:
    answer: Answer
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stopping = threading.Event()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            reader = sock.makefile("rb")
            while not self.stopping.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                self.answer(request, Wire(sock, self.stopping))

    def close(self) -> None:
        self.stopping.set()
        self._listener.close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_request(reader: Any) -> SeenRequest | None:
    try:
        line = reader.readline(65536).decode("latin-1").strip()
        if not line:
            return None
        method, target, _ = line.split(" ", 2)
        headers: dict[str, str] = {}
        while (header := reader.readline(65536).decode("latin-1").strip()):
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        return SeenRequest(method, target, headers, body)
    except (OSError, ValueError):
        return None


def repeated(piece: bytes, total: int) -> Iterator[bytes]:
    """``total`` bytes made of ``piece`` over and over, in 1 MB chunks, never all in memory."""
    chunk = piece * max(1, (1 << 20) // len(piece))
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)


def gzip_of_zeros(size: int) -> bytes:
    """A gzip stream that inflates to ``size`` zero bytes (a 'bomb': ~1,000 to 1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    parts.append(packer.flush())
    return b"".join(parts)
