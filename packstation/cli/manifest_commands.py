"""``packstation manifest``: each carrier's list of parcels at collection (issue 19).

    manifest carriers                       every carrier, jobs waiting, its cut-off
    manifest close CARRIER [--print] [--csv FILE] [--pdf FILE]
    manifest list                           the newest manifests
    manifest show ID                        its parcels, and what was taken off, why
    manifest reprint ID [--pdf FILE]        printed again (marked REPRINT, flags kept)
    manifest amend ID --remove JOB --reason R
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from packstation.cli import output
from packstation.cli.shift_commands import CannotWrite, write_whole
from packstation.plaintext import cell
from packstation.station import Station
from packstation.store.database import DatabaseError
from packstation.store.manifests import Manifest, NothingToClose
from packstation.tracking.carriers import CARRIERS


async def manifest_command(station: Station, args: argparse.Namespace) -> int:
    try:
        return await _ACTIONS[args.action](station, args)
    except (NothingToClose, LookupError, ValueError, CannotWrite) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DatabaseError as exc:  # a site's database out of reach, said in words
        print(f"error: the records cannot be reached: {cell(str(exc))}", file=sys.stderr)
        return 5


async def _carriers(station: Station, args: argparse.Namespace) -> int:
    rows = await asyncio.to_thread(station.manifests.carriers)
    output.table(["CARRIER", "NAME", "WAITING", "CUT-OFF"],
                 [[c, CARRIERS[c], str(n), cutoff or "-"] for c, n, cutoff in rows])
    return 0


async def _print(station: Station, data: bytes, title: str) -> str:
    from packstation.printing.sheets import print_sheet
    from packstation.printing.voucher_printer import default_path

    settings = station.settings
    path = default_path(settings.print_path)
    printer = settings.voucher_printer
    if not printer:
        from packstation.printing.discovery import system_discovery

        printer = await asyncio.to_thread(lambda: system_discovery().default() or "")
    if not printer:
        raise ValueError("There is no voucher printer and no default printer.")
    receipt = await print_sheet(path, data, printer, title, settings.voucher_paper)
    return f"sent to {receipt.printer}"


async def _outputs(station: Station, manifest: Manifest, args: argparse.Namespace,
                   reprint: bool) -> None:
    from packstation.printing.manifest_sheet import manifest_csv, manifest_pdf

    cancelled = await asyncio.to_thread(station.manifests.cancelled_since, manifest)
    if getattr(args, "csv", None):
        await asyncio.to_thread(write_whole, args.csv,
                                manifest_csv(manifest, cancelled).encode("utf-8"))
        print(f"Wrote manifest {manifest.id} to {cell(args.csv)}.")
    pdf = await asyncio.to_thread(manifest_pdf, manifest, reprint=reprint,
                                  cancelled=cancelled, site=station.settings.station())
    if getattr(args, "pdf", None):
        await asyncio.to_thread(write_whole, args.pdf, pdf)
        print(f"Wrote manifest {manifest.id} to {cell(args.pdf)}.")
    if getattr(args, "print", False) or (reprint and not args.pdf):
        said = await _print(station, pdf, f"packstation manifest {manifest.id}")
        print(f"Manifest {manifest.id} {said}.")


async def _close(station: Station, args: argparse.Namespace) -> int:
    carrier = args.carrier.strip().lower()
    manifest = await asyncio.to_thread(station.manifests.close, carrier)
    print(f"Closed manifest {manifest.id} for {CARRIERS[carrier]}: {len(manifest.on_it)} "
          f"parcel(s), collection {manifest.collection}.")
    await _outputs(station, manifest, args, reprint=False)
    return 0


async def _list(station: Station, args: argparse.Namespace) -> int:
    found = await asyncio.to_thread(station.manifests.store.recent, 50)
    output.table(["ID", "CARRIER", "COLLECTION", "CLOSED (UTC)", "STATION", "PARCELS"],
                 [[str(m.id), m.carrier, m.collection, m.closed_at[:16], m.station,
                   str(count)] for m, count in found])
    return 0


async def _get(station: Station, manifest_id: int) -> Manifest:
    manifest = await asyncio.to_thread(station.manifests.store.get, manifest_id)
    if manifest is None:
        raise LookupError(f"There is no manifest {manifest_id}.")
    return manifest


async def _show(station: Station, args: argparse.Namespace) -> int:
    manifest = await _get(station, args.id)
    cancelled = await asyncio.to_thread(station.manifests.cancelled_since, manifest)
    print(f"Manifest {manifest.id}: {CARRIERS.get(manifest.carrier, manifest.carrier)}, "
          f"collection {manifest.collection}, closed {manifest.closed_at[:16]} UTC at "
          f"{cell(manifest.station)}{' (amended)' if manifest.amended else ''}")
    output.table(["JOB", "ORDER", "TRACKING", "RECIPIENT", "POSTCODE", "STATE"],
                 [[str(e.job_id), e.order_reference, e.tracking_reference or "untracked",
                   e.recipient, e.postcode,
                   f"taken off: {e.removed_reason} ({e.removed_by})" if e.removed
                   else "CANCELLED since" if e.job_id in cancelled else "on"]
                  for e in manifest.entries])
    return 0


async def _reprint(station: Station, args: argparse.Namespace) -> int:
    await _outputs(station, await _get(station, args.id), args, reprint=True)
    return 0


async def _amend(station: Station, args: argparse.Namespace) -> int:
    manifest = await asyncio.to_thread(station.manifests.amend, args.id, args.remove,
                                       args.reason)
    print(f"Job {args.remove} taken off manifest {manifest.id} ({len(manifest.on_it)} "
          "parcel(s) left); the reprint says so.")
    return 0


_ACTIONS = {"carriers": _carriers, "close": _close, "list": _list, "show": _show,
            "reprint": _reprint, "amend": _amend}
