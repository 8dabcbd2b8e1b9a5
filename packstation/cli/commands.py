"""The CLI's job and agreement commands, and the dispatch to every command that asks
Smart Gift something: thin wrappers over ``packstation.api`` and the station's store."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from packstation.api import (
    ApiError,
    ApiValidationError,
    ConfigError,
    NotFound,
    PdfNotReady,
    SmartGiftClient,
)
from packstation.api.fields import parse_after
from packstation.api.models import Job
from packstation.cli import output
from packstation.cli.context import open_station
from packstation.formats import read_price
from packstation.station import Station

# (command, action) -> "module:function": a command imports only what it uses.
_HANDLERS: dict[tuple[str, str | None], str] = {
    ("jobs", "list"): "commands:jobs_list",
    ("jobs", "dispatch"): "commands:jobs_dispatch",
    ("jobs", "set-status"): "commands:jobs_set_status",
    ("jobs", "pdf"): "commands:jobs_pdf",
    ("agreements", "list"): "commands:agreements_list",
    ("agreements", "price"): "commands:agreements_price",
    ("agreements", "terminate"): "commands:agreements_terminate",
    ("pos-sale", None): "pos_commands:pos_sale",
    ("jobs", "print"): "printing_commands:jobs_print",
    ("prints", "reprint"): "printing_commands:prints_reprint",
    ("outbox", "send"): "outbox_commands:outbox_send",
    ("outbox", "list"): "outbox_commands:outbox_local",
    ("outbox", "discard"): "outbox_commands:outbox_local",
    ("outbox", "retry"): "outbox_commands:outbox_local",
    ("prints", "list"): "printing_commands:prints_list",
    ("printers", None): "printing_commands:printers_command",
    ("printers", "assign"): "printing_commands:printers_command",
    ("report", "shift"): "shift_commands:report_shift",
    ("packers", "list"): "shift_commands:packers_command",
    ("packers", "add"): "shift_commands:packers_command",
    ("packers", "remove"): "shift_commands:packers_command",
    ("packers", "badges"): "shift_commands:packers_command",
    **{("manifest", action): "manifest_commands:manifest_command"
       for action in ("carriers", "close", "list", "show", "reprint", "amend")},
    **{("courier", action): "courier_commands:courier_command"
       for action in ("slots", "book", "list")},
}
# Commands that send nothing to Smart Gift: no key needed, none loaded.
_LOCAL = {("outbox", "list"), ("outbox", "discard"), ("outbox", "retry"), ("prints", "list"),
          ("printers", None), ("printers", "assign"), ("report", "shift"), ("packers", "list"),
          ("packers", "add"), ("packers", "remove"), ("packers", "badges"),
          *(("manifest", action) for action in ("carriers", "close", "list", "show",
                                                "reprint", "amend")),
          ("courier", "list")}

Handler = Callable[[Station, argparse.Namespace], Awaitable[int]]


def _handler(args: argparse.Namespace) -> Handler:
    module, _, function = _HANDLERS[(args.command, getattr(args, "action", None))].partition(":")
    found: Handler = getattr(importlib.import_module(f"packstation.cli.{module}"), function)
    return found


async def run_api_command(args: argparse.Namespace) -> int:
    """Any command that works on the station (every one but ``key`` and ``sandbox``)."""
    handler = _handler(args)
    # Read local input before the first request, so a typo costs no rate budget.
    if args.command == "pos-sale":
        from packstation.cli.pos_commands import read_sale

        args.sale = read_sale(args.file)
    local = (args.command, getattr(args, "action", None)) in _LOCAL
    async with open_station(args, connect=not local) as station:
        return await handler(station, args)


async def jobs_list(station: Station, args: argparse.Namespace) -> int:
    client = station.client
    try:
        after = parse_after(args.after) if args.after else None
    except ValueError:
        raise ConfigError(f"--after {args.after!r} is not a date or a date and time.") from None
    result = await client.list_jobs(status=args.status, after=after)
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        output.print_json([dict(job.raw) for job in result.items])
    else:
        output.print_jobs(result.items)
    return 0


async def jobs_dispatch(station: Station, args: argparse.Namespace) -> int:
    from packstation.cli import outbox_commands

    tracking = args.tracking
    if tracking is not None and not args.as_is:
        job = await asyncio.to_thread(station.cache.get, args.job_id)
        method = station.delivery_method(job.delivery_method_name if job else None)
        tracking = outbox_commands.tracking_for(tracking, method)
    return await outbox_commands.change_job(station, args.job_id, "dispatched", tracking,
                                            args.replace, args.wait)


async def jobs_set_status(station: Station, args: argparse.Namespace) -> int:
    from packstation.cli import outbox_commands

    return await outbox_commands.change_job(station, args.job_id, args.status, None,
                                            args.replace, args.wait)


async def find_job(client: SmartGiftClient, job_id: int) -> Job:
    # The API has no single-job endpoint: pending first (small), then everything.
    for status in ("pending", None):
        found = next((j for j in (await client.list_jobs(status=status)).items
                      if j.id == job_id), None)
        if found is not None:
            return found
    raise NotFound(f"Smart Gift has no job {job_id}.")


async def jobs_pdf(station: Station, args: argparse.Namespace) -> int:
    client = station.client
    job = await find_job(client, args.job_id)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, args.wait)
    # The whole command is bounded, not only each download: a slow server and a job
    # of many vouchers must not hold it for hours.
    ends = deadline + client.limits.deadline
    missing = 0
    for voucher in job.vouchers:
        if not voucher.pdf_copy:
            print(f"Voucher {voucher.id}: no PDF link yet (not ready yet).", file=sys.stderr)
            missing += 1
            continue
        if time.monotonic() >= ends:
            print(f"Voucher {voucher.id}: not fetched, the command's "
                  f"{client.limits.deadline + args.wait:.0f} s ran out.", file=sys.stderr)
            missing += 1
            continue
        try:
            pdf = await _download_waiting(client, voucher.pdf_copy, deadline, ends)
        except ApiError as exc:  # one bad voucher is named; the others are still written
            print(f"Voucher {voucher.id}: {exc}", file=sys.stderr)
            missing += 1
            continue
        if pdf is None:
            print(f"Voucher {voucher.id}: the PDF is not ready yet "
                  "(Smart Gift takes up to 5 minutes; try --wait 300).", file=sys.stderr)
            missing += 1
            continue
        path = out / f"job-{job.id}-voucher-{voucher.id}.pdf"
        write_atomically(path, pdf)
        print(f"{path} ({len(pdf):,} bytes)")
    if missing:
        raise PdfNotReady(f"{missing} of {len(job.vouchers)} voucher PDFs were not written "
                          "(see above).")
    return 0


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` at ``path``, whole or not at all, and never through a link planted there.

    Written to a new file of a random name in the same folder (created exclusively, so
    not a link), then renamed over ``path``: a rename replaces a symlink itself, it does
    not write to what the link points at.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


async def _download_waiting(client: SmartGiftClient, url: str, deadline: float,
                            ends: float) -> bytes | None:
    delay = 1.0
    while True:
        try:
            return await client.download_pdf(url, deadline=max(0.5, ends - time.monotonic()))
        except PdfNotReady:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, 15.0)  # the service needs up to 300 s: no tight polling


async def agreements_list(station: Station, args: argparse.Namespace) -> int:
    client = station.client
    result = await client.list_agreements(status=args.status)
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        output.print_json([output.agreement_json(a) for a in result.items])
    else:
        output.print_agreements(result.items)
    return 0


async def agreements_price(station: Station, args: argparse.Namespace) -> int:
    client = station.client
    reading = read_price(args.price)  # the window's reader: "£1,250.00" is a price too
    if reading.value is None:
        raise ApiValidationError(f"--price {args.price[:20]!r}: {reading.problem}", status=None)
    agreement = await client.price_agreement(args.agreement_id, reading.value,
                                             args.price_type)
    print(f"Agreement {agreement.id} with {agreement.company_name} is {agreement.status}: "
          f"{output.money(agreement.price)} {output.price_type_text(agreement.price_type)}.")
    return 0


async def agreements_terminate(station: Station, args: argparse.Namespace) -> int:
    client = station.client
    agreement = await client.terminate_agreement(args.agreement_id, args.reason)
    print(f"Agreement {agreement.id} with {agreement.company_name} "
          f"({agreement.delivery_method_name}) is {agreement.status}.")
    return 0


