"""Booking a job with the courier, never twice, then dispatching it (issue 20).

The booking is written to the store before the courier is asked and settled after (as
POS orders). A lost answer leaves it "unknown": booking that order again is first put to
a person. A 417 (the slot's hold ran out) asks availability again and offers the next
slot, saying why. Once booked, the Smart Gift job is dispatched through the outbox with
the courier's job id as its tracking reference, and a handover label is printed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from packstation.api import ApiError, Job
from packstation.api import errors as e
from packstation.api.fields import uk_zone
from packstation.config.courier import CourierSettings
from packstation.config.delivery import DeliveryMethod
from packstation.courier.client import CourierClient, SlotExpired
from packstation.courier.models import (
    CourierNotReady,
    Slot,
    availability_body,
    client_reference,
    job_body,
    slot_words,
)
from packstation.job_service import Outcome
from packstation.plaintext import escaped
from packstation.store.courier_bookings import AlreadyLive, Booking, BookingState, CourierBookings
from packstation.store.database import DatabaseError

log = logging.getLogger("packstation.courier")

SOONEST: Final = timedelta(hours=24)  # an overdue job's window: the next day at least
FARTHEST: Final = timedelta(days=14)  # the service's widest window
LONGEST_SLOT: Final = timedelta(hours=24)  # a longer "slot" is no delivery window
_OUTCOME_UNKNOWN = (e.NetworkError, e.ServerError, e.BadResponse)


class NotForCourier(ApiError):
    exit_code = 2


class AskFirst(ApiError):
    """A booking of this order was sent and its answer lost: the courier may hold a job.
    Booking again needs a person's yes (``again=True``)."""

    exit_code = 7

    def __init__(self, message: str, booking: Booking) -> None:
        super().__init__(message)
        self.booking = booking


class BookedNotDone(ApiError):
    """The courier booked the job, but something after it failed (recording it, or the id
    it gave): said with the courier's job id, never as "not booked"."""

    exit_code = 6


class SlotGone(ApiError):
    """The chosen slot expired (417); ``slots`` are those offered now, the soonest other
    than the expired one first (empty: none)."""

    exit_code = 6

    def __init__(self, message: str, slots: list[Slot]) -> None:
        super().__init__(message, status=417)
        self.slots = slots

    @property
    def next_slot(self) -> Slot | None:
        return self.slots[0] if self.slots else None


@dataclass(frozen=True, slots=True)
class Booked:
    booking: Booking
    dispatched: Outcome
    label: Outcome
    fresh: bool = True  # booked now (not found booked before, here or at another bench)

    @property
    def message(self) -> str:
        booking = self.booking
        what = f"Courier job {booking.courier_job_id} booked for {booking_slot(booking)}" \
            if self.fresh else (f"Courier job {booking.courier_job_id} was booked earlier"
                                f"{' at ' + booking.station if booking.station else ''}")
        return "; ".join(p for p in (what, self.dispatched.message, self.label.message) if p)


def window(leave_by: date | None, now: datetime) -> tuple[datetime, datetime]:
    """From now to the end of the job's leave-by day (UK), at least a day ahead and at most
    the fortnight the service answers for."""
    end = now + SOONEST
    if leave_by is not None:
        end = max(end, datetime.combine(leave_by + timedelta(days=1), time(0), uk_zone()))
    return now, min(end, now + FARTHEST)


class CourierDesk:
    def __init__(self, client: Callable[[], CourierClient], bookings: CourierBookings,
                 settings: Callable[[], CourierSettings],
                 method: Callable[[str | None], DeliveryMethod],
                 leave_by: Callable[[Job], date | None],
                 dispatch: Callable[[Job, str, bool], Awaitable[Outcome]],
                 print_label: Callable[[Job, str], Awaitable[Outcome]],
                 who: Callable[[], tuple[str, str]],  # (packer, station)
                 now: Callable[[], datetime] = lambda: datetime.now(uk_zone()),
                 in_flight: Callable[[], float] = lambda: 180.0) -> None:
        self._client = client
        self.bookings = bookings
        self._settings = settings
        self._method = method
        self._leave_by = leave_by
        self._dispatch = dispatch
        self._print_label = print_label
        self._who = who
        self._now = now
        # How long a booking sent is awaited (the request's deadline and a margin): until
        # then it is being sent, and nobody books that job again.
        self._in_flight = in_flight
        # Answers the store could not take (a site's database lost as the courier booked):
        # kept here and recorded first thing once it is back, so none is lost or doubled.
        self._unsettled: dict[int, tuple[BookingState, str | None, str]] = {}

    def for_courier(self, job: Job) -> bool:
        return self._method(job.delivery_method_name).courier

    def ready(self) -> str | None:
        """Why nothing can be booked now (no courier set up), or None."""
        settings = self._settings()
        if not settings.api_url:
            return "No courier is set up (Settings > Courier)."
        missing = settings.collection.missing()
        if missing:
            return ("The courier's collection address lacks "
                    f"{', '.join(m.replace('_', ' ') for m in missing)} (Settings > Courier).")
        return None

    async def slots(self, job: Job) -> list[Slot]:
        """The slots the courier offers for ``job``, soonest first."""
        self.check(job)
        start, end = window(self._leave_by(job), self._now())
        body = availability_body(job, self._settings(), start, end)
        parsed = await (await asyncio.to_thread(self._client)).availability(body)
        for problem in parsed.problems:
            log.warning("a slot was skipped: %s", problem)
        now = self._now()
        kept = []
        for slot in parsed.items:
            why = ("it began already" if slot.starts < now else
                   "it is after the window asked" if slot.ends > end else
                   "it is longer than a day" if slot.ends - slot.starts > LONGEST_SLOT else
                   "its hold has run out" if slot.expires_at and slot.expires_at <= now else "")
            if why:
                log.warning("slot %s skipped: %s", escaped(slot.id), why)
            else:
                kept.append(slot)
        return kept

    async def booking(self, job: Job) -> Booking | None:
        """The job's latest booking (any state)."""
        return (await asyncio.to_thread(self.bookings.latest, [job.id])).get(job.id)

    async def flags(self) -> list[str]:
        """A sentence for each booking a person must take up with the courier: its job
        cancelled in Smart Gift since, or a second courier job made after all."""
        return [flag(b) for b in await asyncio.to_thread(self.bookings.needing_a_person)]

    async def question(self, job: Job) -> str:
        """What must be asked before booking ``job`` again (a lost answer), or ""."""
        await self._record_unsettled()
        live = await asyncio.to_thread(self.bookings.live, job.id)
        if live is None or live.state is BookingState.BOOKED:
            return ""
        try:
            self._ask_first(live, again=False)
        except AskFirst as exc:
            return str(exc)
        return ""

    async def book(self, job: Job, slot: Slot | None = None, *, again: bool = False,
                   replace: bool = False) -> Booked:
        """Book ``slot`` (None: the soonest offered now), then dispatch and print the
        handover label (``replace``: the dispatch replaces another reference waiting).
        Raises AskFirst, SlotGone, ApiValidationError (422, at its field), CourierNotReady,
        NotForCourier or another ApiError; nothing is booked twice."""
        self.check(job)
        await self._record_unsettled()
        reference = client_reference(job)
        live = await asyncio.to_thread(self.bookings.live, job.id)
        if live is not None and live.state is BookingState.BOOKED and live.courier_job_id:
            return await self._hand_over(job, live, replace, fresh=False)  # finish it
        set_aside = self._ask_first(live, again) if live is not None else None
        if slot is None:
            offered = await self.slots(job)
            if not offered:
                raise e.NotFound(f"The courier offers no slot for order {reference} before "
                                 "its leave-by day.")
            slot = offered[0]
        body = job_body(job, slot, self._settings(), self._method(job.delivery_method_name))
        client = await asyncio.to_thread(self._client)  # the keyring: before it is written
        packer, station = self._who()
        try:
            record = await asyncio.to_thread(
                self.bookings.begin, job.id, reference, slot.id, slot.starts.isoformat(),
                slot.ends.isoformat(), station, packer, in_flight_for=self._in_flight(),
                set_aside=set_aside)
        except AlreadyLive as exc:  # another bench of the site, a moment ago
            raise self._taken(reference, exc.booking) from None
        except DatabaseError as exc:  # the site's database lost: nothing was sent
            raise e.ApiError(f"Order {reference} not booked: the records cannot be reached "
                             f"({exc}); nothing was sent to the courier.") from None
        try:
            created = await client.create_job(body)
        except SlotExpired as exc:
            await self._settle(record, BookingState.EXPIRED, detail=str(exc))
            raise await self._next_slot(job, slot) from None
        except _OUTCOME_UNKNOWN as exc:
            await self._settle(record, BookingState.UNKNOWN, detail=str(exc))
            raise
        except e.ApiValidationError as exc:
            await self._settle(record, BookingState.REFUSED, detail=str(exc))
            raise
        except ApiError as exc:  # 401/403, 429, 503: refused before it was processed
            await self._settle(record, BookingState.NOT_SENT, detail=str(exc))
            raise
        except BaseException:  # cancelled mid-way: it may have been made
            await asyncio.shield(self._settle(record, BookingState.UNKNOWN,
                                              detail="the booking was interrupted"))
            raise
        log.info("courier job %s booked for order %s (job %d)", escaped(created.job_id),
                 escaped(reference), job.id)  # said before anything else can fail
        try:
            recorded = await asyncio.to_thread(
                self.bookings.settle, record.id, BookingState.BOOKED,
                courier_job_id=created.job_id, detail=created.message)
        except DatabaseError:
            self._unsettled[record.id] = (BookingState.BOOKED, created.job_id, created.message)
            raise BookedNotDone(
                f"Courier job {created.job_id} is booked for order {reference}, but the "
                "records cannot be reached to note it: do not book it again. This station "
                "notes it as soon as they are back; then scan BOOK to dispatch it.") from None
        if not recorded:
            raise BookedNotDone(
                f"The courier booked order {reference} as job {created.job_id} after that "
                "booking was set aside and booked again: two courier jobs may exist; cancel "
                "one with the courier.")
        other = await asyncio.to_thread(self.bookings.other_with, created.job_id, job.id)
        problem = created.problem or (f"the courier gave order {other.client_reference} the "
                                      "same id" if other is not None else "")
        if problem:
            raise BookedNotDone(
                f"The courier booked order {reference} as job {created.job_id}, but that "
                f"cannot be its tracking reference ({problem}): ask the courier, then mark "
                "it dispatched with a reference of your own ('packstation jobs dispatch "
                f"{job.id} --tracking REF').")
        booked = dataclasses.replace(record, state=BookingState.BOOKED,
                                     courier_job_id=created.job_id, in_flight=False)
        return await self._hand_over(job, booked, replace)

    async def reprint_label(self, job: Job) -> Outcome:
        """The handover label of a job booked with the courier printed again (any status)."""
        booking = await self.booking(job)
        if booking is None or booking.state is not BookingState.BOOKED \
                or not booking.courier_job_id:
            return Outcome(False, f"Order {client_reference(job)} has no courier booking to "
                                  "print a handover label for.")
        label = await self._print_label(job, booking.courier_job_id)
        if label.ok:
            await asyncio.to_thread(self.bookings.labelled, booking.id)
        return label

    async def _record_unsettled(self) -> None:
        for booking_id, (state, courier_job_id, detail) in list(self._unsettled.items()):
            try:
                await asyncio.to_thread(self.bookings.settle, booking_id, state,
                                        courier_job_id=courier_job_id, detail=detail)
            except DatabaseError:
                return  # still out of reach: kept for the next time
            del self._unsettled[booking_id]

    # -- steps -----------------------------------------------------------------------------

    def check(self, job: Job) -> None:
        """NotForCourier or CourierNotReady, saying why ``job`` cannot be booked now."""
        if not self.for_courier(job):
            raise NotForCourier(f"Order {client_reference(job)} goes by "
                                f"{job.delivery_method_name or 'no named method'}, which is "
                                "not booked with the courier (Settings > Delivery).")
        if job.status != "pending":
            raise NotForCourier(f"Order {client_reference(job)} is {job.status}: only a "
                                "pending job is booked.")
        why = self.ready()
        if why:
            raise CourierNotReady(why)

    def _ask_first(self, live: Booking, again: bool) -> int:
        if live.in_flight:  # its answer may still come: never booked past
            raise self._taken(live.client_reference, live)
        if not again:
            when = live.created_at.astimezone(uk_zone())
            why = f" ({live.detail})" if live.detail else ""
            raise AskFirst(
                f"A booking of order {live.client_reference} was sent on {when:%d %b at %H:%M}"
                f" but no answer came back{why}. The courier may already hold a job for it: "
                "look in the courier's dashboard first. Book again anyway?", live)
        return live.id

    @staticmethod
    def _taken(reference: str, booking: Booking | None) -> ApiError:
        where = f" at {booking.station}" if booking is not None and booking.station else ""
        return e.ApiError(f"Order {reference} is being booked with the courier{where} right "
                          "now; nothing was sent.")

    async def _next_slot(self, job: Job, expired: Slot) -> SlotGone:
        """The slots offered now, the expired one's window first when it is offered again
        (a new hold on it), saying why."""
        why = (f"The slot {expired.describe()} expired before it was booked (the courier "
               "holds a slot only for a while)")
        try:
            offered = await self.slots(job)
        except ApiError as exc:
            return SlotGone(f"{why}, and asking again failed: {exc}", [])
        again = [s for s in offered if s.id != expired.id
                 and (s.starts, s.ends) == (expired.starts, expired.ends)]
        others = again + [s for s in offered if s.id != expired.id and s not in again]
        if again:
            return SlotGone(f"{why}; it is offered again: book it now.", others)
        offer = f"; the next is {others[0].describe()}" if others else \
            "; the courier offers no other slot before the leave-by day"
        return SlotGone(f"{why}{offer}.", others)

    async def _hand_over(self, job: Job, booking: Booking, replace: bool, *,
                         fresh: bool = True) -> Booked:
        """Dispatched with the courier's job id; the handover label printed once, after a
        dispatch saved (not while a question about it is open)."""
        assert booking.courier_job_id is not None
        dispatched = await self._dispatch(job, booking.courier_job_id, replace)
        if not dispatched.ok or booking.labelled:
            return Booked(booking, dispatched, Outcome(True, ""), fresh)
        label = await self._print_label(job, booking.courier_job_id)
        if label.ok:
            await asyncio.to_thread(self.bookings.labelled, booking.id)
        return Booked(booking, dispatched, label, fresh)

    async def _settle(self, record: Booking, state: BookingState, *,
                      courier_job_id: str | None = None, detail: str = "") -> None:
        """A failed booking's end recorded (or kept for when the records are back: the
        courier's own answer is what the packer is told meanwhile)."""
        try:
            await asyncio.to_thread(self.bookings.settle, record.id, state,
                                    courier_job_id=courier_job_id, detail=detail)
        except DatabaseError:
            self._unsettled[record.id] = (state, courier_job_id, detail)


def booking_slot(booking: Booking) -> str:
    """The booked slot in words ("the slot chosen" when its times are unreadable)."""
    try:
        return slot_words(datetime.fromisoformat(booking.slot_from),
                          datetime.fromisoformat(booking.slot_to))
    except ValueError:
        return "the slot chosen"


def describe(booking: Booking) -> str:
    """A booking as the job view and the CLI say it."""
    slot = booking_slot(booking)
    match booking.state:
        case BookingState.BOOKED:
            return f"Courier job {booking.courier_job_id}, {slot}"
        case BookingState.SENDING | BookingState.UNKNOWN:
            return f"Booking sent for {slot}, no answer: the courier may hold it"
        case BookingState.EXPIRED:
            return f"Not booked: the slot {slot} expired"
        case _:
            return f"Not booked: {booking.detail or booking.state.value}"


def flag(booking: Booking) -> str:
    """What a booking needs of a person (its job cancelled, or a second job made)."""
    if booking.state is BookingState.SET_ASIDE:
        return (f"Order {booking.client_reference}: courier job {booking.courier_job_id} was "
                "made after its booking was set aside and booked again; two courier jobs may "
                "exist: cancel one with the courier.")
    if booking.courier_job_id:
        return (f"Order {booking.client_reference} was cancelled: courier job "
                f"{booking.courier_job_id} is booked; cancel it with the courier.")
    return (f"Order {booking.client_reference} was cancelled: a courier booking was sent "
            "without an answer; look for it with the courier and cancel it there.")
