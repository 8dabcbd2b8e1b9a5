"""``packstation courier``: jobs booked with the last-mile courier (issue 20).

    courier slots JOB_ID                  the slots the courier offers for the job
    courier book JOB_ID [--slot ID] [--again] [--replace] [--wait S]
                                          booked (the earliest slot unless --slot), then
                                          dispatched with the courier's job id, and its
                                          handover label printed
    courier list                          recent bookings, and cancelled jobs still booked
    courier key set|status                the courier's key in the OS keyring
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time

from packstation.api import ApiValidationError, ConfigError, Job, NotFound
from packstation.api.fields import uk_zone
from packstation.api.secret import check_base_url
from packstation.cli import output
from packstation.config import keys
from packstation.courier.desk import AskFirst, SlotGone, booking_slot
from packstation.courier.models import CourierKey, Slot, refused_fields
from packstation.plaintext import cell
from packstation.station import Station

EXIT_ASK = 7  # a booking was sent and its answer lost: --again only after looking
EXIT_REJECTED = 4  # booked, but the dispatch was refused (another reference waiting)


async def courier_command(station: Station, args: argparse.Namespace) -> int:
    if args.action == "list":
        return await _list(station)
    job = await _job(station, args.job_id)
    if args.action == "slots":
        slots = await station.courier.slots(job)
        output.table(["SLOT", "FROM", "TO", "HELD UNTIL"],
                     [[s.id, f"{s.starts.astimezone(uk_zone()):%a %d %b %H:%M}",
                       f"{s.ends.astimezone(uk_zone()):%H:%M}",
                       f"{s.expires_at.astimezone(uk_zone()):%H:%M}" if s.expires_at else "-"]
                      for s in slots])
        if not slots:
            print(f"The courier offers no slot for order {job.order_reference} before its "
                  "leave-by day.", file=sys.stderr)
        return 0
    return await _book(station, job, args)


async def _job(station: Station, job_id: int) -> Job:
    """The job from the station's cache, synced first when it is not there."""
    job = await asyncio.to_thread(station.cache.get, job_id)
    if job is None:
        await station.sync.sync_once()
        job = await asyncio.to_thread(station.cache.get, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} is not among this station's jobs nor Smart Gift's pending "
                       "ones: only a pending job is booked with the courier.")
    return job


async def _book(station: Station, job: Job, args: argparse.Namespace) -> int:
    slot: Slot | None = None
    if args.slot is not None:
        slot = next((s for s in await station.courier.slots(job) if s.id == args.slot), None)
        if slot is None:
            raise NotFound(f"The courier does not offer slot {args.slot} now; ask again with "
                           f"'packstation courier slots {job.id}'.")
    try:
        booked = await station.courier.book(job, slot, again=args.again, replace=args.replace)
    except AskFirst as exc:
        print(f"packstation: {exc} If you are sure, run this again with --again.",
              file=sys.stderr)
        return EXIT_ASK
    except ApiValidationError as exc:
        fields = refused_fields(exc.field_errors)
        print(f"packstation: {exc}" + (f" ({fields})" if fields else ""), file=sys.stderr)
        return exc.exit_code
    except SlotGone as exc:
        offer = f" Book it with --slot {exc.next_slot.id}." if exc.next_slot else ""
        print(f"packstation: {exc}{offer}", file=sys.stderr)
        return exc.exit_code
    booking = booked.booking
    print(f"Order {booking.client_reference}: courier job {booking.courier_job_id} booked for "
          f"{booking_slot(booking)}.")
    if not booked.dispatched.ok:  # booked, not dispatched: said, and how to finish it
        hint = " Run it again with --replace to replace it." if booked.dispatched.replace \
            else ""
        print(f"packstation: not dispatched: {booked.dispatched.message}{hint}",
              file=sys.stderr)
        return EXIT_REJECTED
    print(f"Dispatch: {booked.dispatched.message}")
    if booked.label.message:
        print(f"Handover label: {booked.label.message}")
    return await _sent(station, job.id, args.wait)


async def _sent(station: Station, job_id: int, wait: float) -> int:
    """Waits (up to ``wait`` s) for Smart Gift to confirm the dispatch saved."""
    from packstation.cli.outbox_commands import EXIT_SAVED_NOT_CONFIRMED

    ends = time.monotonic() + wait
    while True:
        entry = await asyncio.to_thread(station.outbox.for_job, job_id)
        if entry is None:
            print("Smart Gift has the dispatch.")
            return 0
        if entry.state == "attention" or time.monotonic() >= ends:
            print(f"The dispatch is saved, not confirmed yet ({cell(entry.last_error) or 'sending'}"
                  "): 'packstation outbox send' sends it.", file=sys.stderr)
            return EXIT_SAVED_NOT_CONFIRMED
        await station.sender.drain()
        await asyncio.sleep(0.2)


async def _list(station: Station) -> int:
    from packstation.courier.desk import describe

    bookings = await asyncio.to_thread(station.courier.bookings.recent, 50)
    if not bookings:
        print("No courier bookings in this station's records yet.", file=sys.stderr)
    output.table(["ORDER", "JOB", "STATE", "BOOKING", "BY"],
                 [[b.client_reference, str(b.job_id), b.state.value, describe(b),
                   b.packer or b.station] for b in bookings])
    for flag in await station.courier.flags():
        print(f"warning: {flag}", file=sys.stderr)
    return 0


def courier_key_command(args: argparse.Namespace) -> int:
    from packstation.config.settings import Settings

    url = Settings.load().courier.api_url
    if not url:
        raise ConfigError("No courier address is set: Settings > Courier, or the settings "
                          "file's courier.api_url.")
    url = check_base_url(url)  # HTTPS (plain HTTP to loopback only): where the key may go
    if args.action == "set":
        secret = getpass.getpass(f"The courier's key for {url} (not shown): ") \
            if sys.stdin.isatty() else sys.stdin.readline()
        keys.store_courier_key(url, CourierKey(secret))
        print(f"The courier's key for {url} is stored in the keyring ({keys.backend_name()}).")
        return 0
    stored = keys.stored_courier_key(url)
    if stored is None:
        print(f"No courier key is stored for {url} (keyring: {keys.backend_name()}).")
        return 3
    print(f"A courier key is stored for {url} (keyring: {keys.backend_name()}, "
          f"fingerprint {stored.fingerprint}).")
    return 0
