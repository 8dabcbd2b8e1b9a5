"""A hostile server's encodings: lone surrogates, bytes that are not UTF-8, cut or unusual
compression, a key echoed back in a good answer, and time spread over many downloads."""

from __future__ import annotations

import gzip
import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from packstation.api.models import tracking_problem
from packstation.api.pos import is_email
from tests.hostile import HostileServer, SeenRequest, Wire
from tests.test_hostile_server import KEY, job, pdf_of, run_cli

SURROGATE_422 = (b'{"message": "bad \\ud800 reference",'
                 b' "errors": {"tracking_reference": ["\\udfff"]}}')


def outbox_states(data: Path) -> list[tuple[str, str]]:
    [db] = data.glob("*.sqlite3")
    with sqlite3.connect(db) as connection:
        return list(connection.execute("SELECT state, last_error FROM outbox"))


def test_a_lone_surrogate_in_a_refusal_is_stored_and_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_DATA_DIR", str(tmp_path))
    with HostileServer(lambda r, w: w.answer(SURROGATE_422, 422)) as server:
        refused = run_cli("jobs", "dispatch", "--as-is", "1", "--tracking", "TRK1",
                          url=server.base_url)
        listed = run_cli("outbox", "list", url=server.base_url)
    assert refused.returncode == 4 and "bad \ufffd reference" in refused.stderr  # not exit 1
    assert outbox_states(tmp_path) == [("attention", "bad \ufffd reference")]  # settled
    assert listed.returncode == 0 and "attention" in listed.stdout


def test_a_lone_surrogate_in_an_order_refusal_is_a_refusal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_DATA_DIR", str(tmp_path))
    order = tmp_path / "order.json"
    order.write_text(json.dumps({
        "items": [{"id": 1, "price": 10.0}], "customer": {"email": "a@example.com"},
        "delivery": {"method": 1, "email": "b@example.com"}, "payment_method": 1}))
    with HostileServer(lambda r, w: w.answer(SURROGATE_422, 422)) as server:
        first = run_cli("pos-sale", "--file", str(order), url=server.base_url)
        again = run_cli("pos-sale", "--file", str(order), url=server.base_url)
    assert first.returncode == 4 and "\ufffd" in first.stderr
    assert again.returncode == 4 and "no answer came back" not in again.stderr  # not "unknown"


def test_a_reference_that_is_not_utf8_is_refused_before_saving() -> None:
    assert tracking_problem("TRK\udcff")  # what Python makes of the byte 0xFF in argv
    with HostileServer(lambda r, w: w.json({})) as server:
        done = run_cli("jobs", "dispatch", "--as-is", "1", "--tracking", "TRK\udcff",
                       url=server.base_url)
        assert server.requests == []
    assert done.returncode == 4 and "Nothing was saved" in done.stderr


def test_a_key_echoed_at_the_end_of_a_long_message_is_redacted_before_the_cut() -> None:
    def echo(request: SeenRequest, wire: Wire) -> None:
        wire.json({"message": "x" * 1990 + request.headers["smart-auth"]}, 422)

    with HostileServer(echo) as server:
        done = run_cli("agreements", "terminate", "1", url=server.base_url)
    assert done.returncode == 4 and KEY[:8] not in done.stderr and "<redacted>" in done.stderr


def test_a_key_echoed_in_a_good_answer_is_kept_nowhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_DATA_DIR", str(tmp_path))

    def echo(request: SeenRequest, wire: Wire) -> None:
        wire.json(job(1, status="dispatched", tracking_reference="T1",
                      customer_name=request.headers["smart-auth"]))

    with HostileServer(echo) as server:
        done = run_cli("jobs", "dispatch", "--as-is", "1", "--tracking", "T1", url=server.base_url)
    assert done.returncode == 0, done.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes()


@pytest.mark.parametrize(("encode", "ok"), [
    (lambda b: gzip.compress(b)[:-20], False),  # cut before its checksum
    (lambda b: gzip.compress(b[:50]) + gzip.compress(b[50:]), True),  # two gzip members
    (lambda b: zlib.compress(b)[2:-4], True),  # raw deflate, as some proxies send it
    (lambda b: zlib.compress(b), True),  # deflate as the standard says
], ids=["cut-gzip", "multi-member-gzip", "raw-deflate", "zlib-deflate"])
def test_compressed_answers_are_read_whole_or_refused(encode: object, ok: bool) -> None:
    body = json.dumps([job(1), job(2)]).encode()
    data = encode(body)  # type: ignore[operator]
    kind = "gzip" if data[:2] == b"\x1f\x8b" else "deflate"
    with HostileServer(lambda r, w: w.answer(data, headers={"Content-Encoding": kind})) as server:
        done = run_cli("jobs", "list", url=server.base_url)
    if ok:
        assert done.returncode == 0 and "2 jobs" in done.stdout, done.stderr
    else:
        assert done.returncode == 5 and "cut off" in done.stderr


def test_a_record_with_bytes_that_are_not_utf8_is_the_only_one_skipped() -> None:
    body = b'[{"id": 1, "status": "pend\xff"}, ' + json.dumps(job(2)).encode() + b"]"
    with HostileServer(lambda r, w: w.answer(body)) as server:
        done = run_cli("jobs", "list", url=server.base_url)
    assert done.returncode == 0 and "ORD-2" in done.stdout and "1 job" in done.stdout
    assert "record #1 skipped" in done.stderr


def test_an_email_check_takes_no_time_on_a_hostile_address() -> None:
    assert is_email("ann@example.co.uk") and not is_email("ann@example")
    hostile = "a@" + "a." * 200_000 + "@"  # minutes for the old regular expression
    assert not is_email(hostile) and not is_email("a@b." + "c" * 300)


def test_jobs_pdf_is_bounded_as_a_whole_not_per_download(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"version": 2, "request_deadline": 5}')
    pdf = pdf_of(1)

    def answer(request: SeenRequest, wire: Wire) -> None:
        if request.path.startswith("/fulfilment/jobs"):
            base = f"http://{request.headers['host']}"
            wire.json([job(1, vouchers=[
                {"id": n, "pdf_copy": f"{base}/fulfilment/assets/1/voucher-pdf/{n}/1"}
                for n in range(10, 14)])])
        else:
            wire.drip(pdf, every=1.0)  # each PDF would take minutes

    with HostileServer(answer) as server:
        done = run_cli("jobs", "pdf", "1", "--out", str(tmp_path / "out"),
                       url=server.base_url, config=tmp_path)
    assert done.returncode == 5
    assert done.stderr.count("ran out") >= 2  # the others were not even started
