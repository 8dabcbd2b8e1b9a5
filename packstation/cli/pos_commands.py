"""``packstation pos-sale``: an order from a JSON file, never sent twice by accident."""

from __future__ import annotations

import argparse
import os
import stat
from typing import Any

import orjson

from packstation.api import ApiValidationError, ConfigError
from packstation.api.fields import FieldError
from packstation.api.pos import PosSale
from packstation.backoffice.orders import describe_earlier
from packstation.cli import output
from packstation.station import Station

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


def read_sale(path: str) -> PosSale:
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object (the /pos-sale request body).")
    try:
        return PosSale.from_json(data)
    except (FieldError, ValueError) as exc:
        raise ApiValidationError(f"{path}: {exc}", status=None) from None


async def pos_sale(station: Station, args: argparse.Namespace) -> int:
    # The window's log too: an order sent from either is noticed by both.
    desk = station.orders
    earlier = await desk.earlier(args.sale)
    if earlier is not None and not args.again:
        raise ApiValidationError(
            f"{describe_earlier(earlier)} Add --again to send it anyway.", status=None)
    result = await desk.submit(args.sale)
    if args.json:
        output.print_json({"message": result.message, "order_reference": result.order_reference,
                           "voucher_codes": list(result.voucher_codes)})
    else:
        print(f"{result.message or 'Order processed.'} Order reference: {result.order_reference}")
        for code in result.voucher_codes:
            print(f"  voucher code {code}")
    return 0
