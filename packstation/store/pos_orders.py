"""Every POS order this station sent, and what came of it.

Kept so that sending the same order again is noticed: after a dropped
connection the order may exist in Smart Gift although no answer came back,
and a second POST would create (and charge) it twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from packstation.store.database import Store


class OrderState(StrEnum):
    SENDING = "sending"  # sent, no answer yet (or the app stopped while waiting)
    CREATED = "created"
    UNKNOWN = "unknown"  # the answer was lost: it may or may not exist in Smart Gift
    REFUSED = "refused"  # a 422: not created
    NOT_SENT = "not_sent"  # refused before it was processed (429, 503, key): not created

    @property
    def may_exist(self) -> bool:
        return self in (OrderState.SENDING, OrderState.CREATED, OrderState.UNKNOWN)


@dataclass(frozen=True, slots=True)
class PosOrderRecord:
    id: int
    fingerprint: str
    order_id: str | None
    request: Mapping[str, Any]
    state: OrderState
    order_reference: str | None
    voucher_codes: tuple[str, ...]
    detail: str
    created_at: datetime
    updated_at: datetime


def fingerprint(request: Mapping[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class PosOrderLog:
    def __init__(self, db: Store) -> None:
        self._db = db

    def begin(self, request: Mapping[str, Any], order_id: str | None) -> int:
        """Recorded before the request goes out: a crash mid-request still leaves a trace."""
        now = _now()
        rows = self._db.fetch(
            "INSERT INTO pos_orders (fingerprint, order_id, request, state, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (fingerprint(request), order_id or None, json.dumps(request, default=str),
             OrderState.SENDING.value, now, now))
        return int(rows[0][0]) if rows else 0

    def settle(self, record_id: int, state: OrderState, *, order_reference: str | None = None,
               voucher_codes: tuple[str, ...] = (), detail: str = "") -> None:
        self._db.execute(
            "UPDATE pos_orders SET state = ?, order_reference = ?, voucher_codes = ?, "
            "detail = ?, updated_at = ? WHERE id = ?",
            (state.value, order_reference, json.dumps(list(voucher_codes)), detail, _now(),
             record_id))

    def earlier(self, request: Mapping[str, Any], order_id: str | None) -> PosOrderRecord | None:
        """The latest earlier order that is, or may be, the same one in Smart Gift."""
        rows = self._db.execute(
            "SELECT * FROM pos_orders WHERE (fingerprint = ?"
            " OR (CAST(? AS TEXT) IS NOT NULL AND order_id = ?))"
            " AND state IN ('sending', 'created', 'unknown') ORDER BY id DESC LIMIT 1",
            (fingerprint(request), order_id or None, order_id or None)).fetchall()
        return _record(rows[0]) if rows else None

    def recent(self, limit: int = 50) -> list[PosOrderRecord]:
        rows = self._db.execute("SELECT * FROM pos_orders ORDER BY id DESC LIMIT ?", (limit,))
        return [_record(r) for r in rows]


def _record(row: Any) -> PosOrderRecord:
    return PosOrderRecord(
        id=row["id"], fingerprint=row["fingerprint"], order_id=row["order_id"],
        request=json.loads(row["request"]), state=OrderState(row["state"]),
        order_reference=row["order_reference"],
        voucher_codes=tuple(json.loads(row["voucher_codes"])), detail=row["detail"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]))
