"""CLI commands for printers and printing."""

from __future__ import annotations

import argparse
import sys
from contextlib import AsyncExitStack
from dataclasses import asdict

from packstation.api import SmartGiftClient
from packstation.cli import output
from packstation.cli.context import station_database
from packstation.cli.main import EXIT_PRINT_FAILED
from packstation.config.settings import Settings
from packstation.printing.discovery import system_discovery
from packstation.printing.pdf_source import PdfSource
from packstation.printing.printers import DocumentKind, list_printers, station_from
from packstation.printing.voucher_printer import VoucherPrinter, default_path
from packstation.store.database import Database
from packstation.store.pdf_cache import PdfCache
from packstation.store.print_history import PrintHistory


def _ensure_qt_for(path_name: str) -> None:
    # The Qt path renders with QtPdf, which needs a (headless is fine) GUI application.
    if path_name == "qt":
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is None:
            QGuiApplication([sys.argv[0], "-platform", "offscreen"])


def voucher_printer(client: SmartGiftClient, settings: Settings, db: Database,
                    stack: AsyncExitStack) -> VoucherPrinter:
    stack.callback(db.close)
    stack.callback(db.close)
    source = PdfSource(client, PdfCache())
    stack.push_async_callback(source.aclose)
    path = default_path(settings.print_path)
    _ensure_qt_for(path.name)
    return VoucherPrinter(source, PrintHistory(db), station_from(settings), path)


async def jobs_print(client: SmartGiftClient, args: argparse.Namespace) -> int:
    from packstation.cli.commands import find_job

    job = await find_job(client, args.job_id)
    async with AsyncExitStack() as stack:
        printer = voucher_printer(client, Settings.load(),
                                  station_database(args, client.base_url), stack)
        record_id, receipt = await printer.print_job(job, printer=args.printer,
                                                     copies=args.copies, label=args.label)
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


async def prints_reprint(client: SmartGiftClient, args: argparse.Namespace) -> int:
    async with AsyncExitStack() as stack:
        printer = voucher_printer(client, Settings.load(),
                                  station_database(args, client.base_url), stack)
        record_id, receipt = await printer.reprint(args.print_id, printer=args.printer)
        print(f"Reprinted print {args.print_id} to “{receipt.printer}” as print {record_id}: "
              f"{receipt.pages} page(s).")
        return 0


def prints_list(args: argparse.Namespace) -> int:
    db = station_database(args)
    try:
        records = PrintHistory(db).recent(args.limit, job_id=args.job)
    finally:
        db.close()
    if args.json:
        output.print_json([asdict(r) for r in records])
        return 0
    rows = [[str(r.id), output.uk_time(r.created_at), str(r.job_id or "-"),
             r.order_reference or "-", r.kind, r.printer, str(r.pages), r.outcome]
            for r in records]
    output.table(["PRINT", "WHEN", "JOB", "ORDER", "KIND", "PRINTER", "PAGES", "OUTCOME"], rows)
    return 0


def printers_command(args: argparse.Namespace) -> int:
    settings = Settings.load()
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
    entries = list_printers(system_discovery(), station_from(settings))
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

