"""The CLI's commands: thin wrappers over ``packstation.api`` and ``packstation.config``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import stat
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from packstation.api import (
    ApiError,
    ApiKey,
    ApiValidationError,
    ConfigError,
    NotFound,
    PdfNotReady,
    SmartGiftClient,
)
from packstation.api.fields import FieldError, parse_after
from packstation.api.models import Job
from packstation.api.pos import PosSale
from packstation.backoffice.orders import OrderDesk, describe_earlier
from packstation.cli import outbox_commands, output, printing_commands
from packstation.cli.context import open_client, station_database
from packstation.config import keys
from packstation.sandbox import DEMO_KEY, Faults, SandboxServer
from packstation.store.pos_orders import PosOrderLog


async def run_api_command(args: argparse.Namespace) -> int:
    handlers: dict[tuple[str, str | None], Callable[[SmartGiftClient, argparse.Namespace],
                                                    Awaitable[int]]] = {
        ("jobs", "list"): jobs_list,
        ("jobs", "dispatch"): jobs_dispatch,
        ("jobs", "set-status"): jobs_set_status,
        ("jobs", "pdf"): jobs_pdf,
        ("agreements", "list"): agreements_list,
        ("agreements", "price"): agreements_price,
        ("agreements", "terminate"): agreements_terminate,
        ("pos-sale", None): pos_sale,
        ("jobs", "print"): printing_commands.jobs_print,
        ("prints", "reprint"): printing_commands.prints_reprint,
        ("outbox", "send"): outbox_commands.outbox_send,
    }
    handler = handlers[(args.command, getattr(args, "action", None))]
    # Read local input before the first request, so a typo costs no rate budget.
    if args.command == "pos-sale":
        args.sale = _read_sale(args.file)
    async with open_client(args) as client:
        return await handler(client, args)


async def jobs_list(client: SmartGiftClient, args: argparse.Namespace) -> int:
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


async def jobs_dispatch(client: SmartGiftClient, args: argparse.Namespace) -> int:
    return await outbox_commands.change_job(client, station_database(args, client.base_url),
                                            args.job_id, "dispatched", args.tracking,
                                            args.replace, args.wait)


async def jobs_set_status(client: SmartGiftClient, args: argparse.Namespace) -> int:
    return await outbox_commands.change_job(client, station_database(args, client.base_url),
                                            args.job_id, args.status, None, args.replace,
                                            args.wait)


async def find_job(client: SmartGiftClient, job_id: int) -> Job:
    # The API has no single-job endpoint: pending first (small), then everything.
    for status in ("pending", None):
        found = next((j for j in (await client.list_jobs(status=status)).items
                      if j.id == job_id), None)
        if found is not None:
            return found
    raise NotFound(f"Smart Gift has no job {job_id}.")


async def jobs_pdf(client: SmartGiftClient, args: argparse.Namespace) -> int:
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


async def agreements_list(client: SmartGiftClient, args: argparse.Namespace) -> int:
    result = await client.list_agreements(status=args.status)
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        output.print_json([output.agreement_json(a) for a in result.items])
    else:
        output.print_agreements(result.items)
    return 0


async def agreements_price(client: SmartGiftClient, args: argparse.Namespace) -> int:
    try:
        price = Decimal(args.price.strip().lstrip("£"))
    except InvalidOperation:
        raise ApiValidationError(f"--price {args.price!r} is not an amount.", status=None) \
            from None
    agreement = await client.price_agreement(args.agreement_id, price, args.price_type)
    print(f"Agreement {agreement.id} with {agreement.company_name} is {agreement.status}: "
          f"{output.money(agreement.price)} {output.price_type_text(agreement.price_type)}.")
    return 0


async def agreements_terminate(client: SmartGiftClient, args: argparse.Namespace) -> int:
    agreement = await client.terminate_agreement(args.agreement_id, args.reason)
    print(f"Agreement {agreement.id} with {agreement.company_name} "
          f"({agreement.delivery_method_name}) is {agreement.status}.")
    return 0


MAX_ORDER_FILE = 1 << 20  # an order of a hundred vouchers is a few kilobytes


def read_json_file(path: str, limit: int = MAX_ORDER_FILE) -> Any:
    """A small JSON file, checked first: a FIFO, /dev/zero or 150 MB are refused, not read."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not hang before we can look at it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path} is not a regular file (a pipe or a device?); "
                              "give the order as a .json file. Nothing was sent.")
        if info.st_size > limit:
            raise ConfigError(f"{path} is {info.st_size / 2**20:.1f} MB; an order file is at "
                              f"most {limit // 1024} KB. Nothing was sent.")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ConfigError(f"{path} grew past {limit // 1024} KB while read. Nothing was sent.")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        reason = "it is nested too deeply" if "depth" in str(exc) or "recursion" in str(exc) \
            else str(exc)
        raise ConfigError(f"{path} is not valid JSON: {reason}. Nothing was sent.") from None


def _read_sale(path: str) -> PosSale:
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object (the /pos-sale request body).")
    try:
        return PosSale.from_json(data)
    except (FieldError, ValueError) as exc:
        raise ApiValidationError(f"{path}: {exc}", status=None) from None


async def pos_sale(client: SmartGiftClient, args: argparse.Namespace) -> int:
    # The window's log too: an order sent from either is noticed by both.
    db = station_database(args, client.base_url)
    try:
        desk = OrderDesk(client, PosOrderLog(db))
        earlier = await desk.earlier(args.sale)
        if earlier is not None and not args.again:
            raise ApiValidationError(
                f"{describe_earlier(earlier)} Add --again to send it anyway.", status=None)
        result = await desk.submit(args.sale)
    finally:
        db.close()
    if args.json:
        output.print_json({"message": result.message, "order_reference": result.order_reference,
                           "voucher_codes": list(result.voucher_codes)})
    else:
        print(f"{result.message or 'Order processed.'} Order reference: {result.order_reference}")
        for code in result.voucher_codes:
            print(f"  voucher code {code}")
    return 0


def key_command(args: argparse.Namespace) -> int:
    url = keys.resolve_api_url(args.api_url)
    if args.action == "set":
        if sys.stdin.isatty():
            secret = getpass.getpass(f"API key for {url} (not shown): ")
        else:
            secret = sys.stdin.readline()
        keys.store_key(url, ApiKey(secret))
        print(f"The API key for {url} is stored in the keyring ({keys.backend_name()}).")
        return 0
    if args.action == "delete":
        if keys.delete_key(url):
            print(f"The API key for {url} was removed from the keyring.")
        else:
            print(f"No API key was stored for {url}.")
        return 0
    stored = keys.stored_key(url)
    if stored is None:
        print(f"No API key is stored for {url} (keyring: {keys.backend_name()}).")
        return 3
    print(f"An API key is stored for {url} (keyring: {keys.backend_name()}, "
          f"fingerprint {stored.fingerprint}).")
    return 0


def run_sandbox(args: argparse.Namespace) -> int:
    faults = Faults(error_rate=args.error_rate, latency=args.latency, seed=args.seed)
    server = SandboxServer(port=args.port, key=args.key or DEMO_KEY, seed=args.seed,
                           jobs=args.jobs, pdf_delay=args.pdf_delay,
                           rate_limit=args.rate_limit, rate_window=args.rate_window,
                           faults=faults, new_job_every=args.new_job_every)
    key_text = "your --key" if args.key else DEMO_KEY
    print(f"Smart Gift sandbox on {server.base_url} (key: {key_text})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
