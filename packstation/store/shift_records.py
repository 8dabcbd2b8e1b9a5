"""What a shift's figures are read from: the dispatch history, the print history and the
scan log, between two moments, for one station or packer or all. Blocking: in a worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from packstation.store.database import Store, id_chunks

MAX_ROWS: Final = 200_000  # a day of a big site is far fewer; a bound all the same
FAILED_PRINTS: Final = ("printer stopped", "printer not found", "failed", "waited too long",
                        "refused")


@dataclass(frozen=True, slots=True)
class Dispatch:
    job_id: int
    at: datetime  # confirmed by Smart Gift
    packer: str
    station: str


@dataclass(frozen=True, slots=True)
class ScanCounts:
    wrong_voucher: int
    refused_tracking: int


@dataclass(frozen=True, slots=True)
class PrintCounts:
    reprints: int
    failures: int


def _stamp(moment: datetime) -> str:
    # The stored form (UTC, ISO 8601, milliseconds): text that sorts as time does.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class ShiftRecords:
    def __init__(self, db: Store) -> None:
        self._db = db

    @staticmethod
    def _who(station: str | None, packer: str | None) -> tuple[str, list[object]]:
        where, values = "", list[object]()
        if station:
            where += " AND station = ?"
            values.append(station)
        if packer:
            where += " AND packer = ?"
            values.append(packer)
        return where, values

    def dispatches(self, start: datetime, end: datetime, station: str | None = None,
                   packer: str | None = None) -> list[Dispatch]:
        """Jobs confirmed dispatched in [start, end), each once (its first confirmation)."""
        where, values = self._who(station, packer)
        rows = self._db.fetch(
            "SELECT job_id, confirmed_at, packer, station FROM dispatch_history WHERE"
            f" status = 'dispatched' AND confirmed_at >= ? AND confirmed_at < ?{where}"
            " ORDER BY confirmed_at LIMIT ?",
            (_stamp(start), _stamp(end), *values, MAX_ROWS))
        seen: dict[int, Dispatch] = {}
        for row in rows:
            job_id = int(row[0])
            if job_id not in seen:
                seen[job_id] = Dispatch(job_id, datetime.fromisoformat(str(row[1])),
                                        str(row[2]), str(row[3]))
        return list(seen.values())

    def first_printed(self, job_ids: Sequence[int]) -> dict[int, datetime]:
        """When each job's vouchers were first sent to a printer."""
        found: dict[int, datetime] = {}
        for chunk, marks in id_chunks(job_ids):
            for row in self._db.fetch(
                    "SELECT job_id, MIN(created_at) FROM print_history WHERE kind = 'vouchers'"
                    f" AND job_id IN ({marks}) GROUP BY job_id", chunk):
                found[int(row[0])] = datetime.fromisoformat(str(row[1]))
        return found

    def scan_counts(self, start: datetime, end: datetime, station: str | None = None,
                    packer: str | None = None) -> ScanCounts:
        where, values = self._who(station, packer)
        row: Any = self._db.fetch(
            "SELECT COALESCE(SUM(CASE WHEN meaning = 'wrong voucher' THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN meaning = 'refused' AND job_id IS NOT NULL THEN 1"
            " ELSE 0 END), 0) FROM scan_log WHERE at >= ? AND at < ?" + where,
            (_stamp(start), _stamp(end), *values))[0]
        return ScanCounts(int(row[0]), int(row[1]))

    def print_counts(self, start: datetime, end: datetime, station: str | None = None,
                     packer: str | None = None) -> PrintCounts:
        where, values = self._who(station, packer)
        marks = ",".join("?" * len(FAILED_PRINTS))
        row: Any = self._db.fetch(
            "SELECT COALESCE(SUM(CASE WHEN p.kind = 'vouchers' AND EXISTS (SELECT 1 FROM"
            " print_history e WHERE e.job_id = p.job_id AND e.kind = 'vouchers' AND"
            " e.id < p.id) THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN p.outcome IN ({marks}) THEN 1 ELSE 0 END), 0)"
            " FROM print_history p WHERE p.created_at >= ? AND p.created_at < ?"
            + where.replace(" station", " p.station").replace(" packer", " p.packer"),
            (*FAILED_PRINTS, _stamp(start), _stamp(end), *values))[0]
        return PrintCounts(int(row[0]), int(row[1]))

    def names(self, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
        """(stations, packers) that did anything in [start, end)."""
        stations: set[str] = set()
        packers: set[str] = set()
        for table, column in (("scan_log", "at"), ("print_history", "created_at"),
                              ("dispatch_history", "confirmed_at")):
            for row in self._db.fetch(f"SELECT DISTINCT station, packer FROM {table}"
                                      f" WHERE {column} >= ? AND {column} < ? LIMIT 1000",
                                      (_stamp(start), _stamp(end))):
                stations.add(str(row[0]))
                packers.add(str(row[1]))
        return sorted(stations - {""}), sorted(packers - {""})
