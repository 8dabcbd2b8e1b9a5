"""A hostile Smart Gift stand-in cannot hang us, drown us, or crash us with one bad value."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from packstation.api import (
    ApiKey,
    BadResponse,
    NetworkError,
    RateBudget,
    RateLimited,
    SmartGiftClient,
)
from packstation.api.limits import Limits
from packstation.api.ratelimit import MAX_WAIT, retry_after_seconds
from packstation.printing.pdf_source import PdfSource
from packstation.printing.pdfcheck import CheckedPdf, NotAPdf, check_pdf, merge_pdfs
from packstation.store.pdf_cache import PdfCache
from tests.hostile import HostileServer, SeenRequest, Wire, gzip_of_zeros, repeated

KEY = "sk_hostile_test_key_0042"
ROOT = Path(__file__).parent.parent


def client_for(server: HostileServer, **limits: float) -> SmartGiftClient:
    return SmartGiftClient(server.base_url, ApiKey(KEY), budget=RateBudget(), backoff=0.01,
                           limits=Limits(**limits))  # type: ignore[arg-type]


def job(job_id: object, **fields: object) -> dict[str, object]:
    return {"id": job_id, "status": "pending", "order_reference": f"ORD-{job_id}",
            "received_at": "2026-11-30 09:00:00", "vouchers": [], **fields}


def run_cli(*argv: str, url: str, config: Path | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process that reports its own peak memory on its last line."""
    # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak across exec into
    # ru_maxrss, so a child of a big pytest process reported pytest's 350 MB.
    code = ("import sys\n"
            "from packstation.cli.main import main\n"
            "status = main(sys.argv[1:])\n"
            "peak = next(line.split()[1] for line in open('/proc/self/status')"
            " if line.startswith('VmHWM:'))\n"
            "print('peak_kb', peak, file=sys.stderr)\n"
            "sys.exit(status)\n")
    env = {**os.environ, "PACKSTATION_API_URL": url, "PACKSTATION_API_KEY": KEY,
           "PYTHONPATH": str(ROOT)}
    if config is not None:
        env["PACKSTATION_CONFIG_DIR"] = str(config)
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                          text=True, timeout=timeout, env=env)


def peak_mb(done: subprocess.CompletedProcess[str]) -> float:
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("peak_kb "), done.stderr
    return int(last.split()[1]) / 1024


# -- deadlines -------------------------------------------------------------------------

async def test_a_server_dripping_one_byte_at_a_time_meets_the_call_deadline() -> None:
    with HostileServer(lambda r, w: w.drip(b"[]" + b" " * 1000, every=0.3)) as server:
        async with client_for(server, deadline=1.0) as client:
            with pytest.raises(NetworkError, match="did not answer within 1 s"):
                await client.list_jobs()
        assert len(server.requests) == 1  # no retry past the deadline either


def test_jobs_list_against_a_dripping_server_exits_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"version": 2,
                                                        "request_deadline": 5}))
    with HostileServer(lambda r, w: w.drip(b"[]" + b" " * 1000, every=1.0)) as server:
        done = run_cli("jobs", "list", url=server.base_url, config=tmp_path)
    assert done.returncode == 5, done.stderr
    assert "did not answer within 5 s" in done.stderr and "Traceback" not in done.stderr


# -- sizes -----------------------------------------------------------------------------

def test_a_100_mb_answer_is_refused_at_the_cap_without_holding_it(tmp_path: Path) -> None:
    def huge(request: SeenRequest, wire: Wire) -> None:
        wire.chunked(repeated(json.dumps(job(1)).encode() + b",", 100 << 20))

    with HostileServer(huge) as server:
        done = run_cli("jobs", "list", url=server.base_url)
    assert done.returncode == 5, done.stderr
    assert "more than the 64 MB" in done.stderr
    print(f"peak memory, 100 MB answer: {peak_mb(done):.0f} MB")
    assert peak_mb(done) < 300  # the cap's 64 MB, once, and the interpreter; not 415 MB


def test_a_gzip_bomb_is_refused_after_the_cap_not_inflated_whole(tmp_path: Path) -> None:
    bomb = gzip_of_zeros(2 << 30)  # 2 GB of zeros in about 2 MB

    def answer(request: SeenRequest, wire: Wire) -> None:
        wire.answer(bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(answer) as server:
        done = run_cli("jobs", "list", url=server.base_url)
    assert done.returncode == 5, done.stderr
    assert "more than the 64 MB" in done.stderr
    print(f"gzip bomb of {len(bomb) / 2**20:.1f} MB: peak memory {peak_mb(done):.0f} MB")
    assert peak_mb(done) < 300


async def test_a_content_length_over_the_cap_is_refused_before_reading() -> None:
    def answer(request: SeenRequest, wire: Wire) -> None:
        wire.head(200, {"Content-Length": str(10 << 30), "Content-Type": "application/json"})

    with HostileServer(answer) as server:
        async with client_for(server, max_json_bytes=1 << 20) as client:
            with pytest.raises(BadResponse, match="10240 MB"):
                await client.list_jobs()


def pdf_of(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_voucher_pdfs_are_capped_in_bytes_and_pages(tmp_path: Path) -> None:
    pdfs = {"/big": pdf_of(1) + b" " * (2 << 20), "/long": pdf_of(21), "/fine": pdf_of(20)}

    def answer(request: SeenRequest, wire: Wire) -> None:
        wire.answer(pdfs[request.path], headers={"Content-Type": "application/pdf"})

    with HostileServer(answer) as server:
        async with client_for(server, max_pdf_bytes=1 << 20) as client:
            source = PdfSource(client, PdfCache(tmp_path))
            with pytest.raises(BadResponse, match="more than the 1 MB"):
                await source.get(f"{server.base_url}/big")
            with pytest.raises(NotAPdf, match="21 pages, more than the 20"):
                await source.get(f"{server.base_url}/long")
            assert (await source.get(f"{server.base_url}/fine")).pages == 20
            assert f"{server.base_url}/long" not in PdfCache(tmp_path)  # never cached


def test_a_job_of_more_than_200_pages_is_not_merged() -> None:
    part = check_pdf(pdf_of(20))
    assert merge_pdfs([part] * 10).pages == 200
    with pytest.raises(NotAPdf, match="201 pages together"):
        merge_pdfs([part] * 10 + [CheckedPdf(pdf_of(1), 1, ((595.0, 842.0),))])


# -- rate-limit headers ----------------------------------------------------------------

async def test_a_retry_after_of_a_million_seconds_is_bounded_and_said(
        caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: SeenRequest, wire: Wire) -> None:
        wire.json({"message": "slow down"}, 429, {"Retry-After": "1000000"})

    with HostileServer(answer) as server:
        async with client_for(server) as client:
            client.max_retries = 0
            with pytest.raises(RateLimited) as caught:
                await client.list_jobs()
            assert caught.value.retry_after == MAX_WAIT == 120
            assert client.budget.blocked_for() <= MAX_WAIT
    assert "asked us to wait 1000000 s" in caplog.text and "at most 120 s" in caplog.text


def test_a_reset_31_years_away_is_bounded() -> None:
    wall = 1_800_000_000.0
    budget = RateBudget(clock=lambda: 100.0, wall_clock=lambda: wall)
    budget._learn({"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0",
                   "x-ratelimit-reset": str(wall + 31 * 365 * 86400)}, 200)
    assert 0 < budget.wait_estimate() <= MAX_WAIT + 1
    assert retry_after_seconds({"retry-after": "1e300"}) == MAX_WAIT
    assert retry_after_seconds({"retry-after": "nan"}) == 1.0  # not a number: the default
    budget._learn({"x-ratelimit-limit": "inf", "x-ratelimit-remaining": "-5"}, 200)
    assert budget.limit == 60  # an infinite limit is no limit we believe


# -- one bad value, one record --------------------------------------------------------

BAD_JOBS = (
    b'[' + json.dumps(job(1)).encode()
    + b',{"id": "\xc2\xb2", "status": "pending"}'  # "²" is a digit to str.isdigit()
    + b',{"id": ' + b"7" * 5000 + b', "status": "pending"}'
    + b',' + json.dumps(job(4, received_at="0001-01-01T00:00:00+05:00")).encode()
    + b',' + json.dumps(job(5, received_at="9999-12-31T23:59:59-05:00")).encode()
    + b',{"id": 6, "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b'}'
    + b',{"id": 7, "vouchers": [{"id": 70, "value": 1e200000000}]}'
    + b',{"id": 10000000000000000000000000000000, "status": "pending"}'
    + b',' + json.dumps(job(9)).encode() + b']')


async def test_each_bad_record_is_named_and_the_good_ones_are_read() -> None:
    with HostileServer(lambda r, w: w.answer(BAD_JOBS)) as server:
        async with client_for(server) as client:
            result = await client.list_jobs()
    assert [j.id for j in result.items] == [1, 9]
    named = [str(p) for p in result.problems]
    assert len(named) == 7, named
    assert any("#6" in n and "nested too deeply" in n for n in named)
    assert any("#7" in n and "number too long" in n for n in named)
    assert any("#4" in n and "received_at" in n for n in named)
    assert any("#5" in n and "received_at" in n for n in named)
    assert sum("out of range" in n or "whole number" in n for n in named) == 2


def test_jobs_list_with_bad_records_exits_0_and_names_them() -> None:
    with HostileServer(lambda r, w: w.answer(BAD_JOBS)) as server:
        done = run_cli("jobs", "list", url=server.base_url)
    assert done.returncode == 0, done.stderr
    assert "ORD-1" in done.stdout and "ORD-9" in done.stdout and "2 jobs" in done.stdout
    assert done.stderr.count("warning: record") == 7 and "Traceback" not in done.stderr


def test_agreements_with_absurd_prices_are_skipped_quickly() -> None:
    agreements = (b'[{"id": 1, "company_name": "Fine Ltd", "price": 3.4},'
                  b'{"id": 2, "company_name": "Huge Ltd", "price": 1e1000000},'
                  b'{"id": 3, "company_name": "Text Ltd", "price": "1e1000000"}]')
    with HostileServer(lambda r, w: w.answer(agreements)) as server:
        done = run_cli("agreements", "list", url=server.base_url, timeout=20)
    assert done.returncode == 0, done.stderr
    assert "Fine Ltd" in done.stdout and "£3.40" in done.stdout
    assert "Huge" not in done.stdout and "Text" not in done.stdout
    assert "#2" in done.stderr and "#3" in done.stderr
    assert len(done.stdout) < 10_000


def test_jobs_pdf_names_a_voucher_whose_link_holds_a_tab(tmp_path: Path) -> None:
    pdf = pdf_of(1)

    def answer(request: SeenRequest, wire: Wire) -> None:
        if request.path.startswith("/fulfilment/jobs"):
            base = f"http://127.0.0.1:{request.headers['host'].split(':')[1]}"
            wire.json([job(1, vouchers=[
                {"id": 10, "pdf_copy": f"{base}/fulfilment/assets/1/voucher-pdf/10/1\tx"},
                {"id": 11, "pdf_copy": f"{base}/fulfilment/assets/1/voucher-pdf/11/1"}])])
        else:
            wire.answer(pdf, headers={"Content-Type": "application/pdf"})

    with HostileServer(answer) as server:
        done = run_cli("jobs", "pdf", "1", "--out", str(tmp_path), url=server.base_url)
    assert done.returncode == 5, done.stderr
    assert "Voucher 10: " in done.stderr and "not a valid address" in done.stderr
    assert "Traceback" not in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["job-1-voucher-11.pdf"]


async def test_a_put_answer_for_another_job_or_status_is_not_taken_as_done() -> None:
    answers = iter([job(999, status="dispatched"), job(2, status="pending")])
    with HostileServer(lambda r, w: w.json(next(answers))) as server:
        async with client_for(server) as client:
            for expected in ("with job 999 'dispatched'", "with job 2 'pending'"):
                with pytest.raises(BadResponse, match=expected):
                    await client.update_job(2, "dispatched", "T-1", retry=False)


# -- server text on the terminal ---------------------------------------------------------

FORGERIES = ["\x1b]0;PWNED\x07Ann", "Bob\x1b[2J\x1b[H", "Cy\rID  STATUS", "Di\u202eKCART",
             "Ed\n99  pending  FORGED-ROW", "Flo\x9b31m"]


def test_server_text_is_shown_as_text_in_the_terminal() -> None:
    jobs = [job(i + 1, delivery_address={"first_name": name, "postcode": "AB1 2CD"})
            for i, name in enumerate(FORGERIES)]
    agreements = [{"id": i + 1, "company_name": name} for i, name in enumerate(FORGERIES)]

    def answer(request: SeenRequest, wire: Wire) -> None:
        if request.method == "PUT":
            wire.json({"message": "Refused \x1b[31mred\x1b[0m\u202e"}, 422)
        elif request.path.startswith("/fulfilment/jobs"):
            wire.json(jobs)
        elif request.path.startswith("/fulfilment/agreements"):
            wire.json(agreements)

    with HostileServer(answer) as server:
        listed = run_cli("jobs", "list", url=server.base_url)
        offered = run_cli("agreements", "list", url=server.base_url)
        refused = run_cli("agreements", "terminate", "1", url=server.base_url)
    for done, rows in ((listed, len(jobs)), (offered, len(agreements))):
        assert done.returncode == 0, done.stderr
        shown = done.stdout
        assert not any(c in shown for c in "\x1b\x07\r\u202e\x9b"), shown
        assert "\\x1b]0;PWNED\\x07Ann" in shown and "Di\\u202eKCART" in shown
        assert len(shown.splitlines()) == rows + 2  # header, one line per record, total
    assert refused.returncode == 4 and "\\x1b[31mred" in refused.stderr
    assert "\x1b" not in refused.stderr and "\u202e" not in refused.stderr
