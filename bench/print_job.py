"""Print a prefetched two-voucher job, as a ratio to `lp` of the same merged PDF.

Both go to the same CUPS queue in the same run, interleaved, timed until the
spooler has accepted the job (goal: at most 1.5x). The Qt path (render at
300 dpi and paint) is timed separately on the same PDF and reported beside.

    .venv/bin/python bench/print_job.py [--queue PDF] [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from packstation.api import ApiKey, RateBudget, SmartGiftClient
from packstation.printing.cups_path import CupsPath
from packstation.printing.model import PrintRequest
from packstation.printing.pdf_source import PdfSource
from packstation.printing.pdfcheck import merge_pdfs
from packstation.printing.printers import StationPrinters
from packstation.printing.voucher_printer import VoucherPrinter
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.database import Database
from packstation.store.pdf_cache import PdfCache
from packstation.store.print_history import PrintHistory


async def run(queue: str, rounds: int, folder: Path) -> dict[str, float]:
    with SandboxServer(pdf_delay=0, jobs=30, seed=11) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            job = next(j for j in (await client.list_jobs(status="pending")).items
                       if len(j.vouchers) == 2)
            source = PdfSource(client, PdfCache(folder / "pdf"))
            source.prefetch([job])
            await source.idle()  # prefetched: printing needs no network
            merged = merge_pdfs(await source.for_job(job))
            merged_file = folder / "merged.pdf"
            merged_file.write_bytes(merged.data)
            printer = VoucherPrinter(source, PrintHistory(Database(folder / "db.sqlite3")),
                                     StationPrinters(vouchers=queue), CupsPath())
            floor, ours, qt = [], [], []
            qt_path = _qt_path()
            for i in range(rounds + 2):  # two warm-up rounds, not counted
                started = time.perf_counter()
                subprocess.run(["lp", "-d", queue, "-t", "bench lp", str(merged_file)],
                               check=True, capture_output=True)
                lp_time = time.perf_counter() - started
                started = time.perf_counter()
                await printer.print_job(job)
                our_time = time.perf_counter() - started
                started = time.perf_counter()
                qt_path.submit(PrintRequest(merged, queue, "bench qt"))
                qt_time = time.perf_counter() - started
                if i >= 2:
                    floor.append(lp_time)
                    ours.append(our_time)
                    qt.append(qt_time)
    return {"lp": statistics.median(floor), "ours": statistics.median(ours),
            "qt": statistics.median(qt)}


def _qt_path():  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    from packstation.printing.qt_path import QtPath

    if QGuiApplication.instance() is None:
        QGuiApplication([sys.argv[0], "-platform", "offscreen"])
    return QtPath()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="PDF")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        times = asyncio.run(run(args.queue, args.rounds, Path(folder)))
    print(f"print a prefetched 2-voucher job to {args.queue!r} until the spooler accepts "
          f"(medians of {args.rounds}):")
    print(f"  lp of the merged PDF {times['lp'] * 1000:.1f} ms, "
          f"packstation (CUPS path) {times['ours'] * 1000:.1f} ms")
    print(f"ratio: {times['ours'] / times['lp']:.2f}x (goal <= 1.5x)")
    print(f"Qt path (300 dpi render + paint) {times['qt'] * 1000:.1f} ms: "
          f"{times['qt'] / times['lp']:.1f}x lp")


if __name__ == "__main__":
    main()
