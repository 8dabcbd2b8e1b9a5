"""One scan per job, through the real window: scans typed at scanner speed, vouchers
spooled through a real CUPS queue, dispatches sent to the sandbox over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from packstation.api import Job, RateBudget
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.sandbox import SandboxServer
from packstation.scanning.commands import Command, barcode
from packstation.ui.main_window import MainWindow
from tests.cups import CupsQueue
from tests.gui import scan, synced_window
from tests.test_gui_backoffice import click, open_dialog

SANDBOX_METHODS = ("Gift Letter", "Gift Envelope", "Gift Box")


def methods(tracking: Tracking, carrier: str = "") -> dict[str, DeliveryMethod]:
    return {name: DeliveryMethod(name, tracking, carrier) for name in SANDBOX_METHODS}


def dpd_label(n: int) -> tuple[str, str]:
    """A DPD UK label barcode and the parcel number inside it."""
    parcel = f"1550{n:010d}"
    return f"%SW1A1AA{parcel}101826", parcel


@pytest.fixture
def packing(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, tmp_path: Path,
            cups_queue: CupsQueue, request: pytest.FixtureRequest
            ) -> Iterator[tuple[MainWindow, SandboxServer]]:
    """A window packing continuously on a sandbox with plenty of pending jobs."""
    tracking, carrier = getattr(request, "param", (Tracking.CARRIER, "dpd"))
    # A shift's packing in seconds: the key's 60 requests a minute would stretch it to
    # minutes (the budget has its own tests), so this station may spend 60 a second.
    with SandboxServer(pdf_delay=0, jobs=90, seed=23, rate_window=1.0) as sandbox, \
            synced_window(qtbot, sandbox, tmp_path / "station.sqlite3",
                          budget=RateBudget(limit=60, window=1.0),
                          voucher_printer=cups_queue.name, label_printer=cups_queue.name,
                          continuous_packing=True,
                          delivery_methods=methods(tracking, carrier)) as window:
        assert window.station is not None
        window.station.sender.start()
        window.show()
        yield window, sandbox


def printed(window: MainWindow, job: Job) -> bool:
    assert window.station is not None
    return any(r.job_id == job.id and r.spool_job_id
               for r in window.station.history.recent(5, job_id=job.id))


def pages_out(queue: CupsQueue, spool_job_id: int) -> int | None:
    """Pages of the PDF cups-pdf wrote for a spooler job; None until it is complete."""
    found = list(queue.out_dir.glob(f"*job_{spool_job_id}.pdf"))
    try:
        return len(PdfReader(found[0]).pages) if len(found) == 1 else None
    except (OSError, PdfReadError):
        return None


def in_hand_printed(qtbot: QtBot, window: MainWindow, previous: Job | None) -> Job:
    """Waits for the flow to put a new job in hand and spool its vouchers."""
    def moved() -> bool:
        job = window.current_job()
        return job is not None and (previous is None or job.id != previous.id) \
            and printed(window, job)
    qtbot.waitUntil(moved, timeout=15_000)
    job = window.current_job()
    assert job is not None
    return job


def test_twenty_jobs_are_packed_with_one_scan_each_and_nothing_else(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer],
        cups_queue: CupsQueue) -> None:
    window, sandbox = packing
    assert window.station is not None
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    packed: list[tuple[Job, str]] = []
    for n in range(20):
        label, parcel = dpd_label(n)
        scan(qtbot, window, label)
        following = in_hand_printed(qtbot, window, job)
        qtbot.waitUntil(lambda p=parcel: f"DPD: {p}" in window.banner.text(), timeout=5_000)
        assert window.banner.good and "Next: Order" in window.banner.text()
        packed.append((job, parcel))
        job = following
    assert len({j.id for j, _ in packed}) == 20  # twenty different jobs
    rule = window.station.settings.leave_by_rule()  # in the order they must leave
    keys = [rule.order_key(j) for j, _ in packed]
    assert keys == sorted(keys)
    for done, parcel in packed:  # each sent with the parcel number, not the label barcode
        qtbot.waitUntil(lambda d=done: sandbox.state.job(d.id)["status"]  # type: ignore[index]
                        == "dispatched", timeout=10_000)
        assert sandbox.state.job(done.id)["tracking_reference"] == parcel  # type: ignore[index]
    # Each sent once (its send starts as its commit does: never a second time by the
    # sender), and its answer recorded after that commit: nothing left in the outbox.
    outbox = window.station.outbox
    for done, _ in packed:
        puts = [r for r in sandbox.requests if r.method == "PUT"
                and r.path == f"/fulfilment/jobs/{done.id}"]
        assert len(puts) == 1
        qtbot.waitUntil(lambda d=done: outbox.for_job(d.id) is None, timeout=10_000)
    # Every packed job's vouchers came out of CUPS, each page there.
    for done, _ in packed:
        record = window.station.history.recent(1, job_id=done.id)[0]
        assert record.pages == len(done.vouchers)
        qtbot.waitUntil(lambda r=record: pages_out(cups_queue, r.spool_job_id or 0)
                        == r.pages, timeout=20_000)
    assert "error" not in window.sounds.played


def test_the_next_job_prints_while_smart_gift_answers_the_dispatch(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    """The next job's vouchers go to the spooler once the dispatch is sent, not once it
    is answered: a slow answer does not hold the packer's next job back."""
    window, sandbox = packing
    assert window.station is not None and window.scans is not None
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    following = window.queue.next_pending(job, window.scans.flow.packed | {job.id})
    assert following is not None
    pdfs = window.station.pdfs
    qtbot.waitUntil(lambda: pdfs.ready(following), timeout=10_000)  # prefetched: no request
    sandbox.faults.latency = 3.0  # every answer from here on takes three seconds
    try:
        label, parcel = dpd_label(0)
        scan(qtbot, window, label)
        in_hand_printed(qtbot, window, job)
        assert sandbox.state.job(job.id)["status"] == "pending"  # type: ignore[index]
        qtbot.waitUntil(lambda: sandbox.state.job(job.id)["tracking_reference"]  # type: ignore[index]
                        == parcel, timeout=15_000)
    finally:
        sandbox.faults.latency = 0.0


@pytest.mark.parametrize("packing", [(Tracking.UNTRACKED, "royal-mail")], indirect=True)
def test_an_untracked_job_is_dispatched_by_the_dispatched_barcode(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, sandbox = packing
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    scan(qtbot, window, "RB123456785GB")  # a label it does not have
    qtbot.waitUntil(lambda: barcode(Command.DISPATCHED) in window.banner.text(), timeout=5_000)
    assert not window.banner.good and window.sounds.played[-1] == "error"
    scan(qtbot, window, barcode(Command.DISPATCHED))
    in_hand_printed(qtbot, window, job)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["status"]  # type: ignore[index]
                    == "dispatched", timeout=10_000)
    assert sandbox.state.job(job.id)["tracking_reference"] is None  # type: ignore[index]
    assert "untracked" in window.banner.text()


def test_a_stopped_printer_halts_the_flow_and_reprint_resumes_it(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer],
        cups_queue: CupsQueue) -> None:
    window, sandbox = packing
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    cups_queue.stop()
    try:
        label, parcel = dpd_label(900)
        scan(qtbot, window, label)
        qtbot.waitUntil(lambda: "NOT printed" in window.banner.text(), timeout=15_000)
        assert not window.banner.good and window.sounds.played[-1] == "error"
        waiting = window.current_job()
        assert waiting is not None and waiting.id != job.id and not printed(window, waiting)
        qtbot.waitUntil(lambda: sandbox.state.job(job.id)["tracking_reference"]  # type: ignore[index]
                        == parcel, timeout=10_000)  # the dispatch itself went through
    finally:
        cups_queue.start()
    scan(qtbot, window, barcode(Command.REPRINT))
    qtbot.waitUntil(lambda: printed(window, waiting), timeout=15_000)
    qtbot.waitUntil(lambda: window.banner.good, timeout=5_000)
    assert (window.current_job() or job).id == waiting.id


def test_wrong_label_replaces_the_last_dispatch_after_asking(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, sandbox = packing
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    wrong, _ = dpd_label(1)
    scan(qtbot, window, wrong)
    following = in_hand_printed(qtbot, window, job)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["status"]  # type: ignore[index]
                    == "dispatched", timeout=10_000)
    scan(qtbot, window, barcode(Command.WRONG_LABEL))
    right, parcel = dpd_label(2)  # scanned at once: handled after WRONG LABEL, in order
    scan(qtbot, window, right)
    box = open_dialog(qtbot, window, QMessageBox)
    assert isinstance(box, QMessageBox) and parcel in box.text()
    assert f"order {job.order_reference}" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["tracking_reference"]  # type: ignore[index]
                    == parcel, timeout=10_000)
    assert (window.current_job() or job).id == following.id  # the job in hand stays


def test_another_carriers_label_is_asked_about_and_a_misread_refused(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, sandbox = packing
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    scan(qtbot, window, "RB123456786GB")  # a misread Royal Mail number
    qtbot.waitUntil(lambda: "MISREAD" in window.banner.text(), timeout=5_000)
    scan(qtbot, window, "5901234123457")  # the box's product code
    qtbot.waitUntil(lambda: "product code" in window.banner.text(), timeout=5_000)
    scan(qtbot, window, "RB123456785GB")  # Royal Mail, where DPD is expected
    box = open_dialog(qtbot, window, QMessageBox)
    assert isinstance(box, QMessageBox) and "Royal Mail" in box.text() and "DPD" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    in_hand_printed(qtbot, window, job)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["tracking_reference"]  # type: ignore[index]
                    == "RB123456785GB", timeout=10_000)


def test_label_prints_the_address_label_of_the_job_in_hand(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, _ = packing
    assert window.station is not None
    history = window.station.history
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    scan(qtbot, window, barcode(Command.LABEL))
    qtbot.waitUntil(lambda: any(r.kind == "labels" and r.spool_job_id
                                for r in history.recent(5, job_id=job.id)), timeout=15_000)
    qtbot.waitUntil(lambda: "label sent to" in window.banner.text(), timeout=5_000)
    assert (window.current_job() or job).id == job.id  # still in hand: nothing dispatched


def test_pause_leaves_nothing_in_hand_and_skip_takes_the_next(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, _ = packing
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    scan(qtbot, window, barcode(Command.SKIP))
    skipped_to = in_hand_printed(qtbot, window, job)
    assert skipped_to.id != job.id
    scan(qtbot, window, barcode(Command.PAUSE))
    qtbot.waitUntil(lambda: window.current_job() is None, timeout=5_000)
    label, _ = dpd_label(3)
    scan(qtbot, window, label)  # nothing in hand: no dispatch
    qtbot.waitUntil(lambda: "Scan the order first" in window.banner.text(), timeout=5_000)


@pytest.fixture
def started_unprinted(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, tmp_path: Path,
                      cups_queue: CupsQueue
                      ) -> Iterator[tuple[MainWindow, SandboxServer, Job]]:
    """START scanned while Smart Gift has made no PDF yet: the first job in hand, not
    printed, the flow waiting on it. PDF retries come in moments, not the real 5 s."""
    with SandboxServer(pdf_delay=600, jobs=12, seed=5) as sandbox, \
            synced_window(qtbot, sandbox, tmp_path / "station.sqlite3",
                          voucher_printer=cups_queue.name, continuous_packing=True,
                          delivery_methods=methods(Tracking.CARRIER, "dpd")) as window:
        assert window.station is not None
        window.station.pdfs._first_retry = 0.2
        scan(qtbot, window, barcode(Command.START))
        qtbot.waitUntil(lambda: "NOT printed" in window.banner.text(), timeout=10_000)
        job = window.current_job()
        assert job is not None
        yield window, sandbox, job


def test_a_job_whose_pdfs_are_not_made_yet_prints_by_itself_once_they_arrive(
        qtbot: QtBot, started_unprinted: tuple[MainWindow, SandboxServer, Job]) -> None:
    window, sandbox, job = started_unprinted
    assert "prints by itself" in window.banner.text() and not window.banner.good
    assert window.sounds.played[-1] == "error"
    assert not printed(window, job)
    sandbox.state.pdf_delay = 0  # Smart Gift has made them now
    qtbot.waitUntil(lambda: printed(window, job), timeout=30_000)  # no input at all
    qtbot.waitUntil(lambda: window.banner.good, timeout=5_000)
    assert (window.current_job() or job).id == job.id


def test_the_job_view_names_the_carrier_and_links_its_tracking_page(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    from packstation.tracking.reading import warm_up

    window, sandbox = packing
    warm_up()  # as Station.start does in a worker
    scan(qtbot, window, barcode(Command.START))
    job = in_hand_printed(qtbot, window, None)
    label, parcel = dpd_label(77)
    scan(qtbot, window, label)
    in_hand_printed(qtbot, window, job)
    qtbot.waitUntil(lambda: sandbox.state.job(job.id)["status"]  # type: ignore[index]
                    == "dispatched", timeout=10_000)
    assert window.station is not None
    # The queue's row has the confirmed job (the sender's event updates it after storing).
    qtbot.waitUntil(lambda: window.model.job(window.model.row_of(job.id) or 0)
                    .tracking_reference == parcel, timeout=10_000)
    window.select_job(window.model.job(window.model.row_of(job.id) or 0))
    qtbot.waitUntil(lambda: parcel in window.job_view.fields["tracking"].text(),
                    timeout=5_000)
    shown = window.job_view.fields["tracking"].text()
    assert f"{parcel} · DPD" in shown
    assert f'href="https://www.dpd.co.uk/apps/tracking/?reference={parcel}"' in shown


def test_a_hostile_tracking_reference_is_shown_as_text(qtbot: QtBot) -> None:
    from packstation.ui.job_view import tracking_text

    assert tracking_text('<a href="http://evil">x</a>') == (
        "&lt;a href=&quot;http://evil&quot;&gt;x&lt;/a&gt;")


def test_labels_scanned_faster_than_the_station_prints_go_to_the_jobs_in_turn(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, sandbox = packing
    scan(qtbot, window, barcode(Command.START))
    first = in_hand_printed(qtbot, window, None)
    second = window.queue.next_pending(first, {first.id})
    assert second is not None
    third = window.queue.next_pending(second, {first.id, second.id})
    assert third is not None
    labels = [dpd_label(500 + n) for n in range(3)]
    for label, _ in labels:  # no waiting between them: each is handled after the last
        scan(qtbot, window, label)
    qtbot.waitUntil(lambda: labels[-1][1] in window.banner.text(), timeout=15_000)
    for job, (_, parcel) in zip((first, second, third), labels, strict=True):
        qtbot.waitUntil(lambda j=job, p=parcel: (s := sandbox.state.job(j.id)) is not None
                        and s["tracking_reference"] == p, timeout=10_000)


def test_a_job_waited_on_is_not_printed_once_another_is_in_hand(
        qtbot: QtBot, started_unprinted: tuple[MainWindow, SandboxServer, Job]) -> None:
    window, sandbox, waited = started_unprinted
    station = window.station
    assert station is not None
    other = window.queue.next_pending(waited, {waited.id})
    assert other is not None
    scan(qtbot, window, other.order_reference or "")  # the packer takes another job
    qtbot.waitUntil(lambda: (window.current_job() or waited).id == other.id, timeout=5_000)
    sandbox.state.pdf_delay = 0
    qtbot.waitUntil(lambda: station.pdfs.ready(waited), timeout=30_000)
    for _ in range(2):  # two of the window's ticks, each of which could resume it
        with qtbot.waitSignal(window._timer.timeout, timeout=3_000):
            pass
    assert (window.current_job() or waited).id == other.id  # still the packer's choice
    assert not printed(window, waited)


def label_read_again(qtbot: QtBot, window: MainWindow, n: int
                     ) -> tuple[Job, Job, str, QMessageBox]:
    """START, a label for the first job, then the same label read again with the second
    in hand: asked about. (first, second, the label's parcel number, the question)."""
    scan(qtbot, window, barcode(Command.START))
    first = in_hand_printed(qtbot, window, None)
    label, parcel = dpd_label(n)
    scan(qtbot, window, label)
    second = in_hand_printed(qtbot, window, first)
    scan(qtbot, window, label)  # read again: asked about the second job
    box = open_dialog(qtbot, window, QMessageBox)
    assert isinstance(box, QMessageBox) and first.order_reference in box.text()
    return first, second, parcel, box


def test_a_yes_goes_to_the_job_it_was_asked_about_whatever_is_in_hand_by_then(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    window, sandbox = packing
    first, second, parcel, box = label_read_again(qtbot, window, 600)
    third = window.queue.next_pending(second, {first.id, second.id})
    assert third is not None
    scan(qtbot, window, third.order_reference or "")  # the packer moves on meanwhile
    qtbot.waitUntil(lambda: (window.current_job() or second).id == third.id, timeout=5_000)
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: sandbox.state.job(second.id)["tracking_reference"]  # type: ignore[index]
                    == parcel, timeout=10_000)
    assert sandbox.state.job(third.id)["status"] == "pending"  # type: ignore[index]


def test_a_label_scanned_as_the_yes_is_given_waits_for_the_yes(
        qtbot: QtBot, packing: tuple[MainWindow, SandboxServer]) -> None:
    """The yes and the next label in the same turn of the loop: the label is read once
    the yes is done, against the job the yes put in hand."""
    window, sandbox = packing
    first, second, parcel, box = label_read_again(qtbot, window, 700)
    third = window.queue.next_pending(second, {first.id, second.id})
    assert third is not None
    next_label, next_parcel = dpd_label(701)
    box.button(QMessageBox.StandardButton.Yes).click()
    window.desk.on_scan(next_label)  # before the loop turns: the scanner was that quick
    for job, reference in ((second, parcel), (third, next_parcel)):
        qtbot.waitUntil(lambda j=job: sandbox.state.job(j.id)["status"]  # type: ignore[index]
                        == "dispatched", timeout=10_000)
        assert sandbox.state.job(job.id)["tracking_reference"] == reference  # type: ignore[index]
