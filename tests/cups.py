"""A real CUPS queue with the cups-pdf virtual printer, for printing tests.

Where CUPS is installed but not running and we are root (CI, a dev container),
cupsd is started and the queue added; otherwise the tests skip with the reason
(and in CI a skip is a failure).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

QUEUE = "PDF"
OUT_DIR = Path("/var/spool/cups-pdf/packstation-tests")
CONF = Path("/etc/cups/cups-pdf.conf")
PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"


@dataclass
class CupsQueue:
    name: str
    out_dir: Path

    def output_of(self, spool_job_id: int) -> Path:
        """The PDF cups-pdf wrote for a spooler job (names end in ``-job_N.pdf``)."""
        matches = [p for p in self.out_dir.glob("*.pdf")
                   if re.search(rf"job_{spool_job_id}\.pdf$", p.name)]
        assert len(matches) == 1, f"no single output for job {spool_job_id}: {matches}"
        return matches[0]

    def outputs_titled(self, title_start: str) -> list[Path]:
        # cups-pdf replaces spaces and punctuation in titles with "_".
        prefix = re.sub(r"[^A-Za-z0-9]", "_", title_start)
        return sorted(self.out_dir.glob(f"{prefix}*.pdf"))

    def last_job_id(self) -> int:
        """The newest job's id (CUPS keeps only its last 500 jobs: a count can stand still
        as one comes and the oldest goes)."""
        done = subprocess.run(["lpstat", "-W", "all", "-o", self.name], capture_output=True,
                              text=True)
        ids = [int(m.group(1)) for m in re.finditer(rf"^{re.escape(self.name)}-(\d+)",
                                                      done.stdout, re.MULTILINE)]
        return max(ids, default=0)

    def stop(self) -> None:
        subprocess.run(["cupsdisable", self.name], check=True)

    def start(self) -> None:
        subprocess.run(["cupsenable", self.name], check=True)


def _running() -> bool:
    done = subprocess.run(["lpstat", "-r"], capture_output=True, text=True)
    return done.returncode == 0 and "not running" not in done.stdout


def ensure_queue() -> CupsQueue:
    missing = [tool for tool in ("lp", "lpstat", "lpadmin", "cupsenable")
               if shutil.which(tool) is None]
    if missing or not Path("/usr/lib/cups/backend/cups-pdf").exists():
        pytest.skip("printing tests need CUPS and the cups-pdf printer "
                    "(Debian: cups printer-driver-cups-pdf)")
    root = os.geteuid() == 0
    if root and CONF.exists():
        text = CONF.read_text()
        wanted = f"Out {OUT_DIR}"
        if wanted not in text.splitlines():
            CONF.write_text(re.sub(r"(?m)^#?Out .*$", wanted, text, count=1))
        OUT_DIR.mkdir(parents=True, exist_ok=True)
    if not _running():
        if not (root and Path("/usr/sbin/cupsd").exists()):
            pytest.skip("CUPS is not running and cannot be started here (needs root)")
        Path("/run/cups").mkdir(parents=True, exist_ok=True)
        subprocess.Popen(["/usr/sbin/cupsd", "-f"], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10  # ready in ~0.1 s; each question takes a few ms
        while not _running():
            if time.monotonic() > deadline:
                pytest.fail("cupsd did not start within 10 s")
    if subprocess.run(["lpstat", "-p", QUEUE], capture_output=True).returncode != 0:
        if not root:
            pytest.skip(f"no CUPS queue {QUEUE!r} and no rights to add one")
        subprocess.run(["lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", "-m", PPD],
                       check=True, capture_output=True)
    subprocess.run(["cupsenable", QUEUE], capture_output=True)
    subprocess.run(["cupsaccept", QUEUE], capture_output=True)
    out = OUT_DIR if OUT_DIR.exists() else Path.home() / "PDF"
    return CupsQueue(QUEUE, out)
