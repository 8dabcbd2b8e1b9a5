"""BOOK (a command barcode, or Ctrl+K): a job of a "booked with the courier" method booked
with the courier and dispatched with the courier's job id (issue 20). What the packer is
told, asked or shown; the booking itself is the ``CourierDesk``'s."""

from __future__ import annotations

from dataclasses import dataclass

from packstation.api import ApiError, ApiValidationError, Job
from packstation.courier.desk import AskFirst, BookedNotDone, CourierDesk, SlotGone
from packstation.courier.models import Slot, refused_fields
from packstation.store.courier_bookings import BookingState
from packstation.store.database import DatabaseError


@dataclass(frozen=True, slots=True)
class BookStep:
    ok: bool
    message: str
    dispatched: bool = False  # booked, and its dispatch saved: the next job comes
    confirm: str = ""  # ask this; yes: book again (``again=True``)
    choose_slot: bool = False  # show the courier's slots for the job
    offered: tuple[Slot, ...] = ()  # ...these, asked again after a 417 (the first chosen)
    again: bool = False  # ...the packer said yes to booking past a lost answer
    replace: bool = False  # the question is whether the dispatch replaces another reference


async def book(desk: CourierDesk, job: Job, slot: Slot | None, *, earliest: bool,
               again: bool = False, replace: bool = False) -> BookStep:
    """``slot`` chosen, or None: the earliest when ``earliest``, else the slots shown.
    ``replace``: the packer said yes to the dispatch replacing another reference. A job
    booked and dispatched already gets its handover label again."""
    order = job.order_reference or job.id
    try:
        return await _book(desk, job, slot, earliest=earliest, again=again, replace=replace)
    except DatabaseError as exc:  # the records out of reach: said, nothing half-done hidden
        return BookStep(False, f"Order {order}: the records cannot be reached ({exc}); "
                               "try again once they are back.")


async def _book(desk: CourierDesk, job: Job, slot: Slot | None, *, earliest: bool,
                again: bool, replace: bool) -> BookStep:
    order = job.order_reference or job.id
    if job.status != "pending" and desk.for_courier(job):
        label = await desk.reprint_label(job)  # a BOOK again: the label, not a new booking
        return BookStep(label.ok, f"Order {order} is {job.status}; {label.message}")
    try:
        desk.check(job)
    except ApiError as exc:
        return BookStep(False, str(exc))
    if slot is None and not earliest and not await _booked_already(desk, job):
        try:
            question = "" if again else await desk.question(job)
        except ApiError as exc:  # a taken booking (another bench, this moment)
            return BookStep(False, str(exc))
        if question:
            return BookStep(False, question, confirm=question)
        return BookStep(True, f"Order {order}: choose the courier's slot.", choose_slot=True,
                        again=again)
    try:
        booked = await desk.book(job, slot, again=again, replace=replace)
    except AskFirst as exc:
        return BookStep(False, str(exc), confirm=str(exc))
    except SlotGone as exc:
        if exc.next_slot is None:
            return BookStep(False, f"Order {order} not booked: {exc}")
        # Shown to choose from, the next chosen: the packer books what they were told of.
        return BookStep(False, str(exc), choose_slot=True, offered=tuple(exc.slots),
                        again=again)
    except BookedNotDone as exc:  # booked: never said as "not booked"
        return BookStep(False, str(exc))
    except ApiValidationError as exc:  # said at its field, and where that field comes from
        fields = refused_fields(exc.field_errors)
        return BookStep(False, f"Order {order} not booked: {exc}" + (f" ({fields})"
                                                                     if fields else ""))
    except ApiError as exc:
        return BookStep(False, f"Order {order} not booked: {exc}")
    if booked.dispatched.ask:  # booked; the dispatch asks first (another reference waits)
        question = f"Courier job {booked.booking.courier_job_id} is booked. " \
                   f"{booked.dispatched.ask}"
        return BookStep(False, question, confirm=question, replace=booked.dispatched.replace)
    if booked.dispatched.ok and not booked.label.ok:  # dispatched; the parcel lacks its label
        return BookStep(False, f"{booked.message}. Scan BOOK again (or Ctrl+K) to print "
                               "the handover label once the printer is ready.",
                        dispatched=True)
    return BookStep(booked.dispatched.ok, booked.message, dispatched=booked.dispatched.ok)


async def _booked_already(desk: CourierDesk, job: Job) -> bool:
    """Booked before and not dispatched yet (a stop between): handed over, no slot asked."""
    booking = await desk.booking(job)
    return booking is not None and booking.state is BookingState.BOOKED
