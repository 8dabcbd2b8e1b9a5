"""``packstation report shift`` and ``packstation packers``: the supervisor's commands.

    report shift [--date D] [--station S] [--packer P] [--csv FILE | --pdf FILE]
    packers list | add NAME [--badge CODE] | remove NAME | badges FILE.pdf
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from packstation.cli import output
from packstation.packers import PackerError
from packstation.plaintext import cell
from packstation.station import Station


class CannotWrite(Exception):
    pass


def write_whole(path: str, data: bytes) -> None:
    """Whole or not at all: a report half written over an old one is worse than none.
    CannotWrite says why, in words, with nothing left behind."""
    target = Path(path)
    if target.is_dir():
        raise CannotWrite(f"{cell(path)} is a folder: give a file name.")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CannotWrite(f"Cannot write {cell(path)}: {exc.strerror or exc}.") from None


async def report_shift(station: Station, args: argparse.Namespace) -> int:
    try:
        return await _report_shift(station, args)
    except CannotWrite as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _report_shift(station: Station, args: argparse.Namespace) -> int:
    packer = args.packer
    if packer:  # as the list spells it, whatever case was typed
        known = await asyncio.to_thread(station.packers.by_name, packer)
        packer = known.name if known is not None else packer
    figures = await asyncio.to_thread(station.shift.figures, args.date, args.station,
                                      packer)
    if args.csv:
        from packstation.printing.shift_sheet import shift_csv

        await asyncio.to_thread(write_whole, args.csv, shift_csv(figures).encode("utf-8"))
        print(f"Wrote the shift report of {figures.day} to {cell(args.csv)}.")
        return 0
    if args.pdf:
        from packstation.printing.shift_sheet import shift_pdf

        data = await asyncio.to_thread(shift_pdf, figures, station.settings.station())
        await asyncio.to_thread(write_whole, args.pdf, data)
        print(f"Wrote the shift report of {figures.day} to {cell(args.pdf)}.")
        return 0
    output.table(["FIGURE", "VALUE"], [list(row) for row in figures.rows()])
    if figures.hours:
        print()
        output.table(["HOUR", *figures.packers],
                     [[f"{hour:02d}:00", *(str(figures.per_hour.get(hour, {}).get(p, 0))
                                            for p in figures.packers)]
                      for hour in figures.hours])
    return 0


async def packers_command(station: Station, args: argparse.Namespace) -> int:
    roster = station.packers
    try:
        if args.action == "add":
            packer = await asyncio.to_thread(roster.add, args.name, args.badge)
            print(f"Added {cell(packer.name)}, badge {packer.badge}. Print the badges with "
                  "'packstation packers badges FILE.pdf'.")
        elif args.action == "remove":
            if not await asyncio.to_thread(roster.remove, args.name):
                print(f"No packer is called {cell(args.name)}.", file=sys.stderr)
                return 1
            print(f"Removed {cell(args.name)} (what they did stays recorded).")
        elif args.action == "badges":
            from packstation.printing.badges import badges_pdf

            packers = await asyncio.to_thread(roster.all)
            data = await asyncio.to_thread(badges_pdf, packers, "A4",
                                           station.settings.station())
            await asyncio.to_thread(write_whole, args.file, data)
            print(f"Wrote {len(packers)} badge(s) to {cell(args.file)}.")
        else:
            packers = await asyncio.to_thread(roster.all)
            output.table(["PACKER", "BADGE"], [[p.name, p.badge] for p in packers])
    except PackerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CannotWrite as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
