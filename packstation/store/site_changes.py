"""What changed in a site's jobs since a station last read them.

Every write to a site's ``jobs`` row is numbered (``change_seq``, by a trigger that makes
writers take turns until they commit, so the numbers commit in order) and announced on
the ``packstation_jobs`` channel. A station reads the rows numbered after the last it
read: nothing is missed, nothing read twice but harmlessly. Blocking: call in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from packstation.api import Job
from packstation.store.jobs import jobs_from_rows

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase

JOBS_CHANNEL: Final = "packstation_jobs"
SYNC_NOW_CHANNEL: Final = "packstation_sync_now"  # a station's refresh, asked of the syncer
SLICE: Final = 500


@dataclass(frozen=True, slots=True)
class SiteJobs:
    """Where a station starts following: the newest change, each job's status."""

    seq: int
    statuses: dict[int, str]


@dataclass(frozen=True, slots=True)
class ChangedJobs:
    jobs: list[Job]
    seq: int  # read up to here
    more: bool  # a full slice: read again at once
    synced_at: datetime | None  # the site's last sync (its watermark)


class SiteChanges:
    def __init__(self, db: SiteDatabase) -> None:
        self._db = db

    def start(self) -> SiteJobs:
        with self._db.transaction() as sql:  # one snapshot: the statuses as of that seq
            sql.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            seq = int(sql.execute("SELECT COALESCE(max(change_seq), 0) FROM jobs"
                                  ).fetchone()[0])
            statuses = {int(r[0]): str(r[1]) for r in sql.execute("SELECT id, status FROM jobs")}
        return SiteJobs(seq, statuses)

    def since(self, seq: int, limit: int = SLICE) -> ChangedJobs:
        rows = self._db.fetch("SELECT body, change_seq FROM jobs WHERE change_seq > ?"
                              " ORDER BY change_seq LIMIT ?", (seq, limit))
        mark = self._db.execute("SELECT value FROM sync_state WHERE key = 'watermark'"
                                ).fetchone()
        try:
            synced_at = datetime.fromisoformat(str(mark[0])) if mark else None
        except ValueError:
            synced_at = None
        return ChangedJobs(jobs_from_rows(rows), int(rows[-1][1]) if rows else seq,
                           len(rows) == limit, synced_at)

    def ask_for_sync(self) -> None:
        """The syncer is asked to sync now (a person pressed refresh at another bench)."""
        self._db.execute("SELECT pg_notify(?, '')", (SYNC_NOW_CHANNEL,))
