"""The local database: migrations, the jobs cache, the outbox."""

from __future__ import annotations

import copy
import dataclasses
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from packstation.api import Job
from packstation.store.database import MIGRATIONS, Database
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, LeaseHeld, OutboxConflict, OutboxState
from tests.conftest import Opener
from tests.test_models import DOC_JOB


def job(job_id: int, status: str = "pending", **changes: object) -> Job:
    raw = copy.deepcopy(DOC_JOB)
    raw.update(id=job_id, status=status, order_reference=f"ORDER{job_id}", **changes)
    raw["vouchers"][0]["code"] = f"{job_id:08d}"
    return Job.from_json(raw)


def test_migrates_from_empty_to_current(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite3")
    assert db.version == len(MIGRATIONS)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"print_history", "jobs", "job_voucher_codes", "sync_state", "outbox",
            "scan_log"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrates_from_version_1_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    old.execute("INSERT INTO print_history (created_at, job_id, kind, voucher_ids, pdf_urls,"
                " printer, path, pages, copies, outcome, updated_at) VALUES"
                " ('2026-01-01T00:00:00+00:00', 7, 'vouchers', '[1]', '[]', 'PDF', 'cups', 1, 1,"
                " 'printed', '2026-01-01T00:00:00+00:00')")
    old.commit()
    old.close()
    db = Database(path)
    assert db.version == len(MIGRATIONS)
    rows = db.execute("SELECT job_id, outcome FROM print_history").fetchall()
    assert [tuple(r) for r in rows] == [(7, "printed")]
    JobCache(db).store([job(1)], 1.0)  # the new tables work
    assert JobCache(db).get(1) is not None


def test_cache_round_trip_and_lookups(tmp_path: Path, engine: Opener) -> None:
    cache = JobCache(engine())
    changes = cache.store([job(1), job(2, tracking_reference="JD1"), job(3, "dispatched")], 10.0)
    assert {(c.job.id, c.old_status) for c in changes} == {(1, None), (2, None), (3, None)}
    assert [j.id for j in cache.load(["pending"])] == [1, 2]
    again = cache.get(1)
    assert again is not None and again == job(1) and again.raw == job(1).raw
    found = cache.by_order_reference("order2")  # case-insensitive, as scanned
    assert found is not None and found.id == 2
    by_code = cache.by_voucher_code("00000003")
    assert by_code is not None and by_code.id == 3
    assert [j.id for j in cache.by_tracking_reference("JD1")] == [2]
    assert cache.counts() == {"pending": 2, "dispatched": 1}


def test_newest_wins_and_changes_are_reported(tmp_path: Path, engine: Opener) -> None:
    cache = JobCache(engine())
    cache.store([job(1)], 10.0)
    dispatched = job(1, "dispatched", tracking_reference="T1")
    changes = cache.store([dispatched], 20.0)
    assert len(changes) == 1 and changes[0].left_pending
    # A slower request that started earlier must not undo it.
    assert cache.store([job(1)], 15.0) == []
    stored = cache.get(1)
    assert stored is not None and stored.status == "dispatched"


def test_watermark_moves_with_the_jobs_it_covers(tmp_path: Path, engine: Opener) -> None:
    db = engine()
    cache = JobCache(db)
    mark = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    # Too big for either engine: the insert fails part-way. (The API refuses such an id
    # when reading; the store must stay all-or-nothing whatever it is handed.)
    import psycopg

    broken = dataclasses.replace(job(2), id=2**70)
    with pytest.raises((OverflowError, psycopg.errors.NumericValueOutOfRange)):
        cache.store([job(1), broken], 5.0, watermark=mark)
    assert cache.watermark() is None and cache.get(1) is None  # all or nothing
    cache.store([job(1)], 5.0, watermark=mark, full_sync=True)
    assert cache.watermark() == mark and cache.last_full_sync() == 5.0


def test_outbox_one_change_per_job_and_confirmation(tmp_path: Path, engine: Opener) -> None:
    outbox = DispatchOutbox(engine())
    first = outbox.add(1, "dispatched", "TRACK-A")
    assert outbox.add(1, "dispatched", "TRACK-A").id == first.id  # same scan twice: one
    with pytest.raises(OutboxConflict) as caught:
        outbox.add(1, "dispatched", "TRACK-B")
    assert "TRACK-A" in str(caught.value) and caught.value.existing.id == first.id
    replaced = outbox.add(1, "dispatched", "TRACK-B", replace=True)
    assert replaced.tracking_reference == "TRACK-B" and len(outbox) == 1
    claimed = outbox.claim_next()
    assert claimed is not None and claimed.state is OutboxState.PENDING  # as it was read
    with pytest.raises(OutboxConflict) as caught:  # never while it is being sent
        outbox.add(1, "dispatched", "TRACK-C", replace=True)
    assert "being sent" in str(caught.value)
    with pytest.raises(LeaseHeld, match="being sent"):
        outbox.discard(claimed.id)


def test_outbox_takes_over_an_expired_lease_and_handles_attention(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    outbox = DispatchOutbox(Database(path))
    outbox.add(5, "dispatched", "T5")
    sending = outbox.claim_next(lease=60)
    assert sending is not None  # ...and then the process dies
    reopened = DispatchOutbox(Database(path))
    assert reopened.claim_next() is None  # our own lease is still running
    later = time.time() + 61
    entry = reopened.claim_next(now=later)  # expired: taken over
    assert entry is not None and entry.attempts == 1
    reopened.needs_attention(entry, "The tracking reference is invalid.")
    stuck = reopened.for_job(5)
    assert stuck is not None and stuck.state is OutboxState.ATTENTION
    assert stuck.last_error == "The tracking reference is invalid."
    assert reopened.claim_next() is None  # not sent again until the user says so
    retried = reopened.retry(stuck.id, new_tracking="T5-FIXED")
    assert retried is not None and retried.state is OutboxState.PENDING
    assert retried.tracking_reference == "T5-FIXED"
    assert reopened.discard(stuck.id) and len(reopened) == 0


def test_scan_log_keeps_every_scan_with_its_outcome(tmp_path: Path, engine: Opener) -> None:
    from packstation.store.scan_log import ScanLog

    log = ScanLog(engine())
    log.record("rEJzAQ732r", "job", "selected", job_id=1)
    log.record("JD0001GB", "tracking", "saved, sending", job_id=1)
    log.record("\x00garbage", "refused", "not a known code")
    recent = log.recent()
    assert [(r.scan, r.meaning, r.job_id) for r in recent] == [
        ("\u2400garbage", "refused", None), ("JD0001GB", "tracking", 1),
        ("rEJzAQ732r", "job", 1)]


def test_an_unreadable_cached_job_is_skipped_and_logged(
        tmp_path: Path, engine: Opener, caplog: pytest.LogCaptureFixture) -> None:
    db = engine()
    cache = JobCache(db)
    cache.store([job(1), job(2)], 5.0)
    db.execute("UPDATE jobs SET body = ? WHERE id = 2", ('{"id": "not a number"}',))
    assert [j.id for j in cache.load()] == [1]  # the other jobs are still shown
    assert "a cached job was skipped, unreadable" in caplog.text and "id" in caplog.text


def test_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    """The window and a command (or a site's station and its own fallback) started
    together on a PC: each may find the schema behind, one takes each step."""
    import subprocess
    import sys

    from packstation.store.database import MIGRATIONS

    path = tmp_path / "shared.sqlite3"
    script = ("import sys; from packstation.store.database import Database;"
              " Database(sys.argv[1]).close()")
    root = Path(__file__).parent.parent
    for _ in range(3):
        path.unlink(missing_ok=True)
        openers = [subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=root,
                                    stderr=subprocess.PIPE, text=True) for _ in range(6)]
        errors = [p.communicate(timeout=60)[1] for p in openers]
        assert [p.returncode for p in openers] == [0] * 6, errors
        assert Database(path).version == len(MIGRATIONS)
