"""``packstation --self-test``: can this machine run the station? Says what it found.

Checks the parts an installer must have brought along and the machine must
provide: Qt (offscreen is enough), PDF rendering, printing support, the
keyring, the sounds, labels and barcodes (reportlab), and a round trip to the
built-in sandbox (a job listed, its voucher PDF downloaded, checked and
rendered). Exit 0 when everything the station needs works ("FAIL" otherwise);
what a packer can do without (sounds, a keyring, a printer on a fresh machine,
the log file) is a "warn".
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass

from packstation import __version__


@dataclass(frozen=True, slots=True)
class Finding:
    name: str
    ok: bool
    detail: str
    essential: bool = True


def _qt() -> str:
    from PySide6 import __version__ as pyside
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        QApplication([sys.argv[0], "-platform", os.environ.get("QT_QPA_PLATFORM", "offscreen")])
    return f"Qt {qVersion()}, PySide6 {pyside}, platform {QApplication.platformName()}"


def _pdf_rendering() -> str:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtPdf import QPdfDocument

    from packstation.printing.sheets import barcode_pdf

    buffer = QBuffer()
    buffer.setData(QByteArray(barcode_pdf()))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    image = document.render(0, QSize(300, 100))
    if document.status() != QPdfDocument.Status.Ready or image.isNull():
        raise RuntimeError("QtPdf could not render a PDF")
    return f"QtPdf rendered a page ({image.width()}x{image.height()})"


def _printing() -> str:
    from packstation.printing.cups_path import cups_available
    from packstation.printing.discovery import system_discovery

    discovery = system_discovery()
    names = discovery.names()
    path = "CUPS (lp + IPP)" if cups_available() else "Qt (QPrinter)"
    return (f"print path {path}; printers: {', '.join(names) or 'none yet'}; "
            f"default: {discovery.default() or 'none'}")


def _keyring() -> str:
    from packstation.config import keys

    keys.backend()  # raises MissingKeyError with the reason when there is none
    return keys.backend_name()


def _sounds() -> str:
    from PySide6.QtCore import QLoggingCategory

    # Which audio libraries (PipeWire, PulseAudio) it found is Qt's business, not a
    # finding: without this, a box without PipeWire prints "Couldn't load" lines.
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false")
    # Imported, not played: a box without audio must not be asked to open a device.
    import PySide6.QtMultimedia  # noqa: F401

    from packstation.resources import resource_dir

    folder = resource_dir() / "sounds"
    missing = [n for n in ("ok.wav", "error.wav") if not (folder / n).is_file()]
    if missing:
        raise RuntimeError(f"missing in {folder}: {', '.join(missing)}")
    return f"QtMultimedia loads; {folder}"


def _labels() -> str:
    import random
    from datetime import UTC, datetime

    from packstation.api import Job
    from packstation.printing.label import label_fonts, label_pdf
    from packstation.printing.pdfcheck import check_pdf
    from packstation.printing.sheets import scanner_test_pdf
    from packstation.sandbox.data import Seeder

    job = Job.from_json(Seeder(random.Random(1), datetime.now(UTC)).job(
        "pending", datetime.now(UTC)))
    regular, _, _ = label_fonts()
    if regular != "DejaVuSans":
        raise RuntimeError("the label font (resources/fonts) is missing: names beyond "
                           "Latin-1 would print as '?'")
    label = check_pdf(label_pdf(job))
    sheet = check_pdf(scanner_test_pdf())
    return (f"address label ({label.pages} page, {regular} embedded) and scanner test sheet "
            f"({sheet.pages} page) drawn with their barcodes")


def _sandbox() -> str:
    from packstation.api import ApiKey, RateBudget, SmartGiftClient
    from packstation.printing.pdfcheck import check_pdf
    from packstation.sandbox import DEMO_KEY, SandboxServer

    async def round_trip() -> str:
        with SandboxServer(pdf_delay=0, jobs=3, seed=1) as sandbox:
            async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                       budget=RateBudget()) as client:
                jobs = (await client.list_jobs(status="pending")).items
                pdf = check_pdf(await client.download_pdf(jobs[0].vouchers[0].pdf_copy or ""))
                return (f"{len(jobs)} pending job(s) listed, a {pdf.pages}-page voucher PDF "
                        "downloaded and checked")

    return asyncio.run(round_trip())


def _tracking() -> str:
    from packstation.tracking.formats import formats
    from packstation.tracking.reading import ReadingKind, read

    dpd = read("%SW1A1AA15501234567890101826")
    product = read("5901234123457")  # biip's GS1 tables are in the bundle
    if dpd.kind is not ReadingKind.TRACKING or product.kind is not ReadingKind.NOT_TRACKING:
        raise RuntimeError("the courier data (resources/tracking) or biip is missing")
    return (f"{len(formats())} courier formats; a DPD label reads as "
            f"{dpd.numbers[0].number}, an EAN-13 as a product code")


def _bank_holidays() -> str:
    from datetime import date

    from packstation.leave_by import LeaveByRule

    boxing = LeaveByRule("scotland").holiday(date(2026, 12, 28))
    if not boxing:
        raise RuntimeError("the holidays package's UK calendar is missing")
    return f"28 Dec 2026 in Scotland is {boxing}"


def _log() -> str:
    from packstation.logs import log_file

    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8"):
        pass
    return f"{path} (send it to support when something goes wrong)"


# (name, check, essential): FAIL for what stops a packer, warn for the rest. Sounds are
# feedback, not a need (a PC without an audio library still packs); a fresh machine may
# have no keyring yet; without a log file support has less to go on, nothing more.
CHECKS: list[tuple[str, Callable[[], str], bool]] = [
    ("Qt", _qt, True),
    ("PDF rendering", _pdf_rendering, True),
    ("printing", _printing, True),
    ("sandbox", _sandbox, True),
    ("labels", _labels, True),
    ("tracking", _tracking, True),
    ("bank holidays", _bank_holidays, True),
    ("sounds", _sounds, False),
    ("keyring", _keyring, False),
    ("log", _log, False),
]


def run_checks() -> list[Finding]:
    findings = []
    for name, check, essential in CHECKS:
        try:
            findings.append(Finding(name, True, check(), essential))
        except Exception as exc:  # each check reports, none stops the others
            findings.append(Finding(name, False, f"{type(exc).__name__}: {exc}", essential))
    return findings


def self_test() -> int:
    print(f"packstation {__version__} on {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}"
          f"{' (bundled)' if getattr(sys, 'frozen', False) else ''}")
    findings = run_checks()
    for f in findings:
        mark = "ok  " if f.ok else ("FAIL" if f.essential else "warn")
        print(f"{mark}  {f.name}: {f.detail}")
    failed = [f for f in findings if f.essential and not f.ok]
    print("self-test passed" if not failed else
          f"self-test FAILED: {', '.join(f.name for f in failed)}")
    return 0 if not failed else 1
