"""The CUPS path's submission: IPP Print-Job carries lp's options, and a CUPS that
wants a login gets lp. Through the real CUPS queue (cups-pdf)."""

from __future__ import annotations

import getpass
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from packstation.printing import ipp
from packstation.printing.cups_path import CupsPath
from packstation.printing.errors import PrintError
from packstation.printing.model import PrinterStopped, PrintRequest, PrintState
from packstation.printing.pdfcheck import check_pdf
from packstation.printing.sheets import printer_test_pdf
from tests.cups import CupsQueue


def job_attributes(server: ipp.CupsServer, printer: str, job_id: int) -> dict[str, list[object]]:
    return server.request(ipp.GET_JOB_ATTRIBUTES, [
        (ipp.URI, "printer-uri", server.printer_uri(printer)),
        (ipp.INTEGER, "job-id", job_id),
        # CUPS shows a job's name to its owner only (JobPrivateValues).
        (ipp.NAME, "requesting-user-name", getpass.getuser()),
        (ipp.KEYWORD, "requested-attributes", ["job-name", "copies", "media", "sides",
                                               "fit-to-page", "job-state"]),
    ])


def request(queue: CupsQueue, title: str, copies: int = 1, duplex: bool = False
            ) -> PrintRequest:
    pdf = check_pdf(printer_test_pdf(queue.name), "The test page")
    return PrintRequest(pdf, queue.name, title, "A5", copies, duplex)


def test_print_job_carries_the_title_copies_media_sides_and_fit(cups_queue: CupsQueue) -> None:
    path = CupsPath()
    receipt = path.submit(request(cups_queue, "Vouchers order ÄB-1", copies=2, duplex=True))
    assert receipt.state is PrintState.SENT and receipt.job_id is not None
    found = job_attributes(path.server, cups_queue.name, receipt.job_id)
    assert found["job-name"] == ["Vouchers order ÄB-1"]
    assert found["copies"] == [2]
    assert found["sides"] == ["two-sided-long-edge"]
    assert found["media"] == ["A5"]
    assert found["fit-to-page"] == [True]


def test_a_title_longer_than_an_ipp_name_is_cut_on_a_character(cups_queue: CupsQueue) -> None:
    path = CupsPath()
    title = "Vouchers order " + "é" * 300  # 615 octets; a name holds 255
    receipt = path.submit(request(cups_queue, title))
    assert receipt.job_id is not None
    name = str(job_attributes(path.server, cups_queue.name, receipt.job_id)["job-name"][0])
    assert title.startswith(name) and len(name.encode()) in (254, 255)


class _LoginWanted(BaseHTTPRequestHandler):
    """CUPS behind a door that asks every Print-Job for a login (or, with ``cut``, passes
    it on and cuts CUPS's answer short); all else passes."""

    cups: ipp.CupsServer
    print_jobs_refused = 0
    cut: bytes | None = None  # the Print-Job answer sent instead of CUPS's

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if int.from_bytes(body[2:4], "big") == ipp.PRINT_JOB and self.cut is None:
            type(self).print_jobs_refused += 1
            self.send_response(401)
            self.send_header("WWW-Authenticate", "Basic realm=\"CUPS\"")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        answer = self.cups._client().post(f"http://localhost{self.path}", content=body,
                                          headers={"Content-Type": "application/ipp"})
        content = answer.content
        if int.from_bytes(body[2:4], "big") == ipp.PRINT_JOB and self.cut is not None:
            content = self.cut or content[:40]
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/ipp")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def address_string(self) -> str:  # a Unix socket has no host
        return "local"

    def log_message(self, *args: object) -> None:
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def login_wanted(cups_queue: CupsQueue, tmp_path: Path) -> Iterator[ipp.CupsServer]:
    _LoginWanted.cups = ipp.CupsServer.from_environment()
    _LoginWanted.print_jobs_refused = 0
    _LoginWanted.cut = None
    socket_path = str(tmp_path / "cups.sock")
    server = _UnixServer(socket_path, _LoginWanted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ipp.CupsServer(socket_path=socket_path)
    finally:
        server.shutdown()
        server.server_close()


def test_a_cups_that_wants_a_login_gets_lp(cups_queue: CupsQueue,
                                           login_wanted: ipp.CupsServer) -> None:
    path = CupsPath(login_wanted)
    receipt = path.submit(request(cups_queue, "Through lp"))
    assert _LoginWanted.print_jobs_refused == 1
    assert receipt.state is PrintState.SENT and receipt.job_id is not None
    # lp (talking to CUPS itself) queued it, with the same options.
    found = job_attributes(ipp.CupsServer.from_environment(), cups_queue.name, receipt.job_id)
    assert found["job-name"] == ["Through lp"] and found["media"] == ["A5"]


def test_a_print_job_cups_refuses_says_why_and_queues_nothing(cups_queue: CupsQueue) -> None:
    server = ipp.CupsServer.from_environment()
    pdf = request(cups_queue, "Nowhere").pdf
    before = cups_queue.last_job_id()
    with pytest.raises(ipp.IppError) as caught:
        server.print_job("No-Such-Queue", "Nowhere", pdf.data, [])
    assert caught.value.status == ipp.NOT_FOUND and "refused" in str(caught.value)
    assert cups_queue.last_job_id() == before


class CountingCups(ipp.CupsServer):
    """The real CUPS, counting the questions put to it."""

    asked: dict[int, int]

    def request(self, operation: int, *args: Any, **kwargs: Any) -> dict[str, list[Any]]:
        self.asked[operation] = self.asked.get(operation, 0) + 1
        return super().request(operation, *args, **kwargs)


def test_a_print_asked_ahead_of_does_not_ask_the_printer_again(cups_queue: CupsQueue) -> None:
    server = CountingCups.from_environment()
    server.asked = {}
    path = CupsPath(server)
    path.look_ahead(cups_queue.name)  # at a scan's first character
    assert server.asked == {ipp.GET_PRINTER_ATTRIBUTES: 1}
    assert path.submit(request(cups_queue, "Asked ahead")).job_id is not None
    assert server.asked == {ipp.GET_PRINTER_ATTRIBUTES: 1, ipp.PRINT_JOB: 1}
    path.submit(request(cups_queue, "Not asked ahead"))  # one look serves one print
    assert server.asked == {ipp.GET_PRINTER_ATTRIBUTES: 2, ipp.PRINT_JOB: 2}


def test_a_printer_stopped_when_asked_ahead_is_asked_again(cups_queue: CupsQueue) -> None:
    server = CountingCups.from_environment()
    server.asked = {}
    path = CupsPath(server)
    cups_queue.stop()
    try:
        path.look_ahead(cups_queue.name)
    finally:
        cups_queue.start()
    receipt = path.submit(request(cups_queue, "Started again"))  # not refused on old news
    assert receipt.state is PrintState.SENT
    assert server.asked[ipp.GET_PRINTER_ATTRIBUTES] == 2


@pytest.mark.parametrize("answer", [b"", b"<html>hello world</html>"], ids=["cut", "html"])
def test_an_unreadable_answer_to_a_print_says_it_may_be_queued(
        cups_queue: CupsQueue, login_wanted: ipp.CupsServer, answer: bytes) -> None:
    """CUPS has taken the job when its answer is lost: no crash, no "nothing printed"."""
    _LoginWanted.cut = answer  # b"": CUPS's own answer cut to 40 bytes
    before = cups_queue.last_job_id()
    with pytest.raises(PrintError) as caught:
        CupsPath(login_wanted).submit(request(cups_queue, "Answer lost"))
    assert "may have been queued" in str(caught.value)
    assert "Nothing was printed" not in str(caught.value)
    assert cups_queue.last_job_id() > before  # it was queued: the message is right


def test_a_printer_stopped_after_it_was_asked_ahead_has_its_job_cancelled(
        cups_queue: CupsQueue) -> None:
    path = CupsPath()
    path.look_ahead(cups_queue.name)  # ready, at the scan's first character
    cups_queue.stop()  # ... and stopped before the Enter (the last job jammed it)
    try:
        receipt = path.submit(request(cups_queue, "Asked ahead, then stopped"))
        with pytest.raises(PrinterStopped, match="cancelled"):
            path.check_after(receipt)
    finally:
        cups_queue.start()
    assert receipt.job_id is not None
    state = job_attributes(path.server, cups_queue.name, receipt.job_id)["job-state"]
    assert state == [ipp.JOB_CANCELED]  # it never comes out once the printer is started


def test_a_printer_whose_name_needs_quoting_in_a_uri_is_printed_to(
        cups_queue: CupsQueue) -> None:
    import subprocess

    name = "Pack%41q"  # "%41" would read as "A" unquoted
    subprocess.run(["lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-m",
                    "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"], check=True, capture_output=True)
    try:
        pdf = request(cups_queue, "Odd name").pdf
        receipt = CupsPath().submit(PrintRequest(pdf, name, "Odd name", "A4", 1, False))
        assert receipt.state is PrintState.SENT and receipt.job_id is not None
    finally:
        subprocess.run(["lpadmin", "-x", name], capture_output=True)
