"""Every change Smart Gift confirmed: the outbox's row moves here as it is settled.

A station that lost its site confirms changes into its own SQLite history; once the site
is back they are copied into the site's, each exactly once (``origin``: the station and
its own row's id). Blocking: call in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from packstation.store.database import Store

_SLICE: Final = 200


@dataclass(frozen=True, slots=True)
class Confirmed:
    id: int
    job_id: int
    status: str
    tracking_reference: str | None
    station: str
    saved_at: str
    confirmed_at: str
    packer: str = ""


_COLUMNS = "id, job_id, status, tracking_reference, station, saved_at, confirmed_at, packer"


def _confirmed(row: Sequence[Any]) -> Confirmed:
    values = tuple(row)
    return Confirmed(int(values[0]), int(values[1]), str(values[2]),
                     None if values[3] is None else str(values[3]), str(values[4]),
                     str(values[5]), str(values[6]), str(values[7]))


class DispatchHistory:
    def __init__(self, db: Store) -> None:
        self._db = db

    def for_job(self, job_id: int) -> list[Confirmed]:
        return [_confirmed(r) for r in self._db.fetch(
            f"SELECT {_COLUMNS} FROM dispatch_history WHERE job_id = ? ORDER BY id",
            (job_id,))]

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM dispatch_history").fetchone()[0])

    def not_copied(self, limit: int = _SLICE) -> list[Confirmed]:
        """Confirmed here and not yet in the site's history, oldest first."""
        return [_confirmed(r) for r in self._db.fetch(
            f"SELECT {_COLUMNS} FROM dispatch_history WHERE copied = 0 ORDER BY id LIMIT ?",
            (limit,))]

    def mark_copied(self, ids: list[int]) -> None:
        self._db.executemany("UPDATE dispatch_history SET copied = 1 WHERE id = ?",
                             [(i,) for i in ids])

    def copy_in(self, rows: list[Confirmed], from_station: str) -> int:
        """Another store's rows added once each (again: nothing); how many were new."""
        added = 0
        with self._db.transaction() as sql:
            for row in rows:
                added += len(sql.execute(
                    "INSERT INTO dispatch_history (job_id, status, tracking_reference,"
                    " station, saved_at, confirmed_at, origin, copied, packer) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (origin) DO NOTHING RETURNING id",
                    (row.job_id, row.status, row.tracking_reference, row.station or
                     from_station, row.saved_at, row.confirmed_at,
                     f"{from_station}/{row.id}/{row.confirmed_at}", row.packer)).fetchall())
        return added
