"""CLI commands for printers and printing."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import asdict

from packstation.cli import output
from packstation.cli.main import EXIT_PRINT_FAILED
from packstation.printing.discovery import system_discovery
from packstation.printing.printers import DocumentKind, list_printers, station_from
from packstation.printing.voucher_printer import VoucherPrinter
from packstation.station import Station


def _ensure_qt_for(path_name: str) -> None:
    # The Qt path renders with QtPdf, which needs a (headless is fine) GUI application.
    if path_name == "qt":
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is None:
            QGuiApplication([sys.argv[0], "-platform", "offscreen"])


def _printer_of(station: Station) -> VoucherPrinter:
    printer = station.printer
    _ensure_qt_for(printer.path.name)
    return printer


async def jobs_print(station: Station, args: argparse.Namespace) -> int:
    from packstation.cli.commands import find_job

    job = await find_job(station.client, args.job_id)
    printer = _printer_of(station)
    record_id, receipt = await printer.print_job(job, printer=args.printer, copies=args.copies,
                                                 label=args.label)
    what = "address label" if args.label else f"{len(job.vouchers)} voucher(s)"
    spool = f", spooler job {receipt.job_id}" if receipt.job_id is not None else ""
    print(f"Sent the {what} of job {job.id} ({job.order_reference}) to “{receipt.printer}”: "
          f"{receipt.pages} page(s){spool}. [print {record_id}]")
    if not args.wait:
        return 0
    final = await printer.watch(record_id, receipt)
    print(f"Print {record_id}: {final.state.value}"
          f"{' (' + final.detail + ')' if final.detail else ''}.")
    return 0 if final.state.done or final.job_id is None else EXIT_PRINT_FAILED


async def prints_reprint(station: Station, args: argparse.Namespace) -> int:
    record_id, receipt = await _printer_of(station).reprint(args.print_id,
                                                            printer=args.printer)
    print(f"Reprinted print {args.print_id} to “{receipt.printer}” as print {record_id}: "
          f"{receipt.pages} page(s).")
    return 0


async def prints_list(station: Station, args: argparse.Namespace) -> int:
    records = await asyncio.to_thread(station.history.recent, args.limit, job_id=args.job)
    if args.json:
        output.print_json([asdict(r) for r in records])
        return 0
    rows = [[str(r.id), output.uk_time(r.created_at), str(r.job_id or "-"),
             r.order_reference or "-", r.kind, r.printer, str(r.pages), r.outcome]
            for r in records]
    output.table(["PRINT", "WHEN", "JOB", "ORDER", "KIND", "PRINTER", "PAGES", "OUTCOME"], rows)
    return 0


async def printers_command(station: Station, args: argparse.Namespace) -> int:
    settings = station.settings
    if args.action == "assign":
        if args.kind == DocumentKind.VOUCHERS.value:
            settings.voucher_printer = args.name
        else:
            settings.label_printer = args.name
            if args.size:
                settings.label_size = args.size
        settings.save()
        print(f"{args.kind.capitalize()} now print on “{args.name or 'the default printer'}”.")
        return 0
    entries = await asyncio.to_thread(list_printers, system_discovery(),
                                      station_from(settings))
    if not entries:
        print("No printers found (is the print service running?).")
        return 0
    rows = [[e.name + (" (default)" if e.is_default else ""), e.status.state,
             "yes" if e.status.accepting else "no",
             ", ".join(k.value for k in e.kinds) or "-", e.status.message or ""]
            for e in entries]
    output.table(["PRINTER", "STATE", "ACCEPTING", "USED FOR", "MESSAGE"], rows)
    for kind in DocumentKind:
        chosen = station_from(settings).printer_for(kind)
        if chosen and chosen not in {e.name for e in entries}:
            print(f"warning: the {kind.value} printer “{chosen}” is not there any more.",
                  file=sys.stderr)
    return 0

