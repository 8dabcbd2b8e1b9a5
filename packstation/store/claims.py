"""Which station has which job in hand: claims, so two benches never pack one job.

A station claims the job it puts in hand; "next job" is the first job of the queue's
own order that is pending and claimed by no other station, taken with ``FOR UPDATE
SKIP LOCKED`` (two stations asking at once get two different jobs, neither waits). A
station renews its claims while it runs (every ``RENEW_EVERY`` s); claims not renewed
for ``CLAIM_TIMEOUT`` s (a station switched off, killed, unplugged) are free again.

One station alone (SQLite) has nobody to share with: ``LocalClaims`` takes the first
candidate and holds nothing. Blocking calls: run them in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase


CLAIM_TIMEOUT: Final = 120.0  # seconds without a renewal before a claim is free
RENEW_EVERY: Final = 20.0
_ROUNDS: Final = 50  # of choosing again when others won every job this one chose


@dataclass(frozen=True, slots=True)
class Holder:
    """Another station that has a job in hand."""

    station: str
    since: datetime


@dataclass(frozen=True, slots=True)
class StationSeen:
    name: str
    seen_at: datetime
    claims: int


class JobClaims(Protocol):
    shared: bool  # False: a station alone, whose claims hold nothing

    def take_first(self, candidates: Sequence[int]) -> int | None:
        """The first of ``candidates`` (ids, in the queue's order) that is pending and held
        by no other station, now held by this one; None if there is none."""
        ...

    def take(self, job_id: int, *, take_over: bool = False) -> Holder | None:
        """Hold ``job_id``; the other station holding it (nothing taken) unless
        ``take_over``, or None once it is this station's."""
        ...

    def release(self, job_id: int) -> None: ...

    def holder(self, job_id: int) -> Holder | None:
        """Another station with ``job_id`` in hand, or None."""
        ...

    def renew(self) -> None:
        """This station is alive: its claims stand for another ``timeout``."""
        ...

    def held_elsewhere(self) -> dict[int, str]:
        """Job id -> the station holding it, for every live claim of another station."""
        ...

    def stations(self) -> list[StationSeen]: ...


class LocalClaims:
    """One station alone: nothing to share, nothing held."""

    shared = False

    def take_first(self, candidates: Sequence[int]) -> int | None:
        return candidates[0] if candidates else None

    def take(self, job_id: int, *, take_over: bool = False) -> Holder | None:
        return None

    def release(self, job_id: int) -> None:
        pass

    def holder(self, job_id: int) -> Holder | None:
        return None

    def renew(self) -> None:
        pass

    def held_elsewhere(self) -> dict[int, str]:
        return {}

    def stations(self) -> list[StationSeen]:
        return []


class SiteClaims:
    shared = True

    def __init__(self, db: SiteDatabase, station: str, *,
                 timeout: float = CLAIM_TIMEOUT) -> None:
        if not station.strip() or len(station) > 100:
            raise ValueError("A station's name is 1 to 100 characters.")
        self._db, self.station, self.timeout = db, station, float(timeout)

    def _live(self) -> str:
        return f"renewed_at > now() - make_interval(secs => {self.timeout!r})"

    def take_first(self, candidates: Sequence[int]) -> int | None:
        ids = [int(c) for c in candidates]
        if not ids:
            return None
        # In the queue's order (unnest ... WITH ORDINALITY: linear, however long the queue).
        free = ("FROM unnest(?::bigint[]) WITH ORDINALITY AS q(id, place)"
                " JOIN jobs j ON j.id = q.id WHERE j.status = 'pending'"
                " AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.job_id = j.id"
                f" AND c.station <> ? AND c.{self._live()})")
        with self._db.transaction() as sql:
            for _ in range(_ROUNDS):
                # The jobs' rows are locked as they are chosen: another station choosing
                # at the same moment passes over them (SKIP LOCKED). What this statement
                # saw of the claims may be a moment old: the claim itself decides.
                rows = sql.execute(f"SELECT j.id {free} ORDER BY q.place LIMIT 8"
                                   " FOR UPDATE OF j SKIP LOCKED",
                                   (ids, self.station)).fetchall()
                if not rows:  # every free job's row locked: by a sync's write, maybe
                    rows = sql.execute(f"SELECT j.id {free} ORDER BY q.place LIMIT 8",
                                       (ids, self.station)).fetchall()
                    if not rows:
                        return None  # none free at all
                for row in rows:
                    if self._hold(sql, int(row[0])):
                        return int(row[0])
        return None

    def _hold(self, sql: Any, job_id: int, take_over: bool = False) -> bool:
        """Held by this station now, unless another one holds it (and not ``take_over``):
        one statement, so of two stations claiming at once exactly one wins (the other's
        conflict is judged against the claim as committed)."""
        row = sql.execute(
            "INSERT INTO claims (job_id, station) VALUES (?, ?) ON CONFLICT (job_id) DO"
            " UPDATE SET station = excluded.station, claimed_at = CASE WHEN"
            " claims.station = excluded.station THEN claims.claimed_at ELSE now() END,"
            " renewed_at = now() WHERE claims.station = excluded.station OR ?"
            f" OR NOT claims.{self._live()} RETURNING job_id",
            (job_id, self.station, take_over)).fetchone()
        return row is not None

    def take(self, job_id: int, *, take_over: bool = False) -> Holder | None:
        with self._db.transaction() as sql:
            for _ in range(_ROUNDS):
                if self._hold(sql, job_id, take_over):
                    return None
                # Another bench holds it (the claim as committed decided): who, since when.
                row = sql.execute("SELECT station, claimed_at FROM claims WHERE job_id = ?",
                                  (job_id,)).fetchone()
                if row is not None:
                    return Holder(str(row[0]), row[1])
        raise RuntimeError(f"job {job_id}'s claim kept changing hands")

    def holder(self, job_id: int) -> Holder | None:
        row = self._db.execute(
            f"SELECT station, claimed_at FROM claims WHERE job_id = ? AND station <> ?"
            f" AND {self._live()}", (job_id, self.station)).fetchone()
        return Holder(str(row[0]), row[1]) if row is not None else None

    def release(self, job_id: int) -> None:
        self._db.execute("DELETE FROM claims WHERE job_id = ? AND station = ?",
                         (job_id, self.station))

    def renew(self) -> None:
        with self._db.transaction() as sql:
            sql.execute("INSERT INTO stations (name) VALUES (?) ON CONFLICT (name) DO UPDATE"
                        " SET seen_at = now()", (self.station,))
            sql.execute("UPDATE claims SET renewed_at = now() WHERE station = ?",
                        (self.station,))
            # Claims of jobs no longer pending are of no use to anyone.
            sql.execute("DELETE FROM claims c USING jobs j WHERE c.job_id = j.id"
                        " AND c.station = ? AND j.status <> 'pending'", (self.station,))

    def held_elsewhere(self) -> dict[int, str]:
        rows = self._db.execute(
            f"SELECT job_id, station FROM claims WHERE station <> ? AND {self._live()}",
            (self.station,)).fetchall()
        return {int(r[0]): str(r[1]) for r in rows}

    def all_held(self) -> list[tuple[int, str, datetime]]:
        """Every live claim of the site, this station's too: (job id, station, since)."""
        rows = self._db.execute(f"SELECT job_id, station, claimed_at FROM claims WHERE"
                                f" {self._live()} ORDER BY claimed_at").fetchall()
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    def stations(self) -> list[StationSeen]:
        rows = self._db.execute(
            "SELECT s.name, s.seen_at, (SELECT count(*) FROM claims c WHERE c.station ="
            f" s.name AND c.{self._live()}) FROM stations s ORDER BY s.name").fetchall()
        return [StationSeen(str(r[0]), r[1], int(r[2])) for r in rows]
