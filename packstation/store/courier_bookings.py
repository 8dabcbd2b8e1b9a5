"""Every courier booking this station (or its site) made, and what came of it (issue 20).

Written before the courier is asked and settled with its answer, like POS orders: after a
lost answer the courier may hold a job although none came back, and a second would send
two vans. A job has one live booking at most (sending, booked or unknown): a partial
unique index, so two benches booking one job at the same moment make one booking. A
booking being sent is "in flight" until ``sent_until`` by the store's clock (a site's
benches share one), however slow its answer may be. Blocking: call in a worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from packstation.api.secret import storable
from packstation.store.database import Store, id_chunks

MAX_DETAIL: Final = 2000
LIVE: Final = "('sending', 'booked', 'unknown')"


class BookingState(StrEnum):
    SENDING = "sending"  # asked, no answer yet (or the app stopped while waiting)
    BOOKED = "booked"
    UNKNOWN = "unknown"  # the answer was lost: the courier may hold the job
    REFUSED = "refused"  # a 422: no job made
    EXPIRED = "expired"  # a 417: the slot ran out, no job made
    NOT_SENT = "not_sent"  # refused before it was processed (429, 503, key)
    SET_ASIDE = "set_aside"  # an unknown one a person chose to book past

    @property
    def live(self) -> bool:
        return self in (BookingState.SENDING, BookingState.BOOKED, BookingState.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    job_id: int
    client_reference: str
    slot_id: str
    slot_from: str
    slot_to: str
    state: BookingState
    courier_job_id: str | None
    detail: str
    station: str
    packer: str
    created_at: datetime
    updated_at: datetime
    labelled: bool = False  # its handover label was printed
    in_flight: bool = False  # being sent right now (its answer may still come)


class AlreadyLive(Exception):
    """The job has a live booking already (``booking``): nothing was written."""

    def __init__(self, booking: Booking | None) -> None:
        super().__init__("This job has a courier booking already.")
        self.booking = booking


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_COLUMNS = ("id, job_id, client_reference, slot_id, slot_from, slot_to, state,"
            " courier_job_id, detail, station, packer, created_at, updated_at, labelled_at,"
            " sent_until")


def _booking(row: Any, now: float = float("inf")) -> Booking:
    r = tuple(row)
    try:
        state = BookingState(r[6])
    except ValueError:  # written by a newer packstation: may exist, as the safe reading
        state = BookingState.UNKNOWN
    return Booking(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), state,
                   r[7], str(r[8]), str(r[9]), str(r[10]),
                   datetime.fromisoformat(str(r[11])), datetime.fromisoformat(str(r[12])),
                   r[13] is not None,
                   state is BookingState.SENDING and float(r[14] or 0) > now)


class CourierBookings:
    def __init__(self, db: Store) -> None:
        self._db = db

    def begin(self, job_id: int, client_reference: str, slot_id: str, slot_from: str,
              slot_to: str, station: str, packer: str, *, in_flight_for: float,
              set_aside: int | None = None) -> Booking:
        """A booking written as "sending" before the courier is asked, in flight for
        ``in_flight_for`` seconds (the request's deadline and a margin). ``set_aside``: the
        unknown booking a person chose to book past, set aside in the same transaction.
        AlreadyLive when the job has a live one (this bench's or another's)."""
        now = _now()
        with self._db.transaction() as sql:
            until = self._db.dialect.clock(sql) + in_flight_for
            if set_aside is not None:
                sql.execute("UPDATE courier_bookings SET state = ?, updated_at = ? WHERE"
                            " id = ? AND state IN ('sending', 'unknown')",
                            (BookingState.SET_ASIDE.value, now, set_aside))
            rows = sql.execute(
                f"INSERT INTO courier_bookings (job_id, client_reference, slot_id, slot_from,"
                f" slot_to, state, station, packer, created_at, updated_at, sent_until) VALUES"
                f" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                f" RETURNING {_COLUMNS}",
                (job_id, client_reference, slot_id, slot_from, slot_to,
                 BookingState.SENDING.value, station, packer, now, now, until)).fetchall()
        if not rows:
            raise AlreadyLive(self.live(job_id))
        return _booking(rows[0])

    def settle(self, booking_id: int, state: BookingState, *, courier_job_id: str | None = None,
               detail: str = "") -> bool:
        """The courier's answer recorded; False when the booking was set aside meanwhile (a
        person booked past it): a job id that came late is then kept on it, never lost."""
        with self._db.transaction() as sql:
            done = sql.execute(
                "UPDATE courier_bookings SET state = ?, courier_job_id = ?, detail = ?,"
                " updated_at = ? WHERE id = ? AND state = 'sending' RETURNING id",
                (state.value, courier_job_id, storable(detail[:MAX_DETAIL]), _now(),
                 booking_id)).fetchall()
            if not done and courier_job_id is not None:
                sql.execute(
                    "UPDATE courier_bookings SET courier_job_id = ?, detail = ?, updated_at = ?"
                    " WHERE id = ?",
                    (courier_job_id, "booked after it was set aside: a second courier job "
                     "exists", _now(), booking_id))
        return bool(done)

    def labelled(self, booking_id: int) -> None:
        self._db.execute("UPDATE courier_bookings SET labelled_at = ? WHERE id = ?",
                         (_now(), booking_id))

    def _read(self, sql_text: str, parameters: tuple[object, ...]) -> list[Booking]:
        """Bookings read with the store's clock of the moment (whether each is in flight)."""
        with self._db.transaction() as sql:
            now = self._db.dialect.clock(sql)
            rows = sql.execute(sql_text, parameters).fetchall()
        return [_booking(row, now) for row in rows]

    def live(self, job_id: int) -> Booking | None:
        found = self._read(f"SELECT {_COLUMNS} FROM courier_bookings WHERE job_id = ? AND"
                           f" state IN {LIVE} ORDER BY id DESC LIMIT 1", (job_id,))
        return found[0] if found else None

    def latest(self, job_ids: Iterable[int]) -> dict[int, Booking]:
        """Each job's latest booking (any state): what its view shows."""
        found: dict[int, Booking] = {}
        for chunk, marks in id_chunks(set(job_ids)):
            for booking in self._read(f"SELECT {_COLUMNS} FROM courier_bookings WHERE job_id"
                                      f" IN ({marks}) ORDER BY id", tuple(chunk)):
                found[booking.job_id] = booking
        return found

    def other_with(self, courier_job_id: str, job_id: int) -> Booking | None:
        """Another job's booking that the courier gave the same job id (it must be none)."""
        found = self._read(f"SELECT {_COLUMNS} FROM courier_bookings WHERE courier_job_id = ?"
                           " AND job_id <> ? LIMIT 1", (courier_job_id, job_id))
        return found[0] if found else None

    def needing_a_person(self, limit: int = 200) -> list[Booking]:
        """Bookings a person must take up with the courier: live ones whose job Smart Gift
        cancelled since, and ones set aside whose courier job was made after all."""
        columns = ", ".join("b." + c.strip() for c in _COLUMNS.split(","))
        return self._read(
            f"SELECT {columns} FROM courier_bookings b JOIN jobs j ON j.id = b.job_id WHERE"
            f" (j.status = 'cancelled' AND b.state IN {LIVE}) OR (b.state = 'set_aside' AND"
            " b.courier_job_id IS NOT NULL) ORDER BY b.id DESC LIMIT ?", (limit,))

    def recent(self, limit: int = 50) -> list[Booking]:
        return self._read(f"SELECT {_COLUMNS} FROM courier_bookings ORDER BY id DESC LIMIT ?",
                          (limit,))
