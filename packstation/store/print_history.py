"""Every print: when, which job and vouchers, which printer, how many pages, the outcome."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from packstation.store.database import Store


@dataclass(frozen=True, slots=True)
class PrintRecord:
    id: int
    created_at: datetime
    job_id: int | None
    order_reference: str | None
    kind: str
    voucher_ids: tuple[int, ...]
    pdf_urls: tuple[str, ...]
    printer: str
    path: str
    spool_job_id: int | None
    pages: int
    copies: int
    outcome: str
    detail: str
    packer: str = ""
    station: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _nobody() -> tuple[str, str]:
    return "", ""


class PrintHistory:
    def __init__(self, db: Store, attribution: Callable[[], tuple[str, str]] = _nobody) -> None:
        """``attribution``: (packer, station) for each print, as it is recorded."""
        self._db = db
        self._attribution = attribution

    def record(self, *, job_id: int | None, order_reference: str | None, kind: str,
               voucher_ids: list[int], pdf_urls: list[str], printer: str, path: str,
               spool_job_id: int | None, pages: int, copies: int, outcome: str,
               detail: str = "") -> int:
        now = _now()
        packer, station = self._attribution()
        rows = self._db.fetch(
            "INSERT INTO print_history (created_at, job_id, order_reference, kind, voucher_ids,"
            " pdf_urls, printer, path, spool_job_id, pages, copies, outcome, detail, updated_at,"
            " packer, station) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (now, job_id, order_reference, kind, json.dumps(voucher_ids), json.dumps(pdf_urls),
             printer, path, spool_job_id, pages, copies, outcome, detail, now, packer, station))
        return int(rows[0][0]) if rows else 0

    def update(self, record_id: int, outcome: str, detail: str = "") -> None:
        self._db.execute("UPDATE print_history SET outcome = ?, detail = ?, updated_at = ?"
                         " WHERE id = ?", (outcome, detail, _now(), record_id))

    def get(self, record_id: int) -> PrintRecord | None:
        row = self._db.execute("SELECT * FROM print_history WHERE id = ?",
                               (record_id,)).fetchone()
        return _record(row) if row else None

    def recent(self, limit: int = 50, job_id: int | None = None) -> list[PrintRecord]:
        if job_id is None:
            rows = self._db.execute("SELECT * FROM print_history ORDER BY id DESC LIMIT ?",
                                    (limit,)).fetchall()
        else:
            rows = self._db.execute("SELECT * FROM print_history WHERE job_id = ?"
                                    " ORDER BY id DESC LIMIT ?", (job_id, limit)).fetchall()
        return [_record(r) for r in rows]


def _record(r: sqlite3.Row) -> PrintRecord:
    return PrintRecord(
        id=r["id"], created_at=datetime.fromisoformat(r["created_at"]), job_id=r["job_id"],
        order_reference=r["order_reference"], kind=r["kind"],
        voucher_ids=tuple(json.loads(r["voucher_ids"])), pdf_urls=tuple(json.loads(r["pdf_urls"])),
        printer=r["printer"], path=r["path"], spool_job_id=r["spool_job_id"], pages=r["pages"],
        copies=r["copies"], outcome=r["outcome"], detail=r["detail"], packer=r["packer"],
        station=r["station"])
