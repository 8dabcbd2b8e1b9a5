"""The jobs cache: every job as received, plus indexed columns to find it by a scan.

Writes are merged by job id, newest wins: a row is replaced only by a job that
was fetched no earlier than the one stored, so a slow sync cannot overwrite the
job a dispatch just returned. The sync watermark moves in the same transaction
as the jobs it covers, never before them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson

from packstation.api import Job
from packstation.api.fields import FieldError
from packstation.memory import building_many
from packstation.store.database import Store, id_chunks

log = logging.getLogger(__name__)


_SET_STATE = ("INSERT INTO sync_state (key, value) VALUES (?, ?)"
              " ON CONFLICT (key) DO UPDATE SET value = excluded.value")


@dataclass(frozen=True, slots=True)
class JobChange:
    """A job whose status differs from what the cache held (old is None: new to us)."""

    job: Job
    old_status: str | None

    @property
    def left_pending(self) -> bool:
        return self.old_status == "pending" and self.job.status != "pending"


# A job a full refresh no longer lists as pending, whose new status it cannot tell.
LEFT_PENDING = "left pending"


def normalise_postcode(postcode: str | None) -> str | None:
    return postcode.replace(" ", "").upper() if postcode else None


def _row(job: Job, fetched_at: float) -> tuple[object, ...]:
    address = job.delivery_address
    return (job.id, job.status, job.order_reference,
            normalise_postcode(address.postcode if address else None), job.tracking_reference,
            job.received_at.isoformat() if job.received_at else None, fetched_at,
            json.dumps(job.raw, ensure_ascii=False, default=str))


def jobs_from_rows(rows: Sequence[Sequence[object]]) -> list[Job]:
    """The jobs of stored bodies (each row's first column); an unreadable one skipped."""
    out = []
    with building_many(len(rows)):  # see packstation.memory: no GC stalls at start-up
        for row in rows:
            try:
                out.append(Job.from_json(orjson.loads(str(row[0]))))
            except (FieldError, ValueError, RecursionError) as exc:
                # Was readable when stored; a newer reader may differ. Skipped, said.
                log.warning("a cached job was skipped, unreadable: %s", str(exc)[:200])
    return out


class JobCache:
    def __init__(self, db: Store) -> None:
        self._db = db

    def store(self, jobs: Sequence[Job], fetched_at: float, *,
              watermark: datetime | None = None, full_sync: bool = False,
              missing_from_pending: Iterable[int] = (),
              guard: Callable[[Any], None] | None = None) -> list[JobChange]:
        """Merge ``jobs`` fetched at ``fetched_at`` (epoch s); return what changed status.

        ``missing_from_pending``: cached pending jobs a full refresh no longer lists;
        they left pending elsewhere, to a status the refresh cannot tell. ``guard``: run
        first in the transaction; what it raises writes nothing (a site's syncer checks
        it still holds its lease).
        """
        changes: list[JobChange] = []
        # A full sync's thousands: the collector paused, the GIL handed over often.
        with building_many(len(jobs)), self._db.transaction() as sql:
            if guard is not None:
                guard(sql)
            known: dict[int, tuple[str, float]] = {}
            for chunk, marks in id_chunks(job.id for job in jobs):
                known.update((row[0], (row[1], row[2])) for row in sql.execute(
                    f"SELECT id, status, fetched_at FROM jobs WHERE id IN ({marks})", chunk))
            fresh = []
            for job in jobs:
                old = known.get(job.id)
                if old is not None and old[1] > fetched_at:
                    continue  # we hold a newer copy
                fresh.append(job)
                if old is None or old[0] != job.status:
                    changes.append(JobChange(job, old[0] if old else None))
            sql.executemany(
                "INSERT INTO jobs (id, status, order_reference, postcode, tracking_reference,"
                " received_at, fetched_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET status = excluded.status,"
                " order_reference = excluded.order_reference, postcode = excluded.postcode,"
                " tracking_reference = excluded.tracking_reference,"
                " received_at = excluded.received_at, fetched_at = excluded.fetched_at,"
                " body = excluded.body WHERE jobs.fetched_at <= excluded.fetched_at",
                # In id order: two benches writing the same jobs lock them in one order.
                [_row(job, fetched_at) for job in sorted(fresh, key=lambda j: j.id)])
            fresh_ids = [(job.id,) for job in fresh]
            sql.executemany("DELETE FROM job_voucher_codes WHERE job_id = ?", fresh_ids)
            sql.executemany("INSERT INTO job_voucher_codes (code, job_id) VALUES (?, ?)"
                            " ON CONFLICT DO NOTHING",
                            [(v.code, job.id) for job in fresh for v in job.vouchers if v.code])
            for job_id in missing_from_pending:
                row = sql.execute("UPDATE jobs SET status = ? WHERE id = ? AND status ="
                                  " 'pending' AND fetched_at <= ? RETURNING body",
                                  (LEFT_PENDING, job_id, fetched_at)).fetchone()
                if row is not None:
                    gone = self._jobs([row])
                    changes.extend(JobChange(replace(j, status=LEFT_PENDING), "pending")
                                   for j in gone)
            if watermark is not None:
                sql.execute(_SET_STATE, ("watermark", watermark.isoformat()))
            if full_sync:
                sql.execute(_SET_STATE, ("last_full_sync", repr(fetched_at)))
        return changes

    def _jobs(self, rows: Sequence[Sequence[object]]) -> list[Job]:
        return jobs_from_rows(rows)

    def load(self, statuses: Sequence[str] | None = None) -> list[Job]:
        if statuses:
            marks = ",".join("?" * len(statuses))
            rows = self._db.execute(f"SELECT body FROM jobs WHERE status IN ({marks})"
                                    " ORDER BY received_at, id", tuple(statuses)).fetchall()
        else:
            rows = self._db.execute("SELECT body FROM jobs ORDER BY received_at, id").fetchall()
        return self._jobs(rows)

    def load_page(self, after: tuple[str, int] | None = None, limit: int = 1000
                  ) -> tuple[list[Job], tuple[str, int] | None]:
        """Up to ``limit`` jobs, oldest first, after the key of the last page.

        Returns (jobs, key for the next page or None at the end): a big queue
        is read in slices, so no single read holds the app for long.
        """
        start_received, start_id = after if after is not None else ("", -1)
        rows = self._db.execute(
            "SELECT body, COALESCE(received_at, ''), id FROM jobs"
            " WHERE (COALESCE(received_at, ''), id) > (?, ?)"
            " ORDER BY COALESCE(received_at, ''), id LIMIT ?",
            (start_received, start_id, limit)).fetchall()
        jobs = self._jobs([(row[0],) for row in rows])
        return jobs, ((rows[-1][1], rows[-1][2]) if len(rows) == limit else None)

    def get(self, job_id: int) -> Job | None:
        found = self._jobs(self._db.execute("SELECT body FROM jobs WHERE id = ?",
                                            (job_id,)).fetchall())
        return found[0] if found else None

    def status_of(self, job_id: int) -> str | None:
        row = self._db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return str(row[0]) if row else None

    def by_order_reference(self, reference: str) -> Job | None:
        found = self._jobs(self._db.execute(
            "SELECT body FROM jobs WHERE lower(order_reference) = lower(?)",
            (reference,)).fetchall())
        return found[0] if found else None

    def by_voucher_code(self, code: str) -> Job | None:
        found = self._jobs(self._db.execute(
            "SELECT body FROM jobs WHERE id IN"
            " (SELECT job_id FROM job_voucher_codes WHERE code = ?)", (code,)).fetchall())
        return found[0] if found else None

    def by_tracking_reference(self, reference: str) -> list[Job]:
        return self._jobs(self._db.execute(
            "SELECT body FROM jobs WHERE tracking_reference = ?", (reference,)).fetchall())

    def ids_with_status(self, status: str) -> set[int]:
        return {int(r[0]) for r in self._db.execute("SELECT id FROM jobs WHERE status = ?",
                                                    (status,))}

    def counts(self) -> dict[str, int]:
        return {str(s): int(n) for s, n in self._db.execute(
            "SELECT status, COUNT(*) FROM jobs GROUP BY status")}

    def delivery_method_names(self, limit: int = 500) -> list[str]:
        """Every delivery method the cached jobs name (for the settings' list of methods)."""
        rows = self._db.execute(
            "SELECT DISTINCT name FROM (SELECT"
            f" {self._db.dialect.json_text('body', 'delivery_method_name')} AS name FROM jobs)"
            " AS named WHERE name IS NOT NULL ORDER BY name LIMIT ?", (limit,))
        return [str(name) for (name,) in rows if isinstance(name, str) and name.strip()]

    def watermark(self) -> datetime | None:
        row = self._db.execute("SELECT value FROM sync_state WHERE key = 'watermark'").fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def last_full_sync(self) -> float | None:
        row = self._db.execute(
            "SELECT value FROM sync_state WHERE key = 'last_full_sync'").fetchone()
        return float(row[0]) if row else None
