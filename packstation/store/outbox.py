"""The dispatch outbox: status changes committed to disk before any request is sent.

One row per job at most (a UNIQUE column), so a job can never have two
different tracking references waiting: a second change replaces the first only
when the caller says the user confirmed it, and never while it is being sent.

"Being sent" is a lease: the sending process's name and an expiry. The window
and the CLI share one database, so only an expired lease (or one whose process
on this computer has died) is taken over, retried, replaced or discarded; a
command never resets an entry another process is sending right now.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache

from packstation.api.models import UPDATE_STATUSES, tracking_problem
from packstation.store.database import Store

DEFAULT_LEASE = 120.0  # seconds; the sender asks for its request deadline plus a margin


class OutboxState(StrEnum):
    PENDING = "pending"  # saved, to be sent (again)
    SENDING = "sending"  # a sender holds the lease; taken over once the lease expires
    ATTENTION = "attention"  # refused by Smart Gift (422/404) or unsendable: a person decides


@cache
def lease_owner() -> str:
    """This process, as named in the leases it holds: host, pid and a random token."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def _owner_is_dead(owner: str) -> bool:
    """A lease holder on this computer whose process is gone (POSIX: ask the kernel)."""
    host, _, rest = owner.partition("/")
    pid_text = rest.partition("/")[0]
    if os.name != "posix" or host != socket.gethostname() or not pid_text.isdigit():
        return False  # elsewhere, or no way to ask: wait for the expiry
    if owner == lease_owner():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


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
    lease_owner: str = ""
    lease_until: float = 0.0
    packer: str = ""  # who scanned it (or the station, standing in): into the history

    def same_change(self, status: str, tracking_reference: str | None) -> bool:
        return (self.status, self.tracking_reference) == (status, tracking_reference)

    def lease_live(self, now: float | None = None, local_owners: bool = True) -> bool:
        """Being sent right now by someone: a lease not yet expired, of a live process
        (``local_owners``: a holder on this computer can be asked whether it lives)."""
        moment = time.time() if now is None else now
        return self.state is OutboxState.SENDING and self.lease_until > moment \
            and not (local_owners and _owner_is_dead(self.lease_owner))

    def describe(self) -> str:
        ref = f" with tracking {self.tracking_reference}" if self.tracking_reference else ""
        return f"{self.status}{ref}"


class OutboxConflict(Exception):
    """The job already has a different change (waiting, being sent, or done)."""

    def __init__(self, message: str, existing: OutboxEntry | None) -> None:
        super().__init__(message)
        self.existing = existing


class InvalidChange(ValueError):
    """A change the station refuses by itself, before it is saved: it can never be sent."""


class LeaseHeld(Exception):
    """Another process is sending this entry right now; nothing was changed."""


_NOW = object()  # in a claim's parameters: the moment of its transaction


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(row["id"], row["job_id"], row["status"], row["tracking_reference"],
                       OutboxState(row["state"]), row["attempts"], row["next_attempt_at"],
                       row["last_error"], datetime.fromisoformat(row["created_at"]),
                       row["lease_owner"], row["lease_until"], row["packer"])


def check_change(status: str, tracking_reference: str | None) -> None:
    """Raise :class:`InvalidChange` for a change Smart Gift could only refuse."""
    if status not in UPDATE_STATUSES:
        raise InvalidChange(f"A job can be set to {', '.join(UPDATE_STATUSES)}, not {status!r}.")
    if tracking_reference is not None:
        problem = tracking_problem(tracking_reference)
        if problem:
            raise InvalidChange(problem)


def _busy(entry: OutboxEntry) -> str:
    until = datetime.fromtimestamp(entry.lease_until).strftime("%H:%M:%S")
    return (f"Job {entry.job_id} is being sent as {entry.describe()} right now (by "
            f"{entry.lease_owner.rsplit('/', 1)[0]}, until {until} at the latest)")


class DispatchOutbox:
    def __init__(self, db: Store, station: str = "",
                 packer: Callable[[], str] = lambda: "") -> None:
        self._db = db
        self.station = station  # written into the history with each confirmed change
        self.packer = packer  # who is packing as a change is saved (packers.SignIn.who)

    def add(self, job_id: int, status: str, tracking_reference: str | None = None, *,
            replace: bool = False) -> OutboxEntry:
        """Save a change for sending (see ``add_leased``)."""
        return self.add_leased(job_id, status, tracking_reference, replace=replace)[0]

    def add_leased(self, job_id: int, status: str, tracking_reference: str | None = None, *,
                   replace: bool = False, lease: float | None = None,
                   before_commit: Callable[[OutboxEntry], None] | None = None
                   ) -> tuple[OutboxEntry, bool]:
        """Save a change for sending. Committed (and on disk) when this returns.

        Refused before saving (:class:`InvalidChange`) when it can never be valid, and
        (:class:`OutboxConflict`) when the job already has a different change waiting
        or already carries another tracking reference, unless ``replace``. ``lease``:
        the new change is leased to this process in the same transaction, to be sent at
        once (no other sender can take it in between). Returns the entry and whether this
        call leased it (not when the same change was already waiting, or being sent).
        ``before_commit``: called with the leased entry once every check has passed, as
        its commit starts (a packer's dispatch goes on the wire while the disk syncs).
        """
        check_change(status, tracking_reference)
        for _ in range(3):  # a site: another bench may insert for this job meanwhile
            added = self._add(job_id, status, tracking_reference, replace, lease,
                              before_commit)
            if added is not None:
                return added
        raise OutboxConflict(f"Job {job_id} is being changed at another bench right now; "
                             "try again in a moment.", None)

    def _add(self, job_id: int, status: str, tracking_reference: str | None, replace: bool,
             lease: float | None, before_commit: Callable[[OutboxEntry], None] | None
             ) -> tuple[OutboxEntry, bool] | None:
        """``add_leased`` in one transaction; None when another bench inserted first."""
        now = _now()
        dialect = self._db.dialect
        with self._db.transaction() as sql:
            moment = dialect.clock(sql)
            # Locked as read (on a site: another bench deciding on the same entry waits).
            row = sql.execute("SELECT * FROM outbox WHERE job_id = ?"
                              + self._db.dialect.lock_row, (job_id,)).fetchone()
            if row is not None:
                existing = _entry(row)
                if existing.same_change(status, tracking_reference) and \
                        existing.state is not OutboxState.ATTENTION:
                    return existing, False  # the same scan twice: one change
                if existing.lease_live(moment, dialect.local_owners):
                    raise OutboxConflict(f"{_busy(existing)}; wait for it to finish, then "
                                         "change it.", existing)
                if not replace:
                    raise OutboxConflict(
                        f"Job {job_id} already has {existing.describe()} waiting to be sent; "
                        "confirm to replace it.", existing)
                sql.execute("UPDATE outbox SET status = ?, tracking_reference = ?, state = ?,"
                            " attempts = 0, next_attempt_at = 0, last_error = '',"
                            " lease_owner = '', lease_until = 0, updated_at = ?, packer = ?"
                            " WHERE id = ?",
                            (status, tracking_reference, OutboxState.PENDING.value, now,
                             self.packer(), existing.id))
            else:
                if not replace:
                    self._check_not_done(sql, job_id, status, tracking_reference)
                if not sql.execute("INSERT INTO outbox (job_id, status, tracking_reference,"
                                   " state, created_at, updated_at, packer) VALUES"
                                   " (?, ?, ?, ?, ?, ?, ?)"
                                   " ON CONFLICT (job_id) DO NOTHING RETURNING id",
                                   (job_id, status, tracking_reference,
                                    OutboxState.PENDING.value, now, now,
                                    self.packer())).fetchall():
                    return None  # another bench's, committed first: read it again
            if lease is not None:
                sql.execute("UPDATE outbox SET state = ?, attempts = attempts + 1,"
                            " lease_owner = ?, lease_until = ? WHERE job_id = ?",
                            (OutboxState.SENDING.value, lease_owner(), moment + lease,
                             job_id))
            entry = _entry(sql.execute("SELECT * FROM outbox WHERE job_id = ?",
                                       (job_id,)).fetchone())
            if lease is not None and before_commit is not None:
                before_commit(entry)
        return entry, lease is not None

    @staticmethod
    def _check_not_done(sql: sqlite3.Connection, job_id: int, status: str,
                        tracking_reference: str | None) -> None:
        """A job known to be dispatched with one reference is not given another silently."""
        if status != "dispatched":
            return
        row = sql.execute("SELECT status, tracking_reference FROM jobs WHERE id = ?",
                          (job_id,)).fetchone()
        if row is not None and row[0] == "dispatched" and row[1] \
                and row[1] != tracking_reference:
            raise OutboxConflict(f"Job {job_id} was already dispatched with tracking {row[1]}; "
                                 "confirm to replace it.", None)

    def _claim(self, where: str, parameters: tuple[object, ...], lease: float,
               now: float | None) -> OutboxEntry | None:
        dialect = self._db.dialect
        with self._db.transaction() as sql:
            now = dialect.clock(sql) if now is None else now
            parameters = tuple(now if p is _NOW else p for p in parameters)
            rows = sql.execute(
                f"SELECT * FROM outbox WHERE ({where}) AND (state = ? OR (state = ? AND"
                " (lease_until <= ? OR lease_owner != ?))) ORDER BY id"
                + self._db.dialect.lock_rows,
                (*parameters, OutboxState.PENDING.value, OutboxState.SENDING.value, now,
                 lease_owner())).fetchall()
            for row in rows:
                entry = _entry(row)
                if entry.state is OutboxState.SENDING \
                        and entry.lease_live(now, dialect.local_owners):
                    continue  # another process has it in hand right now
                sql.execute("UPDATE outbox SET state = ?, attempts = attempts + 1,"
                            " lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ?",
                            (OutboxState.SENDING.value, lease_owner(), now + lease, _now(),
                             entry.id))
                return entry
        return None

    def claim_next(self, now: float | None = None, *,
                   lease: float = DEFAULT_LEASE) -> OutboxEntry | None:
        """The oldest due entry (or one whose lease expired), leased to this process."""
        return self._claim("next_attempt_at <= ? OR state = ?",
                           (_NOW, OutboxState.SENDING.value), lease, now)

    def claim(self, entry_id: int, *, lease: float = DEFAULT_LEASE) -> OutboxEntry | None:
        """This entry, leased to this process, if it is pending (due or not) or its lease
        expired; None if it is gone, needs attention, or is being sent elsewhere."""
        return self._claim("id = ?", (entry_id,), lease, None)

    def next_due_at(self) -> float | None:
        """When the next entry is due: a retry, or another process's lease running out."""
        row = self._db.execute(
            "SELECT MIN(CASE WHEN state = ? THEN next_attempt_at ELSE lease_until END)"
            " FROM outbox WHERE state IN (?, ?)",
            (OutboxState.PENDING.value, OutboxState.PENDING.value,
             OutboxState.SENDING.value)).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def sent(self, entry: OutboxEntry) -> None:
        """Confirmed by Smart Gift: the entry goes into the history (store the returned job
        before this)."""
        self._into_history(entry, unless_recorded=False)

    def keep_for_attention(self, entry: OutboxEntry) -> bool:
        """A change refused elsewhere (a station's own outbox, while its site was lost)
        kept here for a person to decide, as refused; False (nothing kept) if this job
        already has a change here."""
        return bool(self._db.fetch(
            "INSERT INTO outbox (job_id, status, tracking_reference, state, attempts,"
            " last_error, created_at, updated_at, packer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (job_id) DO NOTHING RETURNING id",
            (entry.job_id, entry.status, entry.tracking_reference,
             OutboxState.ATTENTION.value, entry.attempts, entry.last_error,
             entry.created_at.isoformat(), _now(), entry.packer)))

    def settled_elsewhere(self, entry: OutboxEntry) -> None:
        """Smart Gift has it already (a send whose answer was lost, seen since by a sync;
        or confirmed to a station's own outbox and carried in): the entry goes, into the
        history unless the history has that change already."""
        self._into_history(entry, unless_recorded=True)

    def _into_history(self, entry: OutboxEntry, *, unless_recorded: bool) -> None:
        """The entry out of the outbox and into the history, in one transaction (an entry
        changed or gone meanwhile: nothing); ``unless_recorded``: not if the history has
        this change already."""
        change = (entry.job_id, entry.status, entry.tracking_reference)
        with self._db.transaction() as sql:
            gone = sql.execute("DELETE FROM outbox WHERE id = ? AND status = ? AND"
                               " tracking_reference IS NOT DISTINCT FROM ? RETURNING id",
                               (entry.id, entry.status, entry.tracking_reference)).fetchone()
            if gone is None:
                return
            new = (" WHERE NOT EXISTS (SELECT 1 FROM dispatch_history WHERE job_id = ? AND"
                   " status = ? AND tracking_reference IS NOT DISTINCT FROM ?)"
                   if unless_recorded else "")
            sql.execute("INSERT INTO dispatch_history (job_id, status, tracking_reference,"
                        " station, saved_at, confirmed_at, packer) SELECT ?, ?, ?, ?, ?, ?, ?"
                        + new, (*change, self.station, entry.created_at.isoformat(), _now(),
                                entry.packer, *(change if unless_recorded else ())))

    def _settle(self, entry: OutboxEntry, assignments: str, values: tuple[object, ...]) -> None:
        # Only while we still hold the lease: a late answer never overwrites a takeover.
        self._db.execute(f"UPDATE outbox SET {assignments}, lease_owner = '', lease_until = 0,"
                         " updated_at = ? WHERE id = ? AND state = ? AND lease_owner = ?",
                         (*values, _now(), entry.id, OutboxState.SENDING.value, lease_owner()))

    def retry_later(self, entry: OutboxEntry, error: str, delay: float) -> None:
        self._settle(entry, "state = ?, next_attempt_at = ?, last_error = ?",
                     (OutboxState.PENDING.value, time.time() + delay, error))

    def needs_attention(self, entry: OutboxEntry, message: str) -> None:
        self._settle(entry, "state = ?, last_error = ?", (OutboxState.ATTENTION.value, message))

    def release(self, entry: OutboxEntry) -> None:
        """Give the lease back unsent (the send was cancelled): due again at once."""
        self._settle(entry, "state = ?, next_attempt_at = 0", (OutboxState.PENDING.value,))

    def due_now(self) -> int:
        """Every waiting entry is due at once (the key was fixed, a person asked)."""
        cursor = self._db.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = ?",
                                  (OutboxState.PENDING.value,))
        return int(cursor.rowcount)

    def retry(self, entry_id: int, new_tracking: str | None = None) -> OutboxEntry | None:
        """The user's "try again", with an edited tracking reference if given.

        None if there is no such entry; :class:`LeaseHeld` if it is being sent right
        now; :class:`InvalidChange` if the new reference could never be sent.
        """
        with self._db.transaction() as sql:
            entry = self._not_being_sent(sql, entry_id, "nothing was changed")
            if entry is None:
                return None
            tracking = new_tracking if new_tracking is not None else entry.tracking_reference
            check_change(entry.status, tracking)
            sql.execute("UPDATE outbox SET state = ?, tracking_reference = ?, attempts = 0,"
                        " next_attempt_at = 0, last_error = '', lease_owner = '',"
                        " lease_until = 0, updated_at = ? WHERE id = ?",
                        (OutboxState.PENDING.value, tracking, _now(), entry_id))
            return _entry(sql.execute("SELECT * FROM outbox WHERE id = ?",
                                      (entry_id,)).fetchone())

    def discard(self, entry_id: int) -> OutboxEntry | None:
        """Drop a saved change; returns it, or None if there was none.

        :class:`LeaseHeld` if it is being sent right now (it may already have arrived).
        """
        with self._db.transaction() as sql:
            entry = self._not_being_sent(sql, entry_id, "nothing was discarded")
            if entry is not None:
                sql.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))
            return entry

    @staticmethod
    def _not_being_sent(sql: sqlite3.Connection, entry_id: int,
                        otherwise: str) -> OutboxEntry | None:
        """The entry (None if there is none); :class:`LeaseHeld` while it is being sent."""
        row = sql.execute("SELECT * FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return None
        entry = _entry(row)
        if entry.lease_live():
            raise LeaseHeld(f"{_busy(entry)}; {otherwise}.")
        return entry

    def get(self, entry_id: int) -> OutboxEntry | None:
        row = self._db.execute("SELECT * FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def for_job(self, job_id: int) -> OutboxEntry | None:
        row = self._db.execute("SELECT * FROM outbox WHERE job_id = ?", (job_id,)).fetchone()
        return _entry(row) if row else None

    def jobs_with_reference(self, tracking_reference: str) -> list[int]:
        """Jobs whose waiting change carries this reference (a label scanned twice)."""
        return [int(r[0]) for r in self._db.execute(
            "SELECT job_id FROM outbox WHERE tracking_reference = ?", (tracking_reference,))]

    def entries(self) -> list[OutboxEntry]:
        return [_entry(r) for r in self._db.execute("SELECT * FROM outbox ORDER BY id")]

    def counts(self) -> tuple[int, int]:
        """(entries in all, entries needing attention): one query for the status bar."""
        row = self._db.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE state = ?) FROM outbox",
                               (OutboxState.ATTENTION.value,)).fetchone()
        return int(row[0]), int(row[1])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
