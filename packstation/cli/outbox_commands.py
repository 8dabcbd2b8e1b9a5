"""CLI commands that change jobs: through the outbox, like the window."""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import asdict
from datetime import datetime

from packstation.api import ApiValidationError
from packstation.cli import output
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.scanning.tracking_scan import judge
from packstation.station import Station
from packstation.store.outbox import (
    DispatchOutbox,
    InvalidChange,
    LeaseHeld,
    OutboxConflict,
    OutboxEntry,
    OutboxState,
)
from packstation.sync.outbox_sender import OutboxSender, SendOutcome

EXIT_SAVED_NOT_CONFIRMED = 6
SHORT_WAIT = 15.0  # how long a command waits for Smart Gift before leaving it saved


def _describe(entry: OutboxEntry) -> str:
    ref = f" (tracking {entry.tracking_reference})" if entry.tracking_reference else ""
    return f"job {entry.job_id} {entry.status}{ref}"


def _state(entry: OutboxEntry) -> str:
    if entry.state is not OutboxState.SENDING:
        return entry.state.value
    if not entry.lease_live():
        return "sending (lease expired: will be taken over)"
    until = datetime.fromtimestamp(entry.lease_until).strftime("%H:%M:%S")
    return f"sending (by {entry.lease_owner.rsplit('/', 1)[0]} until {until})"


def _quick(sender: OutboxSender, backoff: float, most: float) -> OutboxSender:
    """A command waits seconds, not minutes: its own short backoff."""
    sender.backoff, sender.max_backoff = backoff, most
    return sender


def tracking_for(raw: str, method: DeliveryMethod) -> str:
    """The reference to send for ``raw`` given on the command line, said; raises
    ApiValidationError (nothing saved) for what is no tracking number we know."""
    if method.tracking is not Tracking.CARRIER:
        return raw  # the provider's own reference (or one given for untracked post)
    verdict = judge(raw.strip(), method, previous=raw.strip())
    if verdict.reference is None or verdict.number is None:
        reason = verdict.message if verdict.reference is None else (
            "It is no tracking number format we know.")
        raise ApiValidationError(f"{reason} Nothing was saved; --as-is sends it exactly as "
                                 "given.", status=None)
    number = verdict.number
    note = f" (read from {raw.strip()})" if number.number != raw.strip() else ""
    other = f"; {verdict.caution}" if verdict.caution else ""
    print(f"{number.carrier_name} tracking number {number.number}{note}{other}.")
    return number.number


async def change_job(station: Station, job_id: int, status: str, tracking: str | None,
                     replace: bool, wait: float = SHORT_WAIT) -> int:
    """Save the change, then try to send it for up to ``wait`` seconds; never longer."""
    ends = time.monotonic() + wait
    client, cache, outbox = station.client, station.cache, station.outbox
    try:
        entry = await asyncio.to_thread(outbox.add, job_id, status, tracking,
                                        replace=replace)
    except InvalidChange as exc:
        raise ApiValidationError(f"{exc} Nothing was saved.", status=None) from None
    except OutboxConflict as exc:
        raise ApiValidationError(f"{exc} (use --replace to replace it)",
                                 status=None) from None
    sender = _quick(station.sender, 1.0, 5.0)
    while True:
        claimed = await asyncio.to_thread(outbox.claim, entry.id, lease=sender.lease)
        if claimed is None:  # another sender (the app) has it in hand
            print(f"Saved: {_describe(entry)}; the app is sending it.")
            return EXIT_SAVED_NOT_CONFIRMED
        left = min(client.limits.deadline, max(0.5, ends - time.monotonic()))
        outcome = await sender.send_one(claimed, deadline=left)
        settled = await asyncio.to_thread(outbox.get, entry.id)
        if outcome is SendOutcome.DONE:
            job = cache.get(job_id)
            order = f" (order {job.order_reference})" if job and job.order_reference else ""
            print(f"Job {job_id}{order} is {status}"
                  f"{f', tracking {tracking}' if tracking else ''}.")
            return 0
        if outcome is SendOutcome.ATTENTION:
            message = settled.last_error if settled else "refused"
            raise ApiValidationError(
                f"Smart Gift refused {_describe(entry)}: {message} (kept in the outbox as "
                "needing attention: 'packstation outbox list')", status=None)
        pause = (settled.next_attempt_at - time.time()) if settled else 0.0
        if time.monotonic() + pause >= ends:
            reason = settled.last_error if settled else ""
            print(f"Saved, not confirmed yet: {_describe(entry)}. {reason} It will be sent "
                  "by the app or by 'packstation outbox send'.")
            return EXIT_SAVED_NOT_CONFIRMED
        await asyncio.sleep(max(0.0, pause))


async def outbox_send(station: Station, args: argparse.Namespace) -> int:
    outbox = station.outbox
    # A person asked: what waits for its backoff is tried now, not in a few seconds.
    await asyncio.to_thread(outbox.due_now)
    await _quick(station.sender, 1.0, 10.0).drain(deadline=time.time() + args.wait)
    left = await asyncio.to_thread(outbox.entries)
    if not left:
        print("The outbox is empty: everything is confirmed by Smart Gift.")
        return 0
    for entry in left:
        print(f"still saved: [{entry.id}] {_describe(entry)}: {_state(entry)}"
              f"{' - ' + entry.last_error if entry.last_error else ''}")
    return EXIT_SAVED_NOT_CONFIRMED


async def outbox_local(station: Station, args: argparse.Namespace) -> int:
    """The commands that need no network (nor a key): list, discard, retry."""
    outbox = station.outbox
    if args.action == "list":
        entries = outbox.entries()
        if args.json:
            output.print_json([{**asdict(e), "state": e.state.value} for e in entries])
            return 0
        output.table(["ID", "JOB", "CHANGE", "TRACKING", "STATE", "TRIES", "LAST ERROR"],
                     [[str(e.id), str(e.job_id), e.status, e.tracking_reference or "-",
                       _state(e), str(e.attempts), e.last_error] for e in entries])
        return 0
    try:
        if args.action == "discard":
            return _discard(outbox, args.entry_id)
        return _retry(outbox, args.entry_id, args.tracking)
    except (LeaseHeld, InvalidChange) as exc:
        raise ApiValidationError(str(exc), status=None) from None


def _discard(outbox: DispatchOutbox, entry_id: int) -> int:
    gone = outbox.discard(entry_id)
    if gone is None:
        raise ApiValidationError(f"There is no outbox entry {entry_id} to discard.", status=None)
    print(f"Discarded outbox entry {entry_id}: {_describe(gone)} (it was {_state(gone)}); it "
          "will not be sent. Smart Gift keeps whatever it already has for the job.")
    return 0


def _retry(outbox: DispatchOutbox, entry_id: int, tracking: str | None) -> int:
    before = outbox.get(entry_id)
    entry = outbox.retry(entry_id, new_tracking=tracking)
    if entry is None or before is None:
        raise ApiValidationError(f"There is no outbox entry {entry_id}.", status=None)
    changed = "" if entry.tracking_reference == before.tracking_reference else \
        f" (tracking was {before.tracking_reference})"
    print(f"Entry {entry.id} will be sent again: {_describe(entry)}{changed}; it was "
          f"{_state(before)}. It is due now: the app sends it within seconds, or run "
          "'packstation outbox send'.")
    return 0
