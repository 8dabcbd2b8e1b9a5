"""Every scan and what came of it: for support ("what did the packer scan?") and audits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from packstation.store.database import Store

NUL_SHOWN = "\u2400"  # SYMBOL FOR NULL


@dataclass(frozen=True, slots=True)
class ScanRecord:
    id: int
    at: datetime
    scan: str
    meaning: str  # "job", "voucher", "tracking", "unknown", "refused", ...
    outcome: str
    job_id: int | None
    packer: str = ""
    station: str = ""


def nobody() -> tuple[str, str]:
    return "", ""


class ScanLog:
    def __init__(self, db: Store, attribution: Callable[[], tuple[str, str]] = nobody) -> None:
        """``attribution``: (packer, station) for each line, as it is written."""
        self._db = db
        self._attribution = attribution

    def record(self, scan: str, meaning: str, outcome: str, job_id: int | None = None) -> int:
        """``scan`` as read, a NUL in it kept as "␀" (no text column of PostgreSQL holds
        a NUL, and the log reads the same on either engine)."""
        scan = scan.replace("\x00", NUL_SHOWN)
        packer, station = self._attribution()
        rows = self._db.fetch(
            "INSERT INTO scan_log (at, scan, meaning, outcome, job_id, packer, station)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (datetime.now(UTC).isoformat(timespec="milliseconds"), scan, meaning, outcome,
             job_id, packer, station))
        return int(rows[0][0]) if rows else 0

    def recent(self, limit: int = 100) -> list[ScanRecord]:
        rows = self._db.execute("SELECT * FROM scan_log ORDER BY id DESC LIMIT ?", (limit,))
        return [ScanRecord(r["id"], datetime.fromisoformat(r["at"]), r["scan"], r["meaning"],
                           r["outcome"], r["job_id"], r["packer"], r["station"]) for r in rows]
