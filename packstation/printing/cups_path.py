"""The CUPS path (Linux, macOS): the original PDF bytes to the spooler, printed as vectors.

Submission is IPP Print-Job on the connection the state queries use: CUPS takes a
job in ~10 ms that way, against ~17 ms for starting ``lp`` (the next job's vouchers
are on a packer's clock). A CUPS that wants a login gets ``lp``, which knows how to
give one. The printer's and the job's real state come from IPP.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time

from packstation.printing import ipp
from packstation.printing.errors import PrintError
from packstation.printing.model import (
    PAPER_SIZES,
    PrinterMissing,
    PrinterStatus,
    PrinterStopped,
    PrintReceipt,
    PrintRequest,
    PrintState,
)

_REQUEST_ID = re.compile(r"request id is (\S+)-(\d+)")
_NAMED_MEDIA = {"A4": "A4", "A5": "A5", "A6": "A6", "Letter": "Letter", "4x6in": "Custom.4x6in"}


def media_option(paper: str) -> str:
    """CUPS media name: a standard name, or a custom size in millimetres."""
    if paper in _NAMED_MEDIA:
        return _NAMED_MEDIA[paper]
    width, height = PAPER_SIZES[paper]
    return f"Custom.{width:g}x{height:g}mm"


def cups_available() -> bool:
    return shutil.which("lp") is not None


FRESH_FOR = 1.0  # seconds a state asked ahead stands for the print that follows it


class CupsPath:
    name = "cups"

    def __init__(self, server: ipp.CupsServer | None = None) -> None:
        self.server = server or ipp.CupsServer.from_environment()
        self._ahead: dict[str, tuple[float, PrinterStatus]] = {}  # printer -> (when, state)
        self._sent_on_ahead: set[int] = set()  # CUPS job ids sent on a state asked ahead

    def look_ahead(self, printer: str) -> None:
        """Ask the printer's state now, for a print about to come (the next job's, while
        the packer's Enter): that print then need not wait for the asking. A printer that
        stopped meanwhile is caught by ``check_after``, which cancels the job."""
        try:
            self._ahead[printer] = (time.monotonic(), self.printer_status(printer))
        except PrintError:
            self._ahead.pop(printer, None)  # the print asks again, and says why

    def _asked_ahead(self, printer: str) -> PrinterStatus | None:
        when, status = self._ahead.pop(printer, (0.0, None))
        return status if status is not None and time.monotonic() - when < FRESH_FOR \
            and status.ready else None

    def printer_status(self, printer: str) -> PrinterStatus:
        try:
            found = self.server.printer_attributes(printer)
        except ipp.IppError as exc:
            if exc.status == 0x0406:  # client-error-not-found
                raise PrinterMissing(
                    f"The printer “{printer}” is not there any more: check it is switched on "
                    "and connected, or choose another printer in Settings.") from None
            raise PrintError(str(exc)) from None
        state = {ipp.PRINTER_IDLE: "idle", ipp.PRINTER_PROCESSING: "printing",
                 ipp.PRINTER_STOPPED: "stopped"}.get(found.get("printer-state", [0])[0],
                                                     "unknown")
        reasons = [r for r in found.get("printer-state-reasons", []) if r != "none"]
        message = (found.get("printer-state-message") or [""])[0] or ", ".join(reasons)
        return PrinterStatus(printer, state, bool(found.get("printer-is-accepting-jobs",
                                                             [True])[0]), message)

    def check_after(self, receipt: PrintReceipt) -> None:
        """A job sent on a state asked ahead: the printer asked again now that CUPS has it
        (the packer's print is already on its way); stopped meanwhile, the job is
        cancelled and :class:`PrinterStopped` raised, as if it had been asked first."""
        if receipt.job_id is None or receipt.job_id not in self._sent_on_ahead:
            return
        self._sent_on_ahead.discard(receipt.job_id)
        try:
            status = self.printer_status(receipt.printer)
        except PrintError:
            status = None  # gone or CUPS down: the job is cancelled all the same
        if status is not None and status.ready:
            return
        self.cancel(receipt)
        why = status.message if status is not None and status.message else "not ready"
        raise PrinterStopped(
            f"The printer “{receipt.printer}” stopped as the job was sent ({why}). The job "
            "was cancelled; start the printer again (or choose another) and print again.")

    def submit(self, request: PrintRequest) -> PrintReceipt:
        ahead = self._asked_ahead(request.printer)
        status = ahead or self.printer_status(request.printer)
        if not status.ready:
            why = "stopped (paused)" if status.state == "stopped" else "not accepting jobs"
            raise PrinterStopped(
                f"The printer “{request.printer}” is {why}"
                f"{': ' + status.message if status.message else ''}. Nothing was sent; start "
                "the printer again (or choose another) and print again.")
        sides = "two-sided-long-edge" if request.duplex else "one-sided"
        try:
            job_id = self.server.print_job(request.printer, request.title, request.pdf.data, [
                (ipp.INTEGER, "copies", request.copies),
                (ipp.KEYWORD, "media", media_option(request.paper)),
                (ipp.KEYWORD, "sides", sides),
                (ipp.BOOLEAN, "fit-to-page", True),
            ])
        except ipp.IppError as exc:
            if exc.status == ipp.UNREAD:
                raise PrintError(f"{exc} The vouchers may have been queued all the same: look "
                                 "at the printer before printing them again.") from None
            if exc.status not in ipp.NEEDS_LOGIN:
                raise PrintError(f"{exc} Nothing was printed.") from None
        else:
            if ahead is not None:
                self._sent_on_ahead.add(job_id)
            return PrintReceipt(request.printer, self.name, job_id, request.pdf.pages,
                                PrintState.SENT, "accepted by the spooler")
        return self._submit_with_lp(request, sides)

    def _submit_with_lp(self, request: PrintRequest, sides: str) -> PrintReceipt:
        command = ["lp", "-d", request.printer, "-t", request.title, "-n", str(request.copies),
                   "-o", f"media={media_option(request.paper)}", "-o", "fit-to-page",
                   "-o", f"sides={sides}", "-"]
        try:
            done = subprocess.run(command, input=request.pdf.data, capture_output=True,
                                  timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintError(f"The print service did not take the job ({type(exc).__name__}).") \
                from None
        match = _REQUEST_ID.search(done.stdout.decode(errors="replace"))
        if done.returncode != 0 or not match:
            reason = done.stderr.decode(errors="replace").strip() or "no reason given"
            raise PrintError(f"The print service refused the job: {reason}")
        return PrintReceipt(request.printer, self.name, int(match.group(2)), request.pdf.pages,
                            PrintState.SENT, "accepted by the spooler")

    def follow(self, receipt: PrintReceipt) -> PrintReceipt:
        if receipt.job_id is None or receipt.state.final:
            return receipt
        found = self.server.job_attributes(receipt.printer, receipt.job_id)
        state = found.get("job-state", [0])[0]
        reasons = ", ".join(r for r in found.get("job-state-reasons", []) if r != "none")
        new_state, detail = receipt.state, receipt.detail
        if state == ipp.JOB_COMPLETED:
            new_state, detail = PrintState.PRINTED, "completed"
        elif state in (ipp.JOB_CANCELED, ipp.JOB_ABORTED):
            new_state = PrintState.FAILED
            detail = f"{'cancelled' if state == ipp.JOB_CANCELED else 'aborted'} ({reasons})"
        elif state in (ipp.JOB_STOPPED, ipp.JOB_HELD) or (
                state == ipp.JOB_PENDING and not self.printer_status(receipt.printer).ready):
            new_state, detail = PrintState.STOPPED, reasons or "the printer is stopped"
        return PrintReceipt(receipt.printer, receipt.path, receipt.job_id, receipt.pages,
                            new_state, detail)

    def cancel(self, receipt: PrintReceipt) -> None:
        # `cancel`, like `lp`, authenticates as the user who sent the job; a bare IPP
        # Cancel-Job would be refused (401) by CUPS's default policy.
        if receipt.job_id is not None:
            subprocess.run(["cancel", f"{receipt.printer}-{receipt.job_id}"],
                           capture_output=True, timeout=30)
