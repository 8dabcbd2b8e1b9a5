"""How much one answer from Smart Gift may cost this station: time, bytes and pages.

Defaults suit a bench; the settings file may raise them (a slow line, a
provider with very long voucher PDFs). A broken or hostile server meets them
long before it can hang a command or fill the memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MB: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    deadline: float = 60.0  # seconds for one call, retries included: connect to last byte
    max_json_bytes: int = 64 * MB  # a JSON answer, counted after decompression
    max_pdf_bytes: int = 50 * MB  # one voucher PDF, counted after decompression
    max_voucher_pages: int = 20  # pages in one voucher's PDF
    max_job_pages: int = 200  # pages in a job's vouchers merged into one PDF


DEFAULT_LIMITS: Final = Limits()
