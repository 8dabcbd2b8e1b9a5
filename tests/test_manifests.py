"""Courier manifests against the sandbox and a real store: nothing twice, nothing missed,
late dispatches on the next one, a cancellation flagged, an amendment kept with its
reason; the PDF read back (text and barcode) and the CSV round trip; two stations of a
site closing at the same moment make one manifest."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from packstation.api import Job
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.manifests import ManifestDesk, job_carrier
from packstation.printing.manifest_sheet import manifest_barcode, manifest_csv, manifest_pdf
from packstation.sandbox import SandboxServer
from packstation.station import Station
from packstation.store.database import Store
from packstation.store.history import DispatchHistory
from packstation.store.manifests import ManifestStore, NothingToClose
from tests.gui import make_station
from tests.test_packing import dpd_label

METHODS = {"Gift Letter": DeliveryMethod("Gift Letter", Tracking.UNTRACKED, "royal-mail"),
           "Gift Envelope": DeliveryMethod("Gift Envelope", Tracking.INTERNAL),
           "Gift Box": DeliveryMethod("Gift Box", Tracking.CARRIER, "dpd")}


@pytest.fixture
async def station(sandbox: SandboxServer, tmp_path: Path) -> AsyncIterator[Station]:
    made = make_station(sandbox, tmp_path / "db.sqlite3", delivery_methods=dict(METHODS),
                        station_name="bench-1", collection_cutoffs={"dpd": "16:00"})
    await made.sync.sync_once()
    made.sender.start()
    yield made
    await made.aclose()


def pending(station: Station, method: str) -> list[Job]:
    return [j for j in station.cache.load(["pending"]) if j.delivery_method_name == method]


async def dispatched(station: Station, jobs: list[tuple[Job, str | None]]) -> None:
    history = DispatchHistory(station.db)
    before = history.count()
    for job, reference in jobs:
        outcome = await station.jobs.dispatch(job, reference)
        assert outcome.ok, outcome.message
    for _ in range(400):
        if history.count() == before + len(jobs):
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the dispatches were not confirmed")


async def test_close_amend_and_reprint_a_carriers_manifest(station: Station) -> None:
    desk = station.manifests
    boxes, letters = pending(station, "Gift Box"), pending(station, "Gift Letter")
    envelope = pending(station, "Gift Envelope")[0]
    assert len(boxes) >= 3 and len(letters) >= 2
    await dispatched(station, [(boxes[0], dpd_label(1)[1]), (boxes[1], dpd_label(2)[1]),
                               (letters[0], None), (letters[1], None),
                               (envelope, "OUR-REF-1")])
    waiting = {c: n for c, n, _ in await asyncio.to_thread(desk.carriers)}
    assert waiting["dpd"] == 2 and waiting["royal-mail"] == 2  # the envelope: no carrier
    assert sum(waiting.values()) == 4
    collection = await asyncio.to_thread(desk.next_collection)
    assert collection is not None and collection.carrier == "dpd"
    assert collection.waiting == 2 and collection.at.strftime("%H:%M") == "16:00"

    first = await asyncio.to_thread(desk.close, "dpd")
    assert sorted(e.job_id for e in first.on_it) == sorted([boxes[0].id, boxes[1].id])
    assert {e.tracking_reference for e in first.on_it} == {dpd_label(1)[1], dpd_label(2)[1]}
    assert first.collection.endswith("16:00") and first.station == "bench-1"
    with pytest.raises(NothingToClose):  # nothing twice
        await asyncio.to_thread(desk.close, "dpd")
    letters_manifest = await asyncio.to_thread(desk.close, "royal-mail")
    assert {e.tracking_reference for e in letters_manifest.on_it} == {""}  # untracked

    # A job dispatched after the close goes on the next manifest, alone.
    await dispatched(station, [(boxes[2], dpd_label(3)[1])])
    second = await asyncio.to_thread(desk.close, "dpd")
    assert [e.job_id for e in second.on_it] == [boxes[2].id] and second.id > first.id

    # Cancelled in Smart Gift after it was put on the manifest: flagged on the reprint.
    cancelled = await station.jobs.set_status(
        station.cache.get(boxes[0].id) or boxes[0], "cancelled")
    assert cancelled.ok, cancelled.message
    for _ in range(400):
        if station.cache.status_of(boxes[0].id) == "cancelled":
            break
        await asyncio.sleep(0.025)
    assert station.cache.status_of(boxes[0].id) == "cancelled"
    assert await asyncio.to_thread(desk.cancelled_since, first) == {boxes[0].id}

    # Amended: a job taken off with its reason; nothing is deleted.
    with pytest.raises(ValueError, match="Say why"):
        await asyncio.to_thread(desk.amend, first.id, boxes[1].id, "  ")
    amended = await asyncio.to_thread(desk.amend, first.id, boxes[1].id,
                                      "Parcel left behind: not collected")
    assert amended.amended and len(amended.entries) == 2 and len(amended.on_it) == 1
    removed = next(e for e in amended.entries if e.removed)
    assert removed.removed_reason == "Parcel left behind: not collected"
    assert removed.removed_by == "bench-1 at bench-1"
    with pytest.raises(LookupError):
        await asyncio.to_thread(desk.amend, first.id, boxes[1].id, "again")
    # Taken off, it waits for the next manifest again.
    assert boxes[1].id in [e.job_id for e in await asyncio.to_thread(desk.preview, "dpd")]

    flags = await asyncio.to_thread(desk.cancelled_since, amended)
    page = manifest_pdf(amended, reprint=True, cancelled=flags, site="bench-1")
    text = PdfReader(io.BytesIO(page)).pages[0].extract_text()
    assert f"DPD manifest {first.id}" in text and "AMENDED" in text and "REPRINT" in text
    assert "CANCELLED" in text and "Parcel left behind: not collected" in text
    assert boxes[0].order_reference in text and dpd_label(1)[1] in text
    assert "Parcels: 1" in text and "Driver's name" in text and "Signature" in text

    rows = list(csv.reader(io.StringIO(manifest_csv(amended, flags))))
    assert rows[1][:2] == [str(first.id), "dpd"]
    body = {int(r[0]): r for r in rows[4:]}
    assert set(body) == {boxes[0].id, boxes[1].id}
    assert body[boxes[0].id][7] == "cancelled since"
    assert body[boxes[1].id][7:9] == ["taken off", "Parcel left behind: not collected"]
    assert body[boxes[0].id][2] == dpd_label(1)[1]
    recent = await asyncio.to_thread(desk.store.recent)
    assert [(m.id, n) for m, n in recent][:3] == [(second.id, 1), (letters_manifest.id, 2),
                                                  (first.id, 1)]


def test_the_manifest_barcode_scans_as_its_id(qapp: object) -> None:
    from packstation.store.manifests import Manifest, ManifestEntry
    from tests.barcodes import barcodes_in_pdf

    entries = tuple(ManifestEntry(i, f"ORDER{i}", f"1550{i:010d}", "Ffion Jones", "LL61 5UJ",
                                  2500, "2026-11-30T10:00:00.000+00:00") for i in range(45))
    manifest = Manifest(1234, "dpd", "2026-11-30 16:00", "2026-11-30T15:55:00.000+00:00",
                        "bench-1", "Aisha Khan", entries)
    pdf = manifest_pdf(manifest)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # 45 parcels: 30 on the first page
    assert "Parcels: 45" in reader.pages[1].extract_text()
    assert "Total value: £1,125.00" in reader.pages[1].extract_text()
    for page in barcodes_in_pdf(pdf):
        assert (manifest_barcode(1234), "Code128") in page


def test_a_jobs_carrier() -> None:
    box = DeliveryMethod("Box", Tracking.CARRIER, "dpd")
    letter = DeliveryMethod("Letter", Tracking.UNTRACKED, "royal-mail")
    internal = DeliveryMethod("Courier", Tracking.INTERNAL)

    def job(tracking: str | None) -> Job:
        return Job.from_json({"id": 1, "status": "dispatched", "vouchers": [],
                              "tracking_reference": tracking})

    assert job_carrier(job("15501234567890"), box) == "dpd"
    # Our own references are ours: a 14-digit one is not taken for DPD's.
    assert job_carrier(job("15501234567890"), internal) is None
    assert job_carrier(job("15501234567890"), DeliveryMethod("X", Tracking.CARRIER)) == "dpd"
    assert job_carrier(job(None), letter) == "royal-mail"
    assert job_carrier(job("OUR-REF-1"), internal) is None
    assert job_carrier(job("OUR-REF-1"), letter) == "royal-mail"


def test_two_stations_closing_at_the_same_moment_make_one_manifest(
        engine: Callable[[], Store]) -> None:
    from packstation.leave_by import LeaveByRule
    from packstation.store.jobs import JobCache
    from packstation.store.outbox import DispatchOutbox
    from tests.test_store import job

    db = engine()
    jobs = [job(i, "dispatched", tracking_reference=f"1550{i:010d}",
                delivery_method_name="Gift Box") for i in range(1, 41)]
    JobCache(db).store(jobs, datetime.now(UTC).timestamp())
    outbox = DispatchOutbox(db, "bench-1")
    for j in jobs:
        outbox.sent(outbox.add(j.id, "dispatched", j.tracking_reference))
    desks = [ManifestDesk(ManifestStore(engine()), lambda name: METHODS["Gift Box"],
                          dict, LeaveByRule, f"bench-{n}", lambda: "") for n in (1, 2)]
    start = threading.Barrier(2)
    made, refused = [], []

    def close(desk: ManifestDesk) -> None:
        start.wait()
        try:
            made.append(desk.close("dpd"))
        except NothingToClose:
            refused.append(desk.station)

    threads = [threading.Thread(target=close, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # Each job is on exactly one manifest; whichever closed first has them all (the
    # other found none left, or only what the first had not yet taken).
    on = [e.job_id for m in made for e in m.on_it]
    assert sorted(on) == [j.id for j in jobs]
    assert len(made) == 1 and len(refused) == 1
    stored = ManifestStore(db).recent()
    assert len(stored) == 1 and stored[0][1] == 40


@pytest.mark.parametrize(("region", "now", "carrier", "at"), [
    ("england-wales", "2026-12-04 15:00", "dpd", "2026-12-04 16:00"),
    ("england-wales", "2026-12-04 16:30", "royal-mail", "2026-12-04 17:30"),
    ("england-wales", "2026-12-04 18:00", "dpd", "2026-12-07 16:00"),  # Friday evening
    ("england-wales", "2026-11-30 09:00", "dpd", "2026-11-30 16:00"),
    ("scotland", "2026-11-30 09:00", "dpd", "2026-12-01 16:00"),  # St Andrew's Day
])
def test_the_next_collection(tmp_path: Path, region: str, now: str, carrier: str,
                             at: str) -> None:
    from packstation.api.fields import uk_zone
    from packstation.leave_by import LeaveByRule
    from packstation.store.database import Database

    desk = ManifestDesk(ManifestStore(Database(tmp_path / "db.sqlite3")),
                        lambda name: DeliveryMethod(name or ""),
                        lambda: {"dpd": "16:00", "royal-mail": "17:30"},
                        lambda: LeaveByRule(region), "bench-1", lambda: "")
    moment = datetime.strptime(now, "%Y-%m-%d %H:%M").replace(tzinfo=uk_zone())
    found = desk.next_collection(moment)
    assert found is not None and found.waiting == 0
    assert (found.carrier, found.at.strftime("%Y-%m-%d %H:%M")) == (carrier, at)


def test_hostile_cutoffs_and_names_are_bounded(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from packstation.config.settings import Settings
    from packstation.store.manifests import Manifest, ManifestEntry

    monkeypatch.setenv("PACKSTATION_CONFIG_DIR", str(tmp_path))
    junk = {f"junk-{n}": "10:00" for n in range(20)}
    Settings.path().write_text(json.dumps({"version": 2, "collection_cutoffs": {
        **junk, "dpd": "16:00", "evri": "²³:00", "yodel": "\uff11\uff16:\uff10\uff10",
        "ups": "7:30"}}),
        encoding="utf-8")
    assert Settings.load().collection_cutoffs == {"dpd": "16:00"}
    long = "Ffion \x1b[31m\u202e" + "Llewellyn" * 1200
    entries = tuple(ManifestEntry(i, "=cmd|' /C calc'!A0", "1550", long, " =1+2", -5,
                                  "2026-11-30T10:00:00.000+00:00") for i in range(30))
    manifest = Manifest(7, "dpd", "", "2026-11-30T15:55:00.000+00:00", "b", "", entries)
    text = PdfReader(io.BytesIO(manifest_pdf(manifest))).pages[0].extract_text()
    assert "Llewelly…" in text or "Llewellyn…" in text
    sheet = manifest_csv(manifest)
    assert "\x1b" not in sheet and "\u202e" not in sheet
    row = list(csv.reader(io.StringIO(sheet)))[4]
    assert row[1].startswith("'=") and row[4] == "' =1+2"


def test_a_carriers_jobs_are_not_crowded_out(engine: Callable[[], Store],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs no manifest takes (our own van's) fill page after page: a carrier's job
    dispatched after them is still found."""
    import packstation.store.manifests as manifests
    from packstation.leave_by import LeaveByRule
    from packstation.store.jobs import JobCache
    from packstation.store.outbox import DispatchOutbox
    from tests.test_store import job

    monkeypatch.setattr(manifests, "_PAGE", 5)
    db = engine()
    ours = [job(i, "dispatched", tracking_reference=f"VAN-{i}",
                delivery_method_name="Gift Envelope") for i in range(1, 13)]
    theirs = job(99, "dispatched", tracking_reference="15500000000099",
                 delivery_method_name="Gift Box")
    JobCache(db).store([*ours, theirs], datetime.now(UTC).timestamp())
    outbox = DispatchOutbox(db, "bench-1")
    for j in [*ours, theirs]:
        outbox.sent(outbox.add(j.id, "dispatched", j.tracking_reference))
    desk = ManifestDesk(ManifestStore(db), lambda name: METHODS[name or "Gift Box"], dict,
                        LeaveByRule, "bench-1", lambda: "")
    assert len(desk.store.waiting()) == 13
    assert [e.job_id for e in desk.preview("dpd")] == [99]


def test_the_collection_a_manifest_is_for(tmp_path: Path) -> None:
    from packstation.api.fields import uk_zone
    from packstation.leave_by import LeaveByRule
    from packstation.store.database import Database

    desk = ManifestDesk(ManifestStore(Database(tmp_path / "db.sqlite3")),
                        lambda name: DeliveryMethod(name or ""), lambda: {"dpd": "16:00"},
                        LeaveByRule, "bench-1", lambda: "")

    def at(text: str) -> str:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=uk_zone())
        return desk.collection_of("dpd", moment)

    assert at("2026-12-04 15:00") == "2026-12-04 16:00"
    assert at("2026-12-04 17:30") == "2026-12-04 16:00"  # a late driver
    assert at("2026-12-04 18:30") == "2026-12-07 16:00"  # Friday evening: Monday's
    assert at("2026-12-25 10:00") == "2026-12-29 16:00"  # Christmas, Boxing Day observed
    assert desk.collection_of("evri") == datetime.now(uk_zone()).date().isoformat()
