"""CLI commands that change jobs: through the outbox, like the window."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from packstation.api import ApiValidationError, SmartGiftClient
from packstation.cli import output
from packstation.cli.context import station_database
from packstation.store.database import Database
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxConflict, OutboxEntry
from packstation.sync.outbox_sender import Delivery, OutboxSender

EXIT_SAVED_NOT_CONFIRMED = 6
SHORT_WAIT = 15.0  # how long a command waits for Smart Gift before leaving it saved


@contextmanager
def _outbox(db: Database) -> Iterator[tuple[JobCache, DispatchOutbox]]:
    try:
        yield JobCache(db), DispatchOutbox(db)
    finally:
        db.close()


def _describe(entry: OutboxEntry) -> str:
    ref = f" (tracking {entry.tracking_reference})" if entry.tracking_reference else ""
    return f"job {entry.job_id} {entry.status}{ref}"


async def change_job(client: SmartGiftClient, db: Database, job_id: int, status: str,
                     tracking: str | None, replace: bool) -> int:
    with _outbox(db) as (cache, outbox):
        try:
            entry = await asyncio.to_thread(outbox.add, job_id, status, tracking,
                                            replace=replace)
        except OutboxConflict as exc:
            raise ApiValidationError(f"{exc} (use --replace to replace it)",
                                     status=None) from None
        sender = OutboxSender(client, outbox, cache, backoff=1.0, max_backoff=5.0)
        deadline = time.monotonic() + SHORT_WAIT
        while True:
            claimed = await asyncio.to_thread(outbox.claim, entry.id)
            if claimed is None:  # another sender (the app) has it in hand
                print(f"Saved: {_describe(entry)}; the app is sending it.")
                return EXIT_SAVED_NOT_CONFIRMED
            delivery = await sender.send_one(claimed)
            settled = await asyncio.to_thread(outbox.get, entry.id)
            if delivery is Delivery.DONE:
                job = cache.get(job_id)
                print(f"Job {job_id} ({job.order_reference if job else '?'}) is {status}"
                      f"{f', tracking {tracking}' if tracking else ''}.")
                return 0
            if delivery is Delivery.ATTENTION:
                message = settled.last_error if settled else "refused"
                raise ApiValidationError(
                    f"Smart Gift refused {_describe(entry)}: {message} (kept in the outbox as "
                    "needing attention: 'packstation outbox list')", status=None)
            wait = (settled.next_attempt_at - time.time()) if settled else 0.0
            if time.monotonic() + wait > deadline:
                reason = settled.last_error if settled else ""
                print(f"Saved, not confirmed yet: {_describe(entry)}. {reason} It will be sent "
                      "by the app or by 'packstation outbox send'.")
                return EXIT_SAVED_NOT_CONFIRMED
            await asyncio.sleep(max(0.0, wait))


async def outbox_send(client: SmartGiftClient, args: argparse.Namespace) -> int:
    with _outbox(station_database(args, client.base_url)) as (cache, outbox):
        sender = OutboxSender(client, outbox, cache, backoff=1.0, max_backoff=10.0)
        await sender.drain(deadline=time.time() + args.wait)
        left = outbox.entries()
    if not left:
        print("The outbox is empty: everything is confirmed by Smart Gift.")
        return 0
    for entry in left:
        print(f"still saved: [{entry.id}] {_describe(entry)}: {entry.state.value}"
              f"{' - ' + entry.last_error if entry.last_error else ''}")
    return EXIT_SAVED_NOT_CONFIRMED


def outbox_local(args: argparse.Namespace) -> int:
    """The commands that need no network: list, discard, retry."""
    with _outbox(station_database(args)) as (_, outbox):
        if args.action == "list":
            entries = outbox.entries()
            if args.json:
                output.print_json([{**asdict(e), "state": e.state.value} for e in entries])
                return 0
            output.table(["ID", "JOB", "CHANGE", "TRACKING", "STATE", "TRIES", "LAST ERROR"],
                         [[str(e.id), str(e.job_id), e.status, e.tracking_reference or "-",
                           e.state.value, str(e.attempts), e.last_error] for e in entries])
            return 0
        if args.action == "discard":
            if outbox.discard(args.entry_id):
                print(f"Discarded outbox entry {args.entry_id}.")
                return 0
            raise ApiValidationError(f"There is no outbox entry {args.entry_id} to discard "
                                     "(or it is being sent right now).", status=None)
        entry = outbox.retry(args.entry_id, new_tracking=args.tracking)
        if entry is None:
            raise ApiValidationError(f"There is no outbox entry {args.entry_id}.", status=None)
        print(f"Entry {entry.id} will be sent again: {_describe(entry)}.")
        return 0
