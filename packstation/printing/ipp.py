"""Just enough IPP (RFC 8010) to print on CUPS and ask how a printer and a job really are.

``lpstat`` cannot tell a completed job from a cancelled one, nor a paused
printer from a busy one in a stable format; IPP's ``job-state`` and
``printer-state`` can. Implemented: Print-Job (a PDF in the request, as ``lp``
sends it without a process to start), a printer's and a job's state, and (CUPS's
own operations) its printers and its default one.
"""

from __future__ import annotations

import getpass
import os
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import httpx

PRINT_JOB: Final = 0x0002
GET_PRINTER_ATTRIBUTES: Final = 0x000B
GET_JOB_ATTRIBUTES: Final = 0x0009
CUPS_GET_DEFAULT: Final = 0x4001
CUPS_GET_PRINTERS: Final = 0x4002
NOT_FOUND: Final = 0x0406  # client-error-not-found
# client-error-forbidden, -not-authenticated, -not-authorized: lp can log in, we do not
NEEDS_LOGIN: Final = frozenset({0x0401, 0x0402, 0x0403})
UNREAD: Final = -1  # ours: the answer could not be read (the job may be queued)

_OPERATION_TAG, _JOB_TAG, _END_TAG = 0x01, 0x02, 0x03
INTEGER, BOOLEAN, _ENUM = 0x21, 0x22, 0x23
URI, _CHARSET, _LANGUAGE, KEYWORD = 0x45, 0x47, 0x48, 0x44
NAME, _MIME_TYPE = 0x42, 0x49
NAME_LIMIT: Final = 255  # octets in an IPP name (RFC 8011 5.1.3)
PRINT_DEADLINE: Final = 30.0  # seconds for CUPS to take a job, as lp was given

# printer-state
PRINTER_IDLE, PRINTER_PROCESSING, PRINTER_STOPPED = 3, 4, 5
# job-state
JOB_PENDING, JOB_HELD, JOB_PROCESSING, JOB_STOPPED = 3, 4, 5, 6
JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = 7, 8, 9


class IppError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def _group(attributes: list[tuple[int, str, Any]]) -> bytes:
    body = b""
    for tag, name, value in attributes:
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            data = (struct.pack(">i", item) if tag in (INTEGER, _ENUM)
                    else b"\x01" if tag == BOOLEAN and item
                    else b"\x00" if tag == BOOLEAN else str(item).encode())
            body += _attribute(tag, name if index == 0 else "", data)
    return body


def encode_request(operation: int, request_id: int, attributes: list[tuple[int, str, Any]],
                   job: list[tuple[int, str, Any]] | None = None) -> bytes:
    body = struct.pack(">BBHI", 2, 0, operation, request_id) + bytes([_OPERATION_TAG])
    body += _attribute(_CHARSET, "attributes-charset", b"utf-8")
    body += _attribute(_LANGUAGE, "attributes-natural-language", b"en")
    body += _group(attributes)
    if job:
        body += bytes([_JOB_TAG]) + _group(job)
    return body + bytes([_END_TAG])


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name anywhere: CUPS would say "anonymous"
        return "packstation"


def ipp_name(text: str) -> str:
    """``text`` cut to an IPP name's 255 octets on a character boundary."""
    return text.encode()[:NAME_LIMIT].decode(errors="ignore")


def decode_response(data: bytes) -> tuple[int, dict[str, list[Any]]]:
    """(status-code, attributes of all groups by name); IppError for what is no IPP."""
    try:
        return _decode(data)
    except (struct.error, IndexError):
        raise IppError("CUPS sent an answer that is not IPP, or cut short.") from None


def _decode(data: bytes) -> tuple[int, dict[str, list[Any]]]:
    if len(data) < 9:
        raise IppError("CUPS sent a truncated answer.")
    status = struct.unpack(">H", data[2:4])[0]
    attributes: dict[str, list[Any]] = {}
    position, last = 8, ""
    while position < len(data):
        tag = data[position]
        position += 1
        if tag == _END_TAG:
            break
        if tag < 0x10:  # a group delimiter
            continue
        (name_length,) = struct.unpack(">H", data[position:position + 2])
        name = data[position + 2:position + 2 + name_length].decode("utf-8", "replace")
        position += 2 + name_length
        (value_length,) = struct.unpack(">H", data[position:position + 2])
        raw = data[position + 2:position + 2 + value_length]
        position += 2 + value_length
        value: Any
        if tag in (INTEGER, _ENUM) and value_length == 4:
            value = struct.unpack(">i", raw)[0]
        elif tag == BOOLEAN:
            value = raw == b"\x01"
        else:
            value = raw.decode("utf-8", "replace")
        last = name or last
        attributes.setdefault(last, []).append(value)
    return status, attributes


@dataclass
class CupsServer:
    """Where CUPS listens: ``CUPS_SERVER`` (host[:port] or a socket path), else localhost."""

    host: str = "localhost"
    port: int = 631
    socket_path: str | None = None
    _http: httpx.Client | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _client(self) -> httpx.Client:
        # One client, kept: building one (and its SSL context) costs ~50 ms, more than
        # the whole print. httpx clients may be shared between threads.
        with self._lock:
            if self._http is None:
                transport = httpx.HTTPTransport(uds=self.socket_path) if self.socket_path \
                    else None
                self._http = httpx.Client(transport=transport, timeout=5.0)
            return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    @classmethod
    def from_environment(cls) -> CupsServer:
        server = os.environ.get("CUPS_SERVER", "")
        if server.startswith("/"):
            return cls(socket_path=server)
        if server:
            host, _, port = server.partition(":")
            return cls(host=host, port=int(port or 631))
        if os.path.exists("/run/cups/cups.sock"):
            return cls(socket_path="/run/cups/cups.sock")
        return cls()

    def printer_uri(self, printer: str) -> str:
        return f"ipp://localhost/printers/{quote(printer, safe='')}"

    def request(self, operation: int, attributes: list[tuple[int, str, Any]],
                job: list[tuple[int, str, Any]] | None = None, document: bytes = b"",
                path: str = "/", timeout: float = 5.0) -> dict[str, list[Any]]:
        url = f"http://{self.host}:{self.port}{path}"
        body = encode_request(operation, 1, attributes, job) + document
        try:
            response = self._client().post(url, content=body, timeout=timeout,
                                           headers={"Content-Type": "application/ipp"})
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing reached CUPS
            raise IppError(f"The print service (CUPS) is not answering ({type(exc).__name__}).") \
                from None
        except httpx.HTTPError as exc:  # it may have been taken before the answer was lost
            raise IppError(f"The print service (CUPS) did not answer ({type(exc).__name__}); "
                           "it may have taken the request.", UNREAD) from None
        if response.status_code == 401:
            raise IppError("The print service (CUPS) wants a login.", 0x0402)
        if response.status_code != 200:
            raise IppError(f"The print service (CUPS) answered HTTP {response.status_code}.")
        try:
            status, found = decode_response(response.content)
        except IppError as exc:
            raise IppError(str(exc), UNREAD) from None
        if status >= 0x0400:
            said = str((found.get("status-message") or [""])[0])[:200]
            raise IppError(f"The print service (CUPS) refused it (IPP 0x{status:04x}"
                           f"{': ' + said if said else ''}).", status)
        return found

    def print_job(self, printer: str, title: str, document: bytes,
                  job: list[tuple[int, str, Any]]) -> int:
        """Print-Job: ``document`` (a PDF) queued on ``printer``; CUPS's job id. A lost or
        unreadable answer may follow a queued job: IppError with status UNREAD."""
        found = self.request(PRINT_JOB, [
            (URI, "printer-uri", self.printer_uri(printer)),
            (NAME, "requesting-user-name", ipp_name(_user())),
            (NAME, "job-name", ipp_name(title)),
            (_MIME_TYPE, "document-format", "application/pdf"),
        ], job, document, path=f"/printers/{quote(printer, safe='')}", timeout=PRINT_DEADLINE)
        job_id = (found.get("job-id") or [None])[0]
        if not isinstance(job_id, int) or job_id <= 0:
            raise IppError("The print service (CUPS) answered the print without a job id.",
                           UNREAD)
        return job_id

    def printer_attributes(self, printer: str) -> dict[str, list[Any]]:
        return self.request(GET_PRINTER_ATTRIBUTES, [
            (URI, "printer-uri", self.printer_uri(printer)),
            (KEYWORD, "requested-attributes", ["printer-state", "printer-state-reasons",
                                                "printer-is-accepting-jobs",
                                                "printer-state-message"]),
        ])

    def job_attributes(self, printer: str, job_id: int) -> dict[str, list[Any]]:
        return self.request(GET_JOB_ATTRIBUTES, [
            (URI, "printer-uri", self.printer_uri(printer)),
            (INTEGER, "job-id", job_id),
            (KEYWORD, "requested-attributes", ["job-state", "job-state-reasons",
                                                "job-printer-state-message"]),
        ])

    def printer_names(self) -> list[str]:
        """Every queue CUPS has (CUPS-Get-Printers), in its order."""
        try:
            found = self.request(CUPS_GET_PRINTERS, [
                (KEYWORD, "requested-attributes", ["printer-name"])])
        except IppError as exc:
            if exc.status == NOT_FOUND:  # no printers at all
                return []
            raise
        return [str(name) for name in found.get("printer-name", [])]

    def default_printer(self) -> str:
        """CUPS's default queue, or "" when there is none (CUPS-Get-Default)."""
        try:
            found = self.request(CUPS_GET_DEFAULT, [
                (KEYWORD, "requested-attributes", ["printer-name"])])
        except IppError as exc:
            if exc.status == NOT_FOUND:
                return ""
            raise
        return str((found.get("printer-name") or [""])[0])
