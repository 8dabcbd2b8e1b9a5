"""The dispatch outbox: status changes committed to disk before any request is sent.

One row per job at most (a UNIQUE column), so a job can never have two
different tracking references waiting: a second change replaces the first only
when the caller says the user confirmed it, and never while it is being sent.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from packstation.store.database import Database


class OutboxState(StrEnum):
    PENDING = "pending"  # saved, to be sent (again)
    SENDING = "sending"  # a sender has it; after a crash this is pending again
    ATTENTION = "attention"  # refused by Smart Gift (422/404): the user decides


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    job_id: int
    status: str
    tracking_reference: str | None
    state: OutboxState
    attempts: int
    next_attempt_at: float
    last_error: str
    created_at: datetime

    def same_change(self, status: str, tracking_reference: str | None) -> bool:
        return (self.status, self.tracking_reference) == (status, tracking_reference)


class OutboxConflict(Exception):
    """The job already has a different change waiting; replacing it needs confirmation."""

    def __init__(self, message: str, existing: OutboxEntry) -> None:
        super().__init__(message)
        self.existing = existing


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(row["id"], row["job_id"], row["status"], row["tracking_reference"],
                       OutboxState(row["state"]), row["attempts"], row["next_attempt_at"],
                       row["last_error"], datetime.fromisoformat(row["created_at"]))


def _describe(entry: OutboxEntry) -> str:
    ref = f" with tracking {entry.tracking_reference}" if entry.tracking_reference else ""
    return f"{entry.status}{ref}"


class DispatchOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, job_id: int, status: str, tracking_reference: str | None = None, *,
            replace: bool = False) -> OutboxEntry:
        """Save a change for sending. Committed (and on disk) when this returns."""
        now = _now()
        with self._db.transaction() as sql:
            row = sql.execute("SELECT * FROM outbox WHERE job_id = ?", (job_id,)).fetchone()
            if row is not None:
                existing = _entry(row)
                if existing.same_change(status, tracking_reference) and \
                        existing.state is not OutboxState.ATTENTION:
                    return existing  # the same scan twice: one change
                if existing.state is OutboxState.SENDING:
                    raise OutboxConflict(
                        f"Job {job_id} is being sent as {_describe(existing)} right now; "
                        "wait for it to finish, then change it.", existing)
                if not replace:
                    raise OutboxConflict(
                        f"Job {job_id} already has {_describe(existing)} waiting to be sent; "
                        "confirm to replace it.", existing)
                sql.execute("UPDATE outbox SET status = ?, tracking_reference = ?, state = ?,"
                            " attempts = 0, next_attempt_at = 0, last_error = '',"
                            " updated_at = ? WHERE id = ?",
                            (status, tracking_reference, OutboxState.PENDING.value, now,
                             existing.id))
            else:
                sql.execute("INSERT INTO outbox (job_id, status, tracking_reference, state,"
                            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                            (job_id, status, tracking_reference, OutboxState.PENDING.value,
                             now, now))
            return _entry(sql.execute("SELECT * FROM outbox WHERE job_id = ?",
                                      (job_id,)).fetchone())

    def recover(self) -> int:
        """At start: entries a crashed sender had in hand are pending again (resend is safe)."""
        cursor = self._db.execute("UPDATE outbox SET state = ? WHERE state = ?",
                                  (OutboxState.PENDING.value, OutboxState.SENDING.value))
        return cursor.rowcount

    def claim_next(self, now: float | None = None) -> OutboxEntry | None:
        """The oldest pending entry that is due, marked as being sent."""
        moment = time.time() if now is None else now
        with self._db.transaction() as sql:
            row = sql.execute("SELECT * FROM outbox WHERE state = ? AND next_attempt_at <= ?"
                              " ORDER BY id LIMIT 1",
                              (OutboxState.PENDING.value, moment)).fetchone()
            if row is None:
                return None
            sql.execute("UPDATE outbox SET state = ?, attempts = attempts + 1, updated_at = ?"
                        " WHERE id = ?", (OutboxState.SENDING.value, _now(), row["id"]))
            return _entry(row)

    def claim(self, entry_id: int) -> OutboxEntry | None:
        """This entry, marked as being sent, if it is pending (due or not)."""
        with self._db.transaction() as sql:
            row = sql.execute("SELECT * FROM outbox WHERE id = ? AND state = ?",
                              (entry_id, OutboxState.PENDING.value)).fetchone()
            if row is None:
                return None
            sql.execute("UPDATE outbox SET state = ?, attempts = attempts + 1, updated_at = ?"
                        " WHERE id = ?", (OutboxState.SENDING.value, _now(), entry_id))
            return _entry(row)

    def next_due_at(self) -> float | None:
        row = self._db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = ?",
                               (OutboxState.PENDING.value,)).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def sent(self, entry: OutboxEntry) -> None:
        """Confirmed by Smart Gift: the entry goes (store the returned job before this)."""
        self._db.execute("DELETE FROM outbox WHERE id = ? AND status = ? AND"
                         " tracking_reference IS ?",
                         (entry.id, entry.status, entry.tracking_reference))

    def retry_later(self, entry: OutboxEntry, error: str, delay: float) -> None:
        self._db.execute("UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,"
                         " updated_at = ? WHERE id = ? AND state = ?",
                         (OutboxState.PENDING.value, time.time() + delay, error, _now(),
                          entry.id, OutboxState.SENDING.value))

    def due_now(self) -> int:
        """Every waiting entry is due at once (the key was fixed, the network is back)."""
        cursor = self._db.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = ?",
                                  (OutboxState.PENDING.value,))
        return cursor.rowcount

    def needs_attention(self, entry: OutboxEntry, message: str) -> None:
        self._db.execute("UPDATE outbox SET state = ?, last_error = ?, updated_at = ?"
                         " WHERE id = ?", (OutboxState.ATTENTION.value, message, _now(),
                                           entry.id))

    def retry(self, entry_id: int, new_tracking: str | None = None) -> OutboxEntry | None:
        """The user's "try again", with an edited tracking reference if given."""
        entry = self.get(entry_id)
        if entry is None or entry.state is OutboxState.SENDING:
            return entry
        tracking = new_tracking if new_tracking is not None else entry.tracking_reference
        self._db.execute("UPDATE outbox SET state = ?, tracking_reference = ?, attempts = 0,"
                         " next_attempt_at = 0, last_error = '', updated_at = ? WHERE id = ?",
                         (OutboxState.PENDING.value, tracking, _now(), entry_id))
        return self.get(entry_id)

    def discard(self, entry_id: int) -> bool:
        cursor = self._db.execute("DELETE FROM outbox WHERE id = ? AND state != ?",
                                  (entry_id, OutboxState.SENDING.value))
        return cursor.rowcount > 0

    def get(self, entry_id: int) -> OutboxEntry | None:
        row = self._db.execute("SELECT * FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def for_job(self, job_id: int) -> OutboxEntry | None:
        row = self._db.execute("SELECT * FROM outbox WHERE job_id = ?", (job_id,)).fetchone()
        return _entry(row) if row else None

    def entries(self) -> list[OutboxEntry]:
        return [_entry(r) for r in self._db.execute("SELECT * FROM outbox ORDER BY id")]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
