"""Who of a site's stations talks to Smart Gift for the site: a lease with a heartbeat.

One row per role ("syncer"): the station holding it, its term (one more at every change
of hands), and until when it holds (the site database's clock). The holder renews it
every ``HEARTBEAT`` s; a lease not renewed for ``LEASE_FOR`` s is free, and the next
station to ask takes it with the next term. Not an advisory lock alone: a frozen or
unplugged PC keeps its TCP connection, and a session lock with it, for up to two hours.

A holder frozen past its lease (SIGSTOP, a laptop lid) must not act on it when it wakes:
it counts its lease from before it last asked, on its own monotonic clock, which a
frozen process's does not stop (``still_mine``); and what it writes under the lease is
checked against the term in the same transaction (``check``). Blocking: run in a worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase

SYNCER: Final = "syncer"
HEARTBEAT: Final = 3.0  # seconds between renewals
LEASE_FOR: Final = 10.0  # a heartbeat missed this long frees the lease (+ a look: < 15 s)
_MARGIN: Final = 1.0  # the holder stops acting this much before its lease runs out


class LeaseLost(Exception):
    """This station no longer holds the lease it acted under; nothing was written."""


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    station: str
    term: int
    renewed_at: datetime
    live: bool


class SiteLease:
    def __init__(self, db: SiteDatabase, station: str, role: str = SYNCER, *,
                 lease_for: float = LEASE_FOR) -> None:
        self._db = db
        self.station = station
        self.role = role
        self.lease_for = lease_for
        self.term: int | None = None  # ours, while we hold it
        self._valid_until = 0.0  # monotonic

    def hold(self) -> bool:
        """Take the lease if it is free, or renew ours; whether this station holds it."""
        asked = time.monotonic()
        mine = -1 if self.term is None else self.term
        try:
            row = self._db.execute(
                "INSERT INTO site_roles (role, station, term, renewed_at, expires_at)"
                " VALUES (?, ?, 1, clock_timestamp(), clock_timestamp() + ? * interval '1 s')"
                " ON CONFLICT (role) DO UPDATE SET station = excluded.station,"
                " term = CASE WHEN site_roles.station = excluded.station AND site_roles.term"
                " = ? THEN site_roles.term ELSE site_roles.term + 1 END,"
                " renewed_at = excluded.renewed_at, expires_at = excluded.expires_at"
                " WHERE site_roles.expires_at < clock_timestamp()"
                " OR (site_roles.station = excluded.station AND site_roles.term = ?)"
                " RETURNING term", (self.role, self.station, self.lease_for, mine, mine)
            ).fetchone()
        except Exception:
            # Not renewed: it runs out on its own clock (still_mine), but its term is kept,
            # so a database back within the lease renews it rather than waiting it out.
            raise
        if row is None:
            self._drop()
            return False
        self.term = int(row[0])
        self._valid_until = asked + self.lease_for - _MARGIN
        return True

    def _drop(self) -> None:
        self.term = None
        self._valid_until = 0.0

    def still_mine(self) -> bool:
        """Held, by this process's own clock (no I/O): false once it may have run out."""
        return self.term is not None and time.monotonic() < self._valid_until

    def check(self, sql: Any) -> None:
        """Inside a transaction: raise :class:`LeaseLost` unless the lease is still ours
        (locked until the commit: nobody takes it over mid-write)."""
        row = None
        if self.term is not None:
            row = sql.execute("SELECT 1 FROM site_roles WHERE role = ? AND station = ? AND"
                              " term = ? AND expires_at > clock_timestamp() FOR SHARE",
                              (self.role, self.station, self.term)).fetchone()
        if row is None:
            self._drop()
            raise LeaseLost(f"{self.station} no longer holds the {self.role} lease")

    def give_up(self) -> None:
        """Leave the lease at once (the station closes): another takes over now."""
        if self.term is not None:
            self._db.execute("UPDATE site_roles SET expires_at = clock_timestamp() WHERE"
                             " role = ? AND station = ? AND term = ?",
                             (self.role, self.station, self.term))
        self._drop()

    def holder(self) -> LeaseHolder | None:
        row = self._db.execute(
            "SELECT station, term, renewed_at, expires_at > clock_timestamp() FROM site_roles"
            " WHERE role = ?", (self.role,)).fetchone()
        return None if row is None else LeaseHolder(str(row[0]), int(row[1]), row[2],
                                                    bool(row[3]))
