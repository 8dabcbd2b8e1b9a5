"""The site's one request budget for its key, kept in its PostgreSQL.

Every request any station of the site sends is first written here as a spend, at the
database's clock, and only if fewer than the limit were spent in the last ``WINDOW``
seconds: a sliding window no shorter than Smart Gift's (fixed) minute plus the time a
request takes to get there, so the stations together can never make the server count
more than its limit in any of its windows. Background work (sync, PDF prefetch) leaves
the last ``reserve`` of a window to people at every bench.

Spends take turns under a transaction lock: each is one short transaction. Blocking:
call in a worker.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase

WINDOW: Final = 62.0  # seconds: the server's minute, and a request's way to it
_TURNS: Final = 7_303_519  # pg_advisory_xact_lock key: "packstation budget"
_KEEP: Final = 600.0  # spends kept this long (for `site status`), then cleared away


@dataclass(frozen=True, slots=True)
class BudgetState:
    spent: int  # in the last window, by every station
    by_station: dict[str, int]
    window: float


class SiteLedger:
    def __init__(self, db: SiteDatabase, station: str, *, window: float = WINDOW) -> None:
        self._db = db
        self.station = station
        self.window = window

    def take(self, limit: int, held: int = 0, priority: int = 0) -> float:
        """One request's spend written if the window has room for it (``held`` of the
        ``limit`` kept back for others' more urgent work): 0.0; else the seconds until a
        spend leaves the window and makes room (nothing written)."""
        allowed = max(1, limit - held)
        with self._db.transaction() as sql:
            sql.execute("SELECT pg_advisory_xact_lock(?)", (_TURNS,))
            row = sql.execute(
                "SELECT count(*), extract(epoch FROM clock_timestamp()) FROM budget_spends"
                " WHERE at > clock_timestamp() - ? * interval '1 s'", (self.window,)
            ).fetchone()
            spent, now = int(row[0]), float(row[1])
            if spent >= allowed:
                # The spend whose leaving makes room: the (spent - allowed + 1)th oldest.
                oldest = sql.execute(
                    "SELECT extract(epoch FROM at) FROM budget_spends WHERE at >"
                    " clock_timestamp() - ? * interval '1 s' ORDER BY at OFFSET ? LIMIT 1",
                    (self.window, spent - allowed)).fetchone()
                return max(0.05, float(oldest[0]) + self.window - now) if oldest else 0.5
            sql.execute("INSERT INTO budget_spends (station, priority) VALUES (?, ?)",
                        (self.station, priority))
            if random.random() < 0.02:  # now and then, the old spends cleared away
                sql.execute("DELETE FROM budget_spends WHERE at < clock_timestamp() -"
                            " ? * interval '1 s'", (_KEEP,))
        return 0.0

    def record(self, count: int) -> None:
        """``count`` requests this station sent just now without the ledger (its site's
        database was out of reach): counted from now, as if just sent."""
        self._db.executemany("INSERT INTO budget_spends (station, priority) VALUES (?, 0)",
                             [(self.station,)] * max(0, min(count, 1000)))

    def state(self) -> BudgetState:
        rows = self._db.execute(
            "SELECT station, count(*) FROM budget_spends WHERE at > clock_timestamp() -"
            " ? * interval '1 s' GROUP BY station ORDER BY station", (self.window,)).fetchall()
        by_station = {str(r[0]): int(r[1]) for r in rows}
        return BudgetState(sum(by_station.values()), by_station, self.window)
