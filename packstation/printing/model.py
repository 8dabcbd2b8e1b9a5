"""What a print is, where it goes, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from packstation.printing.errors import PrintError
from packstation.printing.pdfcheck import CheckedPdf


class PrintState(StrEnum):
    SENT = "sent"  # the spooler accepted it; not printed yet
    PRINTED = "printed"  # the spooler says it completed
    STOPPED = "printer stopped"
    MISSING = "printer not found"
    FAILED = "failed"
    TOO_SLOW = "waited too long"
    REFUSED = "refused"  # not a printable PDF: never sent

    @property
    def done(self) -> bool:
        return self is PrintState.PRINTED

    @property
    def final(self) -> bool:
        return self is not PrintState.SENT


class PrinterStopped(PrintError):
    """The printer is paused, stopped or not accepting jobs: nothing was sent."""


class PrinterMissing(PrintError):
    """The chosen printer is not known to the system (any more)."""


# Label sizes a station can choose, as (width, height) in millimetres, portrait.
LABEL_SIZES: dict[str, tuple[float, float]] = {
    "4x6in": (101.6, 152.4),
    "100x150mm": (100.0, 150.0),
    "62x100mm": (62.0, 100.0),
    "A6": (105.0, 148.0),
}
PAPER_SIZES: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4),
                                               "A5": (148.0, 210.0), **LABEL_SIZES}


@dataclass(frozen=True, slots=True)
class PrintRequest:
    pdf: CheckedPdf
    printer: str
    title: str
    paper: str = "A4"  # a key of PAPER_SIZES
    copies: int = 1
    duplex: bool = False

    def __post_init__(self) -> None:
        if self.paper not in PAPER_SIZES:
            raise PrintError(f"Unknown paper size {self.paper!r}; "
                             f"known: {', '.join(PAPER_SIZES)}.")
        if not 1 <= self.copies <= 99:
            raise PrintError("Copies must be between 1 and 99.")


@dataclass(frozen=True, slots=True)
class PrintReceipt:
    printer: str
    path: str  # "cups" or "qt"
    job_id: int | None  # the spooler's job id, when the path can know it
    pages: int
    state: PrintState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    name: str
    state: str  # "idle", "printing", "stopped", "unknown"
    accepting: bool
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.accepting and self.state != "stopped"


class PrintPath(Protocol):
    """One way of getting a PDF onto paper. Blocking: call it from a worker thread."""

    name: str

    def submit(self, request: PrintRequest) -> PrintReceipt: ...

    def look_ahead(self, printer: str) -> None:
        """Get ready for a print to ``printer`` about to come (nothing, where there is
        nothing to get ready)."""
        ...

    def check_after(self, receipt: PrintReceipt) -> None:
        """After ``submit``: anything it took on trust checked now (raises PrintError, the
        job cancelled, when that turns out wrong)."""
        ...

    def follow(self, receipt: PrintReceipt) -> PrintReceipt:
        """The receipt with the spooler's latest word (unchanged where it cannot tell)."""
        ...

    def cancel(self, receipt: PrintReceipt) -> None: ...
