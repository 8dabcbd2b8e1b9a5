"""A scripted shift against the sandbox, through the real scan handler, CUPS and SQLite:
packers sign in by badge, pack, make mistakes; the shift's figures, CSV and PDF say so."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Set
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from packstation.api import Job
from packstation.api.fields import uk_zone
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.leave_by import LeaveByRule, uk_today
from packstation.packers import PackerError
from packstation.printing.errors import PrintError
from packstation.printing.shift_sheet import shift_csv, shift_pdf
from packstation.sandbox import SandboxServer
from packstation.scanning.commands import Command, badge_barcode, barcode
from packstation.scanning.handler import SIGN_IN_FIRST
from packstation.shift import ShiftFigures, day_bounds, percentile
from packstation.station import Station
from packstation.store.database import Store
from packstation.store.history import DispatchHistory
from tests.cups import CupsQueue
from tests.gui import make_station

METHODS = {"Gift Letter": DeliveryMethod("Gift Letter", Tracking.INTERNAL),
           "Gift Envelope": DeliveryMethod("Gift Envelope", Tracking.INTERNAL),
           "Gift Box": DeliveryMethod("Gift Box", Tracking.CARRIER, "dpd")}


class Queue:
    """Pending jobs in leave-by order, as the window's queue has them."""

    def __init__(self, station: Station) -> None:
        self.station = station

    def pending_in_order(self, after: Job | None, skip: Set[int]) -> list[Job]:
        rule = self.station.settings.leave_by_rule()
        jobs = sorted(self.station.cache.load(["pending"]), key=rule.order_key)
        return [j for j in jobs if j.id not in skip and (after is None or j.id != after.id)]

    def put_in_hand(self, job: Job) -> None:
        pass


@pytest.fixture
async def station(sandbox: SandboxServer, tmp_path: Path, cups_queue: CupsQueue) -> Station:
    made = make_station(sandbox, tmp_path / "db.sqlite3", print_on_select=True,
                        voucher_printer=cups_queue.name, delivery_methods=dict(METHODS),
                        station_name="bench-1")
    await made.sync.sync_once()
    return made


async def test_a_scripted_shift_gives_its_figures(station: Station) -> None:
    handler = station.scan_handler()
    queue = Queue(station)
    roster = station.packers
    aisha = await asyncio.to_thread(roster.add, "Aisha Khan", "AISHA2")
    ben = await asyncio.to_thread(roster.add, "Ben Ode")
    pending = station.cache.load(["pending"])
    boxes = [j for j in pending if j.delivery_method_name == "Gift Box" and j.vouchers]
    others = [j for j in pending if j.delivery_method_name != "Gift Box" and j.vouchers]
    assert len(boxes) >= 1 and len(others) >= 4

    said = await handler.handle(badge_barcode(aisha.badge), None, queue)
    assert said.ok and "Aisha Khan signed in" in said.message
    # Aisha packs two jobs; a wrong voucher, a refused label, a reprint on the way.
    box = boxes[0]
    picked = await handler.handle(box.order_reference or "", None, queue)
    assert picked.ok, picked.message
    wrong = await handler.handle(others[0].vouchers[0].code or "", box, queue)
    assert not wrong.ok and wrong.meaning.kind.value == "wrong voucher"
    refused = await handler.handle("NOT-A-DPD-LABEL", box, queue)
    assert not refused.ok and refused.meaning.kind.value == "refused"
    again = await handler.handle(barcode(Command.REPRINT), box, queue)
    assert again.ok, again.message
    done = await handler.handle("%SW1A1AA15501234567890101826", box, queue)
    assert done.dispatched, done.message
    second = others[0]
    assert (await handler.handle(second.order_reference or "", None, queue)).ok
    assert (await handler.handle("BENCH-A-2", second, queue)).dispatched
    # Ben's badge changes packer: his two jobs are his.
    said = await handler.handle(badge_barcode(ben.badge), second, queue)
    assert said.ok and "Ben Ode is packing now (was Aisha Khan)" in said.message
    for n, job in enumerate(others[1:3]):
        assert (await handler.handle(job.order_reference or "", None, queue)).ok
        assert (await handler.handle(f"BENCH-B-{n}", job, queue)).dispatched
    # WRONG LABEL, then a badge: the packer changes, the correction still waits for
    # the right label (and takes it).
    assert (await handler.handle(barcode(Command.WRONG_LABEL), None, queue)).ok
    said = await handler.handle(badge_barcode(ben.badge), None, queue)
    assert said.ok and "Still waiting for the right label" in said.message
    assert handler.replacing is not None and handler.replacing.id == others[2].id
    fixed = await handler.handle("BENCH-B-1-FIXED", None, queue, confirmed=True)
    assert fixed.ok and "Corrected" in fixed.message, fixed.message
    # A print that fails: the printer is not there.
    with pytest.raises(PrintError):
        await station.printer.print_job(others[3], printer="no-such-printer")

    history = DispatchHistory(station.db)
    for _ in range(200):  # the sends' answers recorded (each within SEND_FIRST or so)
        if history.count() == 5:
            break
        await asyncio.sleep(0.05)
    assert history.count() == 5  # four dispatches and one correction
    figures = await asyncio.to_thread(station.shift.figures)
    assert figures.day == uk_today()
    assert figures.dispatched == 4
    hour = datetime.now(UTC).astimezone(uk_zone()).hour  # (a test run across an hour's end
    hours = set(figures.per_hour)                            # splits it in two)
    assert hours <= {hour, (hour - 1) % 24}
    hour = max(hours, key=lambda h: sum(figures.per_hour[h].values()))
    merged: dict[str, int] = {}
    for by_packer in figures.per_hour.values():
        for name, count in by_packer.items():
            merged[name] = merged.get(name, 0) + count
    assert merged == {"Aisha Khan": 2, "Ben Ode": 2}
    assert figures.wrong_voucher_scans == 1
    assert figures.refused_tracking_scans == 1
    assert figures.reprints == 1
    assert figures.print_failures == 1
    assert figures.timed_jobs == 4 and figures.median_seconds is not None
    assert 0 <= figures.median_seconds <= (figures.p90_seconds or 0) < 120
    assert figures.pending == len(station.cache.load(["pending"]))
    # Every scan, print and dispatch names its packer and station.
    scans = station.jobs.log.recent(50)
    assert {(s.packer, s.station) for s in scans} == {("Aisha Khan", "bench-1"),
                                                      ("Ben Ode", "bench-1")}
    prints = station.history.recent(50)
    assert {p.packer for p in prints} == {"Aisha Khan", "Ben Ode"}
    assert {p.station for p in prints} == {"bench-1"}
    assert history.for_job(box.id)[0].packer == "Aisha Khan"
    # One packer, one station: the filters.
    only_ben = await asyncio.to_thread(station.shift.figures, None, None, "Ben Ode")
    assert only_ben.dispatched == 2 and only_ben.wrong_voucher_scans == 0
    assert only_ben.print_failures == 1  # the failed print was his
    elsewhere = await asyncio.to_thread(station.shift.figures, None, "bench-9")
    assert elsewhere.dispatched == 0

    # The CSV reads back to the same figures.
    rows = list(csv.reader(io.StringIO(shift_csv(figures))))
    blank = rows.index([])
    assert [tuple(r) for r in rows[1:blank]] == figures.rows()
    assert sorted((r[1], int(r[2])) for r in rows[blank + 2:]) == \
        [("Aisha Khan", count) for count in _counts(figures, "Aisha Khan")] + \
        [("Ben Ode", count) for count in _counts(figures, "Ben Ode")]
    assert {r[0] for r in rows[blank + 2:]} == {f"{h:02d}:00" for h in figures.per_hour}
    # The PDF is one A4 page whose text carries the figures and the chart's packers.
    reader = PdfReader(io.BytesIO(shift_pdf(figures, "bench-1")))
    assert len(reader.pages) == 1
    box_mm = [round(float(v) / 72 * 25.4) for v in reader.pages[0].mediabox[2:]]
    assert box_mm == [210, 297]
    text = reader.pages[0].extract_text()
    for what, value in figures.rows()[1:]:
        assert what in text and value in text
    assert "Aisha Khan" in text and "Ben Ode" in text


def _counts(figures: ShiftFigures, packer: str) -> list[int]:
    return sorted(h[packer] for h in figures.per_hour.values() if packer in h)


async def test_sign_in_required_refuses_scans_until_a_badge(station: Station) -> None:
    station.settings.sign_in_required = True
    handler = station.scan_handler()
    queue = Queue(station)
    job = station.cache.load(["pending"])[0]
    refused = await handler.handle(job.order_reference or "", None, queue)
    assert not refused.ok and refused.message == SIGN_IN_FIRST
    assert not (await handler.handle(barcode(Command.START), None, queue)).ok
    unknown = await handler.handle(badge_barcode("ZZZZZZ"), None, queue)
    assert not unknown.ok and "no packer" in unknown.message
    packer = await asyncio.to_thread(station.packers.add, "Cara")
    assert (await handler.handle(badge_barcode(packer.badge).lower(), None, queue)).ok
    assert station.sign_in.who() == "Cara"
    picked = await handler.handle(job.order_reference or "", None, queue)
    assert picked.ok and picked.select is not None
    station.sign_in.sign_out()
    assert station.sign_in.needed()
    assert not (await handler.handle("BENCH-X", job, queue)).dispatched
    assert station.outbox.for_job(job.id) is None  # nothing saved


async def test_nobody_signed_in_the_station_stands_in(station: Station) -> None:
    handler = station.scan_handler()
    job = station.cache.load(["pending"])[0]
    assert (await handler.handle("BENCH-Y", job, Queue(station))).dispatched
    assert station.jobs.log.recent(1)[0].packer == "bench-1"
    assert station.outbox.for_job(job.id) is None or \
        station.outbox.for_job(job.id).packer == "bench-1"  # type: ignore[union-attr]


def test_the_packers_list_refuses_what_cannot_be_a_packer(tmp_path: Path) -> None:
    from packstation.store.database import Database
    from packstation.store.packers import PackerRoster

    roster = PackerRoster(Database(tmp_path / "db.sqlite3"))
    made = roster.add("  Dev   Patel ")
    assert made.name == "Dev Patel" and len(made.badge) == 6
    for name, badge, says in (("", None, "needs a name"), ("x" * 61, None, "at most"),
                              ("dev patel", None, "already Dev Patel's"),
                              ("Eve", made.badge, "already Dev Patel's"),
                              ("Eve", "AB-1", "badge code"), ("Eve", "É1", "badge code"),
                              ("Eve", "A" * 21, "badge code"),
                              ("Eve\x1b[31m", None, "printable")):
        with pytest.raises(PackerError, match=says):
            roster.add(name, badge)
    assert [p.name for p in roster.all()] == ["Dev Patel"]
    assert roster.by_badge(made.badge.lower()) == made
    assert roster.remove("DEV PATEL") and roster.all() == []


def test_percentile_and_empty_figures() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    empty = ShiftFigures(uk_today(), None, None, 0, 0, 0, 0)
    text = PdfReader(io.BytesIO(shift_pdf(empty))).pages[0].extract_text()
    assert "Nothing dispatched on this day." in text
    assert shift_csv(empty).splitlines()[-1] == "hour,packer,dispatched"


def test_a_name_a_spreadsheet_would_run_is_kept_as_text() -> None:
    figures = ShiftFigures(uk_today(), None, "=HYPERLINK(1)", 0, 0, 0, 1,
                           {9: {"=HYPERLINK(1)": 1}})
    rows = list(csv.reader(io.StringIO(shift_csv(figures))))
    assert ["Packer", "'=HYPERLINK(1)"] in rows
    assert ["09:00", "'=HYPERLINK(1)", "1"] in rows


def test_the_records_and_figures_on_each_engine(engine: Callable[[], Store]) -> None:
    """Two benches writing to one store (a site's PostgreSQL, or SQLite): each line keeps
    its packer and station, and the figures can be read for either or both."""
    from packstation.packers import SignIn
    from packstation.shift import ShiftReport
    from packstation.store.jobs import JobCache
    from packstation.store.outbox import DispatchOutbox
    from packstation.store.packers import PackerRoster
    from packstation.store.print_history import PrintHistory
    from packstation.store.scan_log import ScanLog
    from packstation.store.shift_records import ShiftRecords
    from tests.test_store import job

    db = engine()
    roster = PackerRoster(db)
    aisha = roster.add("Aisha Khan")
    with pytest.raises(PackerError):
        PackerRoster(engine()).add("AISHA KHAN")  # another bench, the same list
    JobCache(db).store([job(i) for i in range(1, 5)], 1.0)
    benches = {name: SignIn(name) for name in ("bench-1", "bench-2")}
    benches["bench-1"].sign_in(aisha)
    for name, sign_in in benches.items():
        outbox = DispatchOutbox(db, name, sign_in.who)
        log = ScanLog(db, sign_in.attribution)
        prints = PrintHistory(db, sign_in.attribution)
        job_id = 1 if name == "bench-1" else 2
        log.record("000000", "wrong voucher", "Wrong voucher", job_id)
        log.record("HELLO", "refused", "Not a DPD number", job_id)
        log.record("$$PS-NOPE", "refused", "Not a command", None)  # no job: not counted
        for outcome in ("printed", "printed", "failed"):
            prints.record(job_id=job_id, order_reference=None, kind="vouchers",
                          voucher_ids=[], pdf_urls=[], printer="P", path="cups",
                          spool_job_id=None, pages=1, copies=1, outcome=outcome)
        outbox.sent(outbox.add(job_id, "dispatched", f"REF-{job_id}"))
    report = ShiftReport(ShiftRecords(db), JobCache(db), LeaveByRule)
    both = report.figures()
    assert both.dispatched == 2 and both.wrong_voucher_scans == 2
    assert both.refused_tracking_scans == 2 and both.reprints == 4 and both.print_failures == 2
    assert sorted(both.packers) == ["Aisha Khan", "bench-2"]
    assert both.timed_jobs == 2 and both.pending == 4  # the sender stores the job: not here
    one = report.figures(station="bench-2")
    assert one.dispatched == 1 and one.packers == ["bench-2"] and one.print_failures == 1
    hers = report.figures(packer="Aisha Khan")
    assert hers.dispatched == 1 and hers.reprints == 2 and hers.wrong_voucher_scans == 1
    assert ShiftRecords(db).names(*day_bounds(uk_today())) == (
        ["bench-1", "bench-2"], ["Aisha Khan", "bench-2"])
    yesterday = report.figures(day=uk_today() - timedelta(days=1))
    assert yesterday.dispatched == 0 and yesterday.per_hour == {}


def test_one_packer_of_a_name_whatever_its_case_and_however_many_benches_add_it(
        engine: Callable[[], Store]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from packstation.store.packers import PackerRoster

    PackerRoster(engine()).add("Élise")
    for again in ("élise", "ÉLISE", " Élise "):
        with pytest.raises(PackerError, match="already Élise's"):
            PackerRoster(engine()).add(again)
    rosters = [PackerRoster(engine()) for _ in range(4)]  # four benches, one list

    def add_all(roster: PackerRoster) -> list[str]:
        said = []
        for n in range(25):
            try:
                roster.add(f"Packer {n}")
                said.append("added")
            except PackerError:
                said.append("refused")
        return said

    with ThreadPoolExecutor(4) as pool:
        outcomes = [o for said in pool.map(add_all, rosters) for o in said]
    assert outcomes.count("added") == 25 and outcomes.count("refused") == 75
    assert len(rosters[0].all()) == 26
    assert rosters[0].remove("élise") and rosters[0].by_name("ÉLISE") is None


def test_the_report_page_holds_many_long_names_and_every_hour() -> None:
    """Ten packers (the chart shows seven and "others"), names of the longest allowed,
    24 hours: every piece of text starts on the page and the names are cut to fit."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    names = [f"Packer {n} " + "Llewellyn-Jones" * 4 for n in range(9)] + ["X" * 60]
    per_hour = {h: {n: (h + i) % 4 + 1 for i, n in enumerate(names)} for h in range(24)}
    figures = ShiftFigures(uk_today(), None, "Y" * 60, 5, 1, 2, 100, per_hour)
    page = PdfReader(io.BytesIO(shift_pdf(figures, "bench-1"))).pages[0]
    width = float(page.mediabox[2])
    placed: list[tuple[float, str, float]] = []

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            placed.append((cm[4] + tm[4] * cm[0], text, size * (tm[0] or 1) * cm[0]))

    text = page.extract_text(visitor_text=seen)
    assert "3 others" in text and "…" in text
    for x, piece, size in placed:
        assert x >= 0, piece
        assert x + stringWidth(piece, "Helvetica", size or 8) * 0.9 <= width, piece
