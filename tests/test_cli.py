"""Every CLI command and exit code, against the sandbox over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pypdf
import pytest

from packstation import __version__
from packstation.cli.main import main
from packstation.sandbox import DEMO_KEY, SandboxServer

Run = tuple[int, str, str]


@pytest.fixture
def cli(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PACKSTATION_API_URL", sandbox.base_url)
    monkeypatch.setenv("PACKSTATION_API_KEY", DEMO_KEY)

    def run(*argv: str) -> Run:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_jobs_list_human_and_json(cli, sandbox: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("jobs", "list", "--status", "pending")
    assert code == 0 and "ORDER" in out and "pending" in out
    code, out, _ = cli("jobs", "list", "--json")
    jobs = json.loads(out)
    assert code == 0 and len(jobs) == 40
    assert jobs[0]["vouchers"][0]["pdf_copy"].startswith(sandbox.base_url)
    code, out, _ = cli("jobs", "list", "--after", "2000-01-01", "--json")
    assert code == 0 and len(json.loads(out)) == 40
    code, _, err = cli("jobs", "list", "--after", "last tuesday")
    assert code == 2 and "not a date" in err


def test_dispatch_set_status_and_rejections(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("jobs", "dispatch", "--as-is", "1", "--tracking", "JD0001GB")
    assert code == 0 and "dispatched" in out and "JD0001GB" in out
    code, out, _ = cli("jobs", "set-status", "1", "delivered")
    assert code == 0 and "delivered" in out
    code, _, err = cli("jobs", "set-status", "999999", "cancelled")
    assert code == 4 and "404" in err
    code, _, err = cli("jobs", "dispatch", "--as-is", "1", "--tracking", "x" * 300)
    assert code == 4 and "255" in err and "Traceback" not in err


def test_dispatch_sends_the_carriers_number_read_from_the_label(  # type: ignore[no-untyped-def]
        cli, sandbox: SandboxServer) -> None:
    code, out, _ = cli("jobs", "dispatch", "7", "--tracking", "%SW1A1AA15501234567890101826")
    assert code == 0 and "DPD tracking number 15501234567890" in out
    assert "read from %SW1A1AA" in out
    assert sandbox.state.job(7)["tracking_reference"] == "15501234567890"  # type: ignore[index]


@pytest.mark.parametrize(("raw", "words"), [
    ("RB123456786GB", "MISREAD"),
    ("5901234123457", "EAN-13 product code"),
    ("NOT-A-FORMAT-42", "no tracking number format we know"),
])
def test_dispatch_refuses_what_is_no_tracking_number_unless_as_is(  # type: ignore[no-untyped-def]
        cli, sandbox: SandboxServer, raw: str, words: str) -> None:
    code, _, err = cli("jobs", "dispatch", "8", "--tracking", raw)
    assert code == 4 and words in err and "--as-is" in err and "Nothing was saved" in err
    assert sandbox.state.job(8)["status"] == "pending"  # type: ignore[index]
    code, _, _ = cli("jobs", "dispatch", "8", "--tracking", raw, "--as-is")
    assert code == 0 and sandbox.state.job(8)["tracking_reference"] == raw  # type: ignore[index]


def test_dispatch_with_no_tracking_is_untracked(cli, sandbox: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("jobs", "dispatch", "9")
    assert code == 0 and "dispatched" in out
    job = sandbox.state.job(9)
    assert job and job["status"] == "dispatched" and job["tracking_reference"] is None


def test_usage_error_is_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        cli("jobs", "set-status", "1", "pending")
    assert caught.value.code == 2


def test_jobs_pdf_writes_every_voucher(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("jobs", "list", "--json")
    job = next(j for j in json.loads(out) if len(j["vouchers"]) > 1)
    code, out, _ = cli("jobs", "pdf", str(job["id"]), "--out", str(tmp_path))
    assert code == 0
    files = sorted(tmp_path.glob("*.pdf"))
    assert len(files) == len(job["vouchers"])
    for voucher in job["vouchers"]:
        text = pypdf.PdfReader(tmp_path / f"job-{job['id']}-voucher-{voucher['id']}.pdf"
                               ).pages[0].extract_text()
        assert voucher["code"] in text


def test_jobs_pdf_not_ready(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    with SandboxServer(pdf_delay=600) as sandbox:
        monkeypatch.setenv("PACKSTATION_API_URL", sandbox.base_url)
        monkeypatch.setenv("PACKSTATION_API_KEY", DEMO_KEY)
        code = main(["jobs", "pdf", "1", "--out", str(tmp_path), "--wait", "0"])
    err = capsys.readouterr().err
    assert code == 5 and "not ready yet" in err
    assert not list(tmp_path.glob("*.pdf"))


def test_agreements_commands(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("agreements", "list", "--status", "new", "--json")
    new = json.loads(out)
    assert code == 0 and new and all(a["status_text"] == "new" for a in new)
    code, out, _ = cli("agreements", "list")
    assert code == 0 and "not set" in out
    code, out, _ = cli("agreements", "price", str(new[0]["id"]), "--price", "3.40",
                       "--type", "per_item")
    assert code == 0 and "£3.40 per item" in out and "sent" in out
    code, _, err = cli("agreements", "price", str(new[0]["id"]), "--price", "abc",
                       "--type", "per_item")
    assert code == 4 and "not an amount" in err
    code, out, _ = cli("agreements", "price", str(new[1]["id"]), "--price", "£1,250.00",
                       "--type", "per_order")  # as the window reads it
    assert code == 0 and "£1,250.00 per order" in out
    code, out, _ = cli("agreements", "terminate", str(new[0]["id"]), "--reason", "Retiring")
    assert code == 0 and "cancelled" in out
    code, _, err = cli("agreements", "terminate", str(new[0]["id"]), "--reason", "again")
    assert code == 4 and "already been terminated" in err


def test_pos_sale_from_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    order = {"items": [{"id": 1, "price": 100.00, "code": "CLICODE1"}],
             "customer": {"email": "customer@example.com"},
             "delivery": {"method": 1, "email": "recipient@example.com"},
             "payment_method": 1}
    path = tmp_path / "order.json"
    path.write_text(json.dumps(order))
    code, out, _ = cli("pos-sale", "--file", str(path), "--json")
    assert code == 0 and json.loads(out)["voucher_codes"] == ["CLICODE1"]
    # Sent before: the station's log notices before Smart Gift is asked again.
    code, _, err = cli("pos-sale", "--file", str(path))
    assert code == 4 and "already created" in err and "--again" in err
    code, _, err = cli("pos-sale", "--file", str(path), "--again")
    assert code == 4 and "already been taken" in err  # Smart Gift's own 422
    path.write_text("{not json")
    code, _, err = cli("pos-sale", "--file", str(path))
    assert code == 2 and "not valid JSON" in err


def test_auth_and_network_exit_codes(cli, monkeypatch: pytest.MonkeyPatch,
                                     sandbox: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PACKSTATION_API_KEY", "sk_wrong")
    code, _, err = cli("jobs", "list")
    assert code == 3 and "did not accept the API key" in err and "sk_wrong" not in err
    monkeypatch.setenv("PACKSTATION_API_KEY", DEMO_KEY)
    sandbox.faults.inject("500", 10)
    code, _, err = cli("jobs", "list")
    assert code == 5 and "unable to process" in err and "Traceback" not in err
    monkeypatch.setenv("PACKSTATION_API_URL", "http://api.smart-gift.co.uk")
    code, _, err = cli("jobs", "list")
    assert code == 2 and "HTTPS" in err


def test_no_key_is_exit_3(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PACKSTATION_API_KEY")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    code, _, err = cli("jobs", "list")
    assert code == 3 and "keyring" in err.lower(), err


def test_verbose_logs_requests_not_the_key(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("-v", "agreements", "list")
    assert code == 0
    assert "GET /fulfilment/agreements -> 200 in" in err
    assert DEMO_KEY not in err


def test_module_entry_point_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "packstation", "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("packstation ")
    result = subprocess.run([sys.executable, "-m", "packstation", "--demo", "jobs", "list",
                             "--status", "cancelled"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PACKSTATION_API_KEY": ""})
    assert result.returncode == 0 and "cancelled" in result.stdout


def test_sandbox_command_serves(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "packstation", "sandbox", "--port",
                             str(port), "--jobs", "5", "--seed", "3"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()  # printed once it is listening
        assert f"127.0.0.1:{port}" in banner
        result = subprocess.run(
            [sys.executable, "-m", "packstation", "--api-url", f"http://127.0.0.1:{port}",
             "jobs", "list", "--json"], capture_output=True, text=True, timeout=60,
            env={**os.environ, "PACKSTATION_API_KEY": DEMO_KEY})
        assert result.returncode == 0 and len(json.loads(result.stdout)) == 5
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_print_commands_through_cups(cli, cups_queue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("printers")
    assert code == 0 and cups_queue.name in out and "idle" in out
    code, out, _ = cli("printers", "assign", "labels", cups_queue.name, "--size", "62x100mm")
    assert code == 0
    code, out, _ = cli("printers")
    assert "labels" in out
    code, out, err = cli("jobs", "print", "1", "--printer", cups_queue.name, "--wait")
    assert code == 0, err
    assert "spooler job" in out and "printed" in out
    code, out, _ = cli("jobs", "print", "1", "--label", "--wait")
    assert code == 0 and "address label" in out
    code, out, _ = cli("prints", "list", "--json")
    records = json.loads(out)
    assert [r["kind"] for r in records] == ["labels", "vouchers"]
    assert all(r["outcome"] == "printed" for r in records)
    code, out, _ = cli("prints", "reprint", str(records[1]["id"]))
    assert code == 0 and "Reprinted" in out
    cups_queue.stop()
    try:
        code, _, err = cli("jobs", "print", "1", "--printer", cups_queue.name)
    finally:
        cups_queue.start()
    assert code == 7 and "stopped" in err and "Traceback" not in err
    code, _, err = cli("jobs", "print", "1", "--printer", "No-Such-Printer")
    assert code == 7 and "No-Such-Printer" in err


def test_dispatch_goes_through_the_outbox(cli, sandbox: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    sandbox.faults.retry_after = 60  # Smart Gift busy for a minute: beyond the short wait
    sandbox.faults.inject("503", 3)
    code, out, _ = cli("jobs", "dispatch", "--as-is", "2", "--tracking", "SAVED-1")
    assert code == 6 and "Saved, not confirmed yet" in out
    code, out, _ = cli("outbox", "list", "--json")
    [entry] = json.loads(out)
    assert (entry["job_id"], entry["tracking_reference"], entry["state"]) == (
        2, "SAVED-1", "pending")
    # A different reference for the same job needs confirming...
    code, _, err = cli("jobs", "dispatch", "--as-is", "2", "--tracking", "OTHER-2")
    assert code == 4 and "--replace" in err and "SAVED-1" in err
    code, out, _ = cli("outbox", "list")
    assert "SAVED-1" in out and "OTHER-2" not in out
    # ...and the saved one goes once Smart Gift is back: a person's "send" is now.
    sandbox.faults.queued.clear()
    code, out, _ = cli("outbox", "send", "--wait", "0")
    assert code == 0 and "empty" in out
    assert sandbox.state.job(2)["tracking_reference"] == "SAVED-1"  # type: ignore[index]


def test_outbox_attention_retry_and_discard(cli, sandbox: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("jobs", "set-status", "999999", "delivered")
    assert code == 4 and "needing attention" in err
    code, out, _ = cli("outbox", "list", "--json")
    [entry] = json.loads(out)
    assert entry["state"] == "attention" and "404" in entry["last_error"]
    code, out, _ = cli("outbox", "retry", str(entry["id"]))
    assert code == 0
    code, out, _ = cli("outbox", "discard", str(entry["id"]))
    assert code == 0
    code, out, _ = cli("outbox", "list", "--json")
    assert json.loads(out) == []
    code, _, err = cli("outbox", "discard", "12345")
    assert code == 4


def test_self_test_says_what_it_found_and_passes_here(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "packstation", "--self-test"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                               "PACKSTATION_LOG_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for check in ("Qt", "PDF rendering", "printing", "sandbox", "sounds", "labels", "keyring",
                  "log"):
        assert any(f" {check}: " in line for line in lines), check
    assert lines[-1] == "self-test passed"
    assert f"packstation {__version__}" in lines[0]
    assert f"log: {tmp_path / 'packstation.log'}" in done.stdout  # named for support
    assert "Couldn't load" not in done.stderr  # Qt's audio probing is not a finding
    unchecked = [line for line in lines if line.startswith("warn")]
    if unchecked:  # e.g. no libpulse0 for the sounds, no keyring: said, not failed
        warnings.warn(f"the self-test could not check: {unchecked}", stacklevel=1)


def test_self_test_fails_only_for_what_stops_a_packer(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from packstation.cli import self_test

    def broken() -> str:
        raise RuntimeError("libpulse.so.0: cannot open shared object file")

    essential = {name: needed for name, _, needed in self_test.CHECKS}
    assert essential["sounds"] is False and essential["keyring"] is False
    assert essential["labels"] is True and essential["sandbox"] is True
    monkeypatch.setattr(self_test, "CHECKS", [("sounds", broken, False)])
    assert self_test.self_test() == 0
    out = capsys.readouterr().out
    assert "warn  sounds: RuntimeError: libpulse.so.0" in out and "self-test passed" in out
    monkeypatch.setattr(self_test, "CHECKS", [("labels", broken, True)])
    assert self_test.self_test() == 1
    assert "FAIL  labels" in capsys.readouterr().out


def test_the_log_file_keeps_requests_and_never_the_key(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    env = {**os.environ, "PACKSTATION_LOG_DIR": str(tmp_path / "logs"),
           "PACKSTATION_API_URL": sandbox.base_url, "PACKSTATION_API_KEY": DEMO_KEY}
    sandbox.faults.inject("500")
    for argv in (("jobs", "list"), ("agreements", "list")):
        subprocess.run([sys.executable, "-m", "packstation", *argv], env=env,
                       capture_output=True, timeout=60)
    log = (tmp_path / "logs" / "packstation.log").read_text()
    assert "GET /fulfilment/jobs -> 500" in log and "GET /fulfilment/agreements -> 200" in log
    assert DEMO_KEY not in log
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text('{"version": 2, "log_level": "warning"}')
    subprocess.run([sys.executable, "-m", "packstation", "agreements", "list"],
                   env={**env, "PACKSTATION_CONFIG_DIR": str(tmp_path / "config")},
                   capture_output=True, timeout=60)
    assert (tmp_path / "logs" / "packstation.log").read_text() == log  # the level is set


@pytest.mark.parametrize(("make", "says"), [
    ("fifo", "not a regular file"), ("device", "not a regular file"),
    ("deep", "nested too deeply"), ("huge", "an order file is at most 1024 KB")])
def test_a_hostile_order_file_is_refused_unread_and_nothing_is_sent(
        cli, sandbox: SandboxServer, tmp_path: Path, make: str, says: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "order.json"
    if make == "fifo":
        os.mkfifo(path)  # nobody writes: reading it would wait for ever
    elif make == "device":
        path = Path("/dev/zero")  # reading it would never end
    elif make == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    else:
        with path.open("wb") as file:
            file.truncate(150 << 20)  # 150 MB (sparse: costs no disk)
    code, _, err = cli("pos-sale", "--file", str(path))
    assert code == 2 and says in err and "Nothing was sent" in err
    assert "Traceback" not in err
    assert not sandbox.requests  # not even the key was used


@pytest.mark.parametrize("argv", [
    ("jobs", "dispatch", "--as-is", "99999999999999999999999", "--tracking", "A"),
    ("jobs", "print", "1", "--copies", "100000000000000000000000"),
    ("jobs", "set-status", "0", "delivered"), ("prints", "list", "--limit", "-1"),
    ("outbox", "send", "--wait", "nan"), ("jobs", "pdf", "1", "--wait", "1e308")])
def test_numbers_typed_on_the_command_line_are_bounded(
        cli, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        cli(*argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "out of range" in err or "is not" in err
    assert "Traceback" not in err


def test_jobs_pdf_never_writes_through_a_planted_link(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("jobs", "list", "--json")
    job = json.loads(out)[0]
    voucher = job["vouchers"][0]
    target = tmp_path / "precious.txt"
    target.write_text("do not overwrite")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    planted = out_dir / f"job-{job['id']}-voucher-{voucher['id']}.pdf"
    planted.symlink_to(target)
    code, _, err = cli("jobs", "pdf", str(job["id"]), "--out", str(out_dir))
    assert code == 0, err
    assert target.read_text() == "do not overwrite"  # the link's target is untouched...
    assert not planted.is_symlink() and planted.read_bytes().startswith(b"%PDF-")  # ...replaced
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        f"job-{job['id']}-voucher-{v['id']}.pdf" for v in job["vouchers"])  # no leftovers


def test_packers_and_the_shift_report_from_the_command_line(  # type: ignore[no-untyped-def]
        cli, tmp_path: Path) -> None:
    code, out, _ = cli("packers", "add", "Aisha Khan", "--badge", "AISHA")
    assert code == 0 and "badge AISHA" in out
    code, _, err = cli("packers", "add", "aisha khan")
    assert code == 2 and "already Aisha Khan's" in err
    code, out, _ = cli("packers", "add", "Ben\x1b[31m Ode")
    assert code == 2
    code, out, _ = cli("packers", "list")
    assert code == 0 and "Aisha Khan" in out and "AISHA" in out
    badges = tmp_path / "badges.pdf"
    assert cli("packers", "badges", str(badges))[0] == 0
    assert badges.read_bytes().startswith(b"%PDF")
    code, out, _ = cli("report", "shift", "--packer", "AISHA KHAN")
    assert code == 0 and "Aisha Khan" in out and "Dispatched" in out
    report = tmp_path / "shift.pdf"
    assert cli("report", "shift", "--pdf", str(report))[0] == 0
    assert len(pypdf.PdfReader(report).pages) == 1
    sheet = tmp_path / "shift.csv"
    assert cli("report", "shift", "--csv", str(sheet), "--date", "2026-01-05")[0] == 0
    assert "Day,2026-01-05" in sheet.read_text(encoding="utf-8")
    # A folder, or nowhere to write: said, and nothing left behind.
    code, _, err = cli("report", "shift", "--csv", str(tmp_path))
    assert code == 1 and "is a folder" in err
    code, _, err = cli("report", "shift", "--pdf", str(tmp_path / "no" / "x.pdf"))
    assert code == 1 and "Cannot write" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["badges.pdf", "shift.csv",
                                                          "shift.pdf"]
    with pytest.raises(SystemExit) as caught:
        cli("report", "shift", "--date", "someday")
    assert caught.value.code == 2
    assert cli("packers", "remove", "AISHA KHAN")[0] == 0
    assert cli("packers", "remove", "Nobody")[0] == 1


def test_manifests_from_the_command_line(  # type: ignore[no-untyped-def]
        cli, tmp_path: Path) -> None:
    for job_id, parcel in ((3, "15500000000003"), (4, "15500000000004")):
        code, out, _ = cli("jobs", "dispatch", str(job_id), "--tracking", parcel)
        assert code == 0 and "DPD" in out
    code, out, _ = cli("manifest", "carriers")
    assert code == 0 and any(line.split()[:3] == ["dpd", "DPD", "2"]
                             for line in out.splitlines())
    sheet, page = tmp_path / "m.csv", tmp_path / "m.pdf"
    code, out, _ = cli("manifest", "close", "DPD", "--csv", str(sheet), "--pdf", str(page))
    assert code == 0 and "2 parcel(s)" in out
    manifest_id = out.split("manifest ")[1].split()[0]
    assert "15500000000003" in sheet.read_text(encoding="utf-8")
    assert "DPD manifest" in pypdf.PdfReader(page).pages[0].extract_text()
    code, _, err = cli("manifest", "close", "dpd")
    assert code == 1 and "Nothing of dpd is waiting" in err
    code, _, err = cli("manifest", "close", "pigeon")
    assert code == 1 and "No carrier is called 'pigeon'" in err
    code, out, _ = cli("manifest", "amend", manifest_id, "--remove", "4", "--reason",
                       "Left on the bench")
    assert code == 0 and "1 parcel(s) left" in out
    code, out, _ = cli("manifest", "show", manifest_id)
    assert code == 0 and "(amended)" in out and "taken off: Left on the bench" in out
    code, _, err = cli("manifest", "amend", manifest_id, "--remove", "4", "--reason", "x")
    assert code == 1 and "not on manifest" in err
    again = tmp_path / "again.pdf"
    assert cli("manifest", "reprint", manifest_id, "--pdf", str(again))[0] == 0
    text = pypdf.PdfReader(again).pages[0].extract_text()
    assert "AMENDED" in text and "REPRINT" in text and "Left on the bench" in text
    code, out, _ = cli("manifest", "list")
    assert code == 0 and manifest_id in out
    assert cli("manifest", "show", "999")[0] == 1
