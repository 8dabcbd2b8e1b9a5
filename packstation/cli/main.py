"""``packstation``: the GUI with no sub-command, the CLI otherwise.

Exit codes: 0 ok, 2 usage, 3 auth, 4 rejected by the API (422, 404),
5 network, server, rate limit or bad response, 6 saved in the outbox but not
confirmed yet, 7 printing failed. No traceback reaches the user
for any of these (``-v`` shows one for an unexpected error).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from packstation import __version__
from packstation.api import ApiError
from packstation.cli.arguments import bounded_float, bounded_int, identifier, report_date
from packstation.logs import setup_logging

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_REJECTED, EXIT_FAILED = 0, 2, 3, 4, 5
EXIT_PRINT_FAILED = 7
seconds = bounded_float(0.0, 3600.0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="packstation",
        description="Packing station for Smart Gift fulfilment providers. "
                    "With no command, starts the window.")
    parser.add_argument("--version", action="version", version=f"packstation {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check Qt, PDF rendering, printing, the keyring and the sandbox "
                             "on this machine, say what was found, and exit")
    parser.add_argument("--api-url", metavar="URL",
                        help="API address, or 'production' / 'development' "
                             "(default: settings, then PACKSTATION_API_URL, then production)")
    parser.add_argument("--demo", action="store_true",
                        help="run against a built-in sandbox server with demo data")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log each request (method, path, status, time) to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    jobs = sub.add_parser("jobs", help="list and update fulfilment jobs").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = jobs.add_parser("list", help="list jobs")
    p.add_argument("--status", choices=["pending", "dispatched", "delivered", "cancelled"])
    p.add_argument("--after", metavar="T",
                   help="only jobs changed since T: YYYY-MM-DD or 'YYYY-MM-DD HH:MM[:SS]' "
                        "(UK time unless it has a zone)")
    p.add_argument("--json", action="store_true", help="the jobs as JSON")
    p = jobs.add_parser("dispatch", help="mark a job dispatched")
    p.add_argument("job_id", type=identifier, metavar="JOB_ID")
    p.add_argument("--tracking", metavar="RAW",
                   help="the courier barcode or tracking number: the carrier's number is sent "
                        "(a DPD label's 14-digit parcel number...); none: dispatched untracked")
    p.add_argument("--as-is", action="store_true",
                   help="send --tracking exactly as given, even when it is no tracking number "
                        "we know (a misread, a product code, an unknown format)")
    p.add_argument("--replace", action="store_true",
                   help="replace a different change waiting for this job, or the tracking "
                        "reference of a job already dispatched")
    p.add_argument("--wait", type=seconds, default=15.0, metavar="SECONDS",
                   help="how long to wait for Smart Gift before leaving it saved (default 15)")
    p = jobs.add_parser("set-status", help="mark a job delivered or cancelled")
    p.add_argument("job_id", type=identifier, metavar="JOB_ID")
    p.add_argument("status", choices=["delivered", "cancelled"])
    p.add_argument("--replace", action="store_true",
                   help="replace a different change still waiting to be sent for this job")
    p.add_argument("--wait", type=seconds, default=15.0, metavar="SECONDS",
                   help="how long to wait for Smart Gift before leaving it saved (default 15)")
    p = jobs.add_parser("pdf", help="download a job's voucher PDFs")
    p.add_argument("job_id", type=identifier, metavar="JOB_ID")
    p.add_argument("--out", default=".", metavar="DIR", help="folder to write to (default .)")
    p.add_argument("--wait", type=seconds, default=0.0, metavar="SECONDS",
                   help="wait this long for PDFs still being generated (default 0)")

    p = jobs.add_parser("print", help="print a job's vouchers (or its address label)")
    p.add_argument("job_id", type=identifier, metavar="JOB_ID")
    p.add_argument("--printer", metavar="NAME", help="this printer instead of the station's")
    p.add_argument("--label", action="store_true", help="print the address label instead")
    p.add_argument("--copies", type=bounded_int(1, 99, "a number of copies"), default=1,
                   metavar="N")
    p.add_argument("--wait", action="store_true",
                   help="wait until the spooler says printed (exit 7 if it does not)")

    printers = sub.add_parser("printers", help="list printers, or assign one to a kind")
    printer_actions = printers.add_subparsers(dest="action", metavar="ACTION")
    p = printer_actions.add_parser("assign", help="use a printer for vouchers or labels")
    p.add_argument("kind", choices=["vouchers", "labels"])
    p.add_argument("name", help="printer name ('' for the default printer / no labels)")
    p.add_argument("--size", choices=["4x6in", "100x150mm", "62x100mm", "A6"],
                   help="label size (labels only)")

    prints = sub.add_parser("prints", help="print history").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = prints.add_parser("list", help="recent prints and their outcome")
    p.add_argument("--job", type=identifier, metavar="JOB_ID")
    p.add_argument("--limit", type=bounded_int(1, 10_000, "a count"), default=30)
    p.add_argument("--json", action="store_true")
    p = prints.add_parser("reprint", help="print again what an earlier print printed")
    p.add_argument("print_id", type=identifier, metavar="PRINT_ID")
    p.add_argument("--printer", metavar="NAME")

    agreements = sub.add_parser("agreements", help="fulfilment agreements").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = agreements.add_parser("list", help="list agreements")
    p.add_argument("--status", choices=["new", "sent", "active", "cancelled"])
    p.add_argument("--json", action="store_true")
    p = agreements.add_parser("price", help="price a new agreement")
    p.add_argument("agreement_id", type=identifier, metavar="ID")
    p.add_argument("--price", required=True, metavar="P", help="price in GBP, e.g. 3.40")
    p.add_argument("--type", dest="price_type", required=True, choices=["per_order", "per_item"])
    p = agreements.add_parser("terminate", help="terminate an agreement")
    p.add_argument("agreement_id", type=identifier, metavar="ID")
    p.add_argument("--reason", default="", metavar="R")

    outbox = sub.add_parser("outbox", help="job changes saved but not yet confirmed")
    outbox_actions = outbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = outbox_actions.add_parser("list", help="what is waiting, and why")
    p.add_argument("--json", action="store_true")
    p = outbox_actions.add_parser("send", help="send what is saved (exit 0 once empty)")
    p.add_argument("--wait", type=seconds, default=30.0, metavar="SECONDS",
                   help="keep retrying for this long (default 30)")
    p = outbox_actions.add_parser("discard", help="drop a saved change")
    p.add_argument("entry_id", type=identifier, metavar="ID")
    p = outbox_actions.add_parser("retry", help="send a change that needs attention again")
    p.add_argument("entry_id", type=identifier, metavar="ID")
    p.add_argument("--tracking", metavar="REF", help="with this tracking reference instead")

    p = sub.add_parser("pos-sale", help="create an order (POS sale) from a JSON file")
    p.add_argument("--file", required=True, metavar="ORDER.json")
    p.add_argument("--again", action="store_true",
                   help="send it even though the same order was sent before")
    p.add_argument("--json", action="store_true")

    key = sub.add_parser("key", help="the API key in the OS keyring").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    key.add_parser("set", help="store a key (prompted without echo, or read from stdin)")
    key.add_parser("delete", help="remove the stored key")
    key.add_parser("status", help="say whether a key is stored (never prints it)")

    site = sub.add_parser("site", help="a site of stations on one PostgreSQL").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = site.add_parser("init", help="create or update the site's schema; join it")
    p.add_argument("url", help="postgresql://user@host/database (no password in it)")
    site.add_parser("password", help="store the site database's password in the keyring")
    site.add_parser("status", help="the stations, the jobs in hand, the shared outbox")
    site.add_parser("leave", help="work alone again, on this station's own database")

    report = sub.add_parser("report", help="how the day went").add_subparsers(
        dest="action", required=True)
    p = report.add_parser("shift", help="the shift's figures (from this station's records, "
                                        "or the site's)")
    p.add_argument("--date", type=report_date, default=None, help="YYYY-MM-DD (default today)")
    p.add_argument("--station", default=None, help="one station's work only")
    p.add_argument("--packer", default=None, help="one packer's work only")
    written = p.add_mutually_exclusive_group()
    written.add_argument("--csv", metavar="FILE", help="write the figures as CSV")
    written.add_argument("--pdf", metavar="FILE", help="write a one-page A4 PDF with its chart")

    packers = sub.add_parser("packers", help="the packers and their badges").add_subparsers(
        dest="action", required=True)
    packers.add_parser("list", help="the packers and their badge codes")
    p = packers.add_parser("add", help="add a packer (a badge code is made up unless given)")
    p.add_argument("name")
    p.add_argument("--badge", default=None, help="the badge code (capitals and digits)")
    p = packers.add_parser("remove", help="take a packer off the list")
    p.add_argument("name")
    p = packers.add_parser("badges", help="write every packer's badge to a PDF to print")
    p.add_argument("file")

    manifest = sub.add_parser("manifest", help="each carrier's parcels at collection"
                              ).add_subparsers(dest="action", required=True)
    manifest.add_parser("carriers", help="every carrier, its jobs waiting and cut-off")
    p = manifest.add_parser("close", help="close a carrier's manifest (its jobs dispatched "
                                          "and on no earlier one)")
    p.add_argument("carrier", help="its id: royal-mail, dpd, parcelforce, evri, ...")
    p.add_argument("--print", action="store_true", help="print it on the voucher printer")
    p.add_argument("--csv", metavar="FILE")
    p.add_argument("--pdf", metavar="FILE")
    manifest.add_parser("list", help="the newest manifests")
    p = manifest.add_parser("show", help="a manifest's parcels and changes")
    p.add_argument("id", type=identifier)
    p = manifest.add_parser("reprint", help="print a manifest again (or --pdf FILE)")
    p.add_argument("id", type=identifier)
    p.add_argument("--pdf", metavar="FILE")
    p = manifest.add_parser("amend", help="take a job off a closed manifest, saying why")
    p.add_argument("id", type=identifier)
    p.add_argument("--remove", type=identifier, required=True, metavar="JOB")
    p.add_argument("--reason", required=True)

    courier = sub.add_parser("courier", help="jobs booked with the last-mile courier"
                             ).add_subparsers(dest="action", required=True)
    p = courier.add_parser("slots", help="the slots the courier offers for a job")
    p.add_argument("job_id", type=identifier, metavar="JOB_ID")
    p = courier.add_parser("book", help="book a job with the courier (the earliest slot unless "
                                        "--slot), dispatch it with the courier's job id and "
                                        "print its handover label")
    p.add_argument("job_id", type=identifier, metavar="JOB_ID")
    p.add_argument("--slot", metavar="ID", help="this slot (from 'courier slots')")
    p.add_argument("--again", action="store_true",
                   help="book even though a booking of this order was sent and its answer "
                        "lost (look in the courier's dashboard first)")
    p.add_argument("--replace", action="store_true",
                   help="the dispatch replaces another reference waiting for the job")
    p.add_argument("--wait", type=seconds, default=15.0, metavar="SECONDS",
                   help="how long to wait for Smart Gift to confirm the dispatch (default 15)")
    courier.add_parser("list", help="recent bookings, and cancelled jobs still booked")
    p = courier.add_parser("key", help="the courier's key in the OS keyring")
    p.add_argument("key_action", choices=["set", "status"])

    p = sub.add_parser("sandbox", help="run the sandbox server alone")
    p.add_argument("--port", type=bounded_int(0, 65535, "a port"), default=8765)
    p.add_argument("--jobs", type=bounded_int(0, 100_000, "a count"), default=40,
                   help="how many jobs to seed")
    p.add_argument("--seed", type=bounded_int(0, 2**31, "a seed"), default=1)
    p.add_argument("--key", default=None, help="key clients must send (default: the demo key)")
    p.add_argument("--pdf-delay", type=seconds, default=3.0,
                   help="seconds before a new job's PDFs exist (default 3)")
    p.add_argument("--rate-limit", type=bounded_int(1, 1_000_000, "a count"), default=60,
                   help="requests per window (default 60)")
    p.add_argument("--rate-window", type=bounded_float(0.1, 3600), default=60.0,
                   help="seconds (default 60)")
    p.add_argument("--error-rate", type=bounded_float(0.0, 1.0, "(a share)"), default=0.0,
                   help="share of requests that fail on purpose (0-1)")
    p.add_argument("--latency", type=bounded_float(0.0, 60.0), default=0.0,
                   help="seconds added to each answer")
    p.add_argument("--new-job-every", type=seconds, default=0.0,
                   help="seconds between new pending jobs (0: none)")
    return parser


def _setup_logging(verbose: bool) -> None:
    from packstation.config.settings import Settings

    setup_logging(verbose, Settings.load().log_level)


def _run_command(args: argparse.Namespace) -> int:
    """The command, importing only what it uses (a CLI that starts at once)."""
    if args.command == "site":
        from packstation.cli import site_commands

        return site_commands.site_command(args)
    if args.command == "courier" and args.action == "key":
        from packstation.cli import courier_commands

        args.action = args.key_action
        return courier_commands.courier_key_command(args)
    if args.command in ("sandbox", "key"):
        from packstation.cli import setup_commands

        return (setup_commands.run_sandbox if args.command == "sandbox"
                else setup_commands.key_command)(args)
    from packstation.cli import commands

    with _cancel_on_sigterm():
        return asyncio.run(commands.run_api_command(args))


@contextmanager
def _cancel_on_sigterm() -> Iterator[None]:
    """``kill`` stops a command as Ctrl+C does: asyncio cancels it, and a change being
    sent gives its outbox lease back instead of holding it until it expires."""
    if os.name != "posix" or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    if args.self_test:
        from packstation.cli.self_test import self_test

        return self_test()
    if args.command is None:
        from packstation.ui.app import run_gui  # Qt only when the window is wanted

        return run_gui(api_url=args.api_url, demo=args.demo)
    from packstation.cli.terminal import escape_output
    from packstation.printing.errors import PrintError

    streams = escape_output()  # server text is shown, never run by the terminal
    try:
        return _run_command(args)
    except ApiError as exc:
        print(f"packstation: {exc}", file=sys.stderr)
        return exc.exit_code
    except PrintError as exc:
        print(f"packstation: {exc}", file=sys.stderr)
        return EXIT_PRINT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error
        # The pipe is gone: the interpreter's last flush goes nowhere instead of failing.
        streams = (open(os.devnull, "w"), streams[1])  # noqa: SIM115
        return 0
    except Exception as exc:  # a bug of ours: say so briefly, details only with -v
        logging.getLogger("packstation").debug("unexpected error", exc_info=True)
        print(f"packstation: unexpected error ({type(exc).__name__}); run with -v for details",
              file=sys.stderr)
        if args.verbose:
            raise
        return 1
    finally:
        sys.stdout, sys.stderr = streams


if __name__ == "__main__":
    sys.exit(main())
