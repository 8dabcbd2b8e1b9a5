"""Courier manifests: what was handed to which carrier at which collection (issue 19).

A manifest is closed once, with its entries (one per job: its order, tracking number,
recipient, postcode and value as they were), and is never deleted: an amendment takes
an entry off with a reason, by whom and when. A job is on one manifest at a time (a
unique index over the entries not taken off), so two stations closing at the same
moment cannot put a job on two: the second finds nothing left and makes none.
Blocking: call in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from packstation.api import Job
from packstation.store.database import Store, id_chunks
from packstation.store.jobs import jobs_from_rows

LOOK_BACK: Final = timedelta(days=7)  # dispatches older than this are on no manifest
MAX_WAITING: Final = 50_000  # dispatches of the look-back read at most (a bound)
_PAGE: Final = 2000


class NothingToClose(Exception):
    """No dispatched job of that carrier is waiting for a manifest (maybe another station
    closed it a moment ago)."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    job_id: int
    order_reference: str
    tracking_reference: str  # "" when untracked
    recipient: str
    postcode: str
    value_pence: int
    dispatched_at: str
    removed_at: str = ""  # taken off (an amendment), and why, by whom
    removed_reason: str = ""
    removed_by: str = ""

    @property
    def removed(self) -> bool:
        return bool(self.removed_at)


@dataclass(frozen=True, slots=True)
class Manifest:
    id: int
    carrier: str
    collection: str  # the collection it was closed for: "2026-11-30 16:00", or ""
    closed_at: str
    station: str
    packer: str
    entries: tuple[ManifestEntry, ...] = ()

    @property
    def on_it(self) -> list[ManifestEntry]:
        return [e for e in self.entries if not e.removed]

    @property
    def amended(self) -> bool:
        return any(e.removed for e in self.entries)

    @property
    def total_pence(self) -> int:
        return sum(e.value_pence for e in self.on_it)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_ENTRY_COLUMNS = ("job_id, order_reference, tracking_reference, recipient, postcode,"
                  " value_pence, dispatched_at, removed_at, removed_reason, removed_by")


def _entry(row: Sequence[Any]) -> ManifestEntry:
    r = tuple(row)
    return ManifestEntry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]),
                         str(r[6]), str(r[7] or ""), str(r[8] or ""), str(r[9] or ""))


class ManifestStore:
    def __init__(self, db: Store) -> None:
        self._db = db

    def waiting(self, now: datetime | None = None) -> list[tuple[Job, str]]:
        """Jobs dispatched (confirmed, still dispatched) within ``LOOK_BACK`` and on no
        manifest, with when each was confirmed: the carrier is the caller's to judge."""
        since = ((now or datetime.now(UTC)) - LOOK_BACK).astimezone(UTC)
        found: list[tuple[Job, str]] = []
        after = (since.isoformat(timespec="milliseconds"), -1)
        # In pages (of every carrier, and of none: the carrier is judged after), so no
        # carrier's jobs are crowded out by another's that nobody closes.
        while len(found) < MAX_WAITING:
            rows = self._db.fetch(
                "SELECT j.body, MIN(h.confirmed_at) AS at, j.id FROM dispatch_history h"
                " JOIN jobs j ON j.id = h.job_id WHERE h.status = 'dispatched' AND"
                " j.status = 'dispatched' AND h.confirmed_at >= ? AND NOT EXISTS (SELECT 1"
                " FROM manifest_entries e WHERE e.job_id = h.job_id AND e.removed_at IS"
                " NULL) GROUP BY j.id, j.body HAVING (MIN(h.confirmed_at), j.id) > (?, ?)"
                " ORDER BY MIN(h.confirmed_at), j.id LIMIT ?",
                (since.isoformat(timespec="milliseconds"), *after, _PAGE))
            for body, confirmed_at, _ in rows:  # an unreadable body is skipped (logged)
                job = jobs_from_rows([(body,)])
                if job:
                    found.append((job[0], str(confirmed_at)))
            if len(rows) < _PAGE:
                break
            after = (str(rows[-1][1]), int(rows[-1][2]))
        return found

    def close(self, carrier: str, collection: str, station: str, packer: str,
              entries: Sequence[ManifestEntry]) -> Manifest:
        """A new manifest of ``entries`` (those not on another manifest by the time it
        commits); NothingToClose when none is left, and then no manifest is made."""
        closed_at = _now()
        with self._db.transaction() as sql:
            manifest_id = int(sql.execute(
                "INSERT INTO manifests (carrier, collection, closed_at, station, packer)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (carrier, collection, closed_at, station, packer)).fetchone()[0])
            kept = []
            for entry in sorted(entries, key=lambda e: e.job_id):  # one lock order
                if sql.execute(
                        "INSERT INTO manifest_entries (manifest_id, job_id, order_reference,"
                        " tracking_reference, recipient, postcode, value_pence,"
                        " dispatched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT DO NOTHING RETURNING job_id",
                        (manifest_id, entry.job_id, entry.order_reference,
                         entry.tracking_reference, entry.recipient, entry.postcode,
                         entry.value_pence, entry.dispatched_at)).fetchall():
                    kept.append(entry)
            if not kept:
                raise NothingToClose(f"Nothing of {carrier} is waiting for a manifest.")
        return Manifest(manifest_id, carrier, collection, closed_at, station, packer,
                        tuple(kept))

    def get(self, manifest_id: int) -> Manifest | None:
        rows = self._db.fetch("SELECT id, carrier, collection, closed_at, station, packer"
                              " FROM manifests WHERE id = ?", (manifest_id,))
        if not rows:
            return None
        r = tuple(rows[0])
        entries = tuple(_entry(e) for e in self._db.fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM manifest_entries WHERE manifest_id = ?"
            " ORDER BY id", (manifest_id,)))
        return Manifest(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                        entries)

    def recent(self, limit: int = 50) -> list[tuple[Manifest, int]]:
        """The newest manifests (without entries), each with how many jobs are on it."""
        rows = self._db.fetch(
            "SELECT m.id, m.carrier, m.collection, m.closed_at, m.station, m.packer,"
            " (SELECT count(*) FROM manifest_entries e WHERE e.manifest_id = m.id AND"
            " e.removed_at IS NULL) FROM manifests m ORDER BY m.id DESC LIMIT ?", (limit,))
        return [(Manifest(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                          str(r[5])), int(r[6])) for r in rows]

    def remove(self, manifest_id: int, job_id: int, reason: str, by: str) -> bool:
        """The job taken off the manifest (kept, marked with why, by whom and when):
        False when it is not on it (or was taken off already)."""
        return bool(self._db.fetch(
            "UPDATE manifest_entries SET removed_at = ?, removed_reason = ?, removed_by = ?"
            " WHERE manifest_id = ? AND job_id = ? AND removed_at IS NULL RETURNING job_id",
            (_now(), reason, by, manifest_id, job_id)))

    def statuses(self, job_ids: Sequence[int]) -> dict[int, str]:
        """The cache's status of each job now (a job cancelled since is flagged)."""
        found: dict[int, str] = {}
        for chunk, marks in id_chunks(job_ids):
            for row in self._db.fetch(f"SELECT id, status FROM jobs WHERE id IN ({marks})",
                                      chunk):
                found[int(row[0])] = str(row[1])
        return found
