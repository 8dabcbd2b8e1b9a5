"""Every courier booking this station (or its site) made, and what came of it (issue 20).

Written before the courier is asked and settled with its answer, like POS orders: after a
lost answer the courier may hold a job although none came back, and a second would send
two vans. An order has one live booking at most (sending, booked or unknown): a partial
unique index, so two benches booking one order at the same moment make one booking.
Blocking: call in a worker.
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


class AlreadyLive(Exception):
    """The order has a live booking already (``booking``): nothing was written."""

    def __init__(self, booking: Booking | None) -> None:
        super().__init__("This order has a courier booking already.")
        self.booking = booking


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_COLUMNS = ("id, job_id, client_reference, slot_id, slot_from, slot_to, state,"
            " courier_job_id, detail, station, packer, created_at, updated_at")


def _booking(row: Any) -> Booking:
    r = tuple(row)
    try:
        state = BookingState(r[6])
    except ValueError:  # written by a newer packstation: may exist, as the safe reading
        state = BookingState.UNKNOWN
    return Booking(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), state,
                   r[7], str(r[8]), str(r[9]), str(r[10]),
                   datetime.fromisoformat(str(r[11])), datetime.fromisoformat(str(r[12])))


class CourierBookings:
    def __init__(self, db: Store) -> None:
        self._db = db

    def begin(self, job_id: int, client_reference: str, slot_id: str, slot_from: str,
              slot_to: str, station: str, packer: str, *, set_aside: int | None = None
              ) -> Booking:
        """A booking written as "sending" before the courier is asked. ``set_aside``: the
        unknown booking a person chose to book past, set aside in the same transaction.
        AlreadyLive when the order has a live one (this bench's or another's)."""
        now = _now()
        with self._db.transaction() as sql:
            if set_aside is not None:
                sql.execute("UPDATE courier_bookings SET state = ?, updated_at = ? WHERE"
                            " id = ? AND state IN ('sending', 'unknown')",
                            (BookingState.SET_ASIDE.value, now, set_aside))
            rows = sql.execute(
                f"INSERT INTO courier_bookings (job_id, client_reference, slot_id, slot_from,"
                f" slot_to, state, station, packer, created_at, updated_at) VALUES"
                f" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
                (job_id, client_reference, slot_id, slot_from, slot_to,
                 BookingState.SENDING.value, station, packer, now, now)).fetchall()
        if not rows:
            raise AlreadyLive(self.live(client_reference))
        return _booking(rows[0])

    def settle(self, booking_id: int, state: BookingState, *, courier_job_id: str | None = None,
               detail: str = "") -> None:
        self._db.execute(
            "UPDATE courier_bookings SET state = ?, courier_job_id = ?, detail = ?,"
            " updated_at = ? WHERE id = ?",
            (state.value, courier_job_id, storable(detail[:MAX_DETAIL]), _now(), booking_id))

    def live(self, client_reference: str) -> Booking | None:
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM courier_bookings WHERE client_reference = ? AND state IN"
            " ('sending', 'booked', 'unknown') ORDER BY id DESC LIMIT 1", (client_reference,))
        return _booking(rows[0]) if rows else None

    def latest(self, job_ids: Iterable[int]) -> dict[int, Booking]:
        """Each job's latest booking (any state): what its view shows."""
        found: dict[int, Booking] = {}
        for chunk, marks in id_chunks(set(job_ids)):
            for row in self._db.fetch(
                    f"SELECT {_COLUMNS} FROM courier_bookings WHERE job_id IN ({marks})"
                    " ORDER BY id", chunk):
                booking = _booking(row)
                found[booking.job_id] = booking
        return found

    def booked_of_cancelled(self, limit: int = 200) -> list[Booking]:
        """Bookings still live whose job Smart Gift has cancelled since: each needs a
        person to cancel it with the courier (no cancel call is known)."""
        rows = self._db.fetch(
            f"SELECT {', '.join('b.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM courier_bookings b JOIN jobs j ON j.id = b.job_id WHERE j.status ="
            " 'cancelled' AND b.state IN ('booked', 'unknown') ORDER BY b.id DESC LIMIT ?",
            (limit,))
        return [_booking(r) for r in rows]

    def recent(self, limit: int = 50) -> list[Booking]:
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM courier_bookings ORDER BY id DESC LIMIT ?", (limit,))
        return [_booking(r) for r in rows]
