"""``packstation courier`` against the sandbox and its last-mile stand-in: slots, a booking
dispatched with the courier's job id, a lost answer refused without --again, an expired
slot naming the next; the courier's key in a real keyring (Secret Service), never shown."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from keyring.backend import KeyringBackend

from packstation.cli.main import main
from packstation.config.courier import DEMO_COLLECTION, CourierSettings
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.keys import COURIER_SERVICE, load_courier_key
from packstation.config.settings import Settings
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.sandbox.lastmile import LASTMILE_DEMO_KEY, LastMileServer

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def lastmile() -> Iterator[LastMileServer]:
    with LastMileServer(seed=11) as server:
        yield server


@pytest.fixture
def cli(sandbox: SandboxServer, lastmile: LastMileServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("PACKSTATION_API_URL", sandbox.base_url)
    monkeypatch.setenv("PACKSTATION_API_KEY", DEMO_KEY)
    Settings(courier=CourierSettings(api_url=lastmile.base_url, collection=DEMO_COLLECTION),
             delivery_methods={"Gift Envelope": DeliveryMethod(
                 "Gift Envelope", Tracking.INTERNAL, courier=True)}).save()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def courier_job(sandbox: SandboxServer) -> int:
    return next(j["id"] for j in sandbox.state.list_jobs("pending", None)
                if j["delivery_method_name"] == "Gift Envelope")


def test_slots_and_a_booking_from_the_command_line(
        cli: Run, sandbox: SandboxServer, lastmile: LastMileServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", LASTMILE_DEMO_KEY)
    job_id = courier_job(sandbox)
    code, out, _ = cli("courier", "slots", str(job_id))
    assert code == 0 and "SLOT" in out
    slot_id = out.splitlines()[2].split()[0]  # the second slot offered
    assert slot_id in lastmile.slots
    code, out, err = cli("courier", "book", str(job_id), "--slot", slot_id)
    assert code == 0, err
    (courier_id,) = lastmile.jobs
    assert lastmile.jobs[courier_id]["slot_id"] == slot_id
    assert f"courier job {courier_id} booked" in out and "Smart Gift has the dispatch" in out
    assert sandbox.state.job(job_id)["tracking_reference"] == courier_id  # type: ignore[index]
    assert cli("courier", "book", str(job_id))[0] == 2  # dispatched: nothing booked again
    assert len(lastmile.jobs) == 1
    code, out, _ = cli("courier", "list")
    assert code == 0 and courier_id in out and "booked" in out


def test_a_lost_answer_and_an_expired_slot_from_the_command_line(
        cli: Run, sandbox: SandboxServer, lastmile: LastMileServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_COURIER_KEY", LASTMILE_DEMO_KEY)
    job_id = courier_job(sandbox)
    code, out, _ = cli("courier", "slots", str(job_id))
    slot_id = out.splitlines()[1].split()[0]
    lastmile.faults.inject("lost", only="POST /jobs$")  # the booking only
    code, _, err = cli("courier", "book", str(job_id), "--slot", slot_id)
    assert code == 5 and "Could not reach the courier" in err
    assert len(lastmile.jobs) == 1
    code, _, err = cli("courier", "book", str(job_id))
    assert code == 7 and "no answer came back" in err and "--again" in err
    assert len(lastmile.jobs) == 1  # asked, not sent
    code, out, _ = cli("courier", "slots", str(job_id))
    slot_id = out.splitlines()[1].split()[0]
    lastmile.expire_slots()
    code, _, err = cli("courier", "book", str(job_id), "--slot", slot_id, "--again")
    assert code == 4 and "does not offer slot" in err  # asked again: that slot is gone
    code, out, err = cli("courier", "book", str(job_id), "--again")
    assert code == 0, err
    assert len(lastmile.jobs) == 2


def test_the_courier_key_in_a_real_keyring(
        cli: Run, lastmile: LastMileServer, secret_service_keyring: KeyringBackend,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PACKSTATION_COURIER_KEY", raising=False)
    code, out, _ = cli("courier", "key", "status")
    assert code == 3 and "No courier key" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("lm_live_secret_0123456789\n"))
    code, out, _ = cli("courier", "key", "set")
    assert code == 0 and "lm_live_secret" not in out
    # Under its own service, by the courier's address: never the Smart Gift key's entry.
    assert secret_service_keyring.get_password(COURIER_SERVICE, lastmile.base_url) == \
        "lm_live_secret_0123456789"
    assert load_courier_key(lastmile.base_url).reveal() == "lm_live_secret_0123456789"
    code, out, _ = cli("courier", "key", "status")
    assert code == 0 and "fingerprint" in out and "0123456789" not in out
    code, _, err = cli("courier", "slots", "1")  # the stand-in refuses a key not its own
    assert code == 3 and "did not accept its key" in err and "0123456789" not in err
    assert all(r.had_key for r in lastmile.requests)
