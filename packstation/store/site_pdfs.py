"""Voucher PDFs once per site: kept in the site's PostgreSQL, fetched from Smart Gift by
whichever station needs one first (the syncer, ahead of time), read by the others.

``SitePdfCache`` is the station's ``PdfCache`` in front of the site's table: a PDF is
looked for on this PC's disk, then in the site (copied to the disk when found), and a
download is written to both. A merged job PDF is this PC's own (merging is local work).
The site's table is bounded like the disk cache: each PDF no larger than the client's
cap (it was read within it), the whole past ``max_bytes`` losing the least recently used.
A site that cannot be reached is a miss, never an error: the station fetches for itself.
Blocking: call in a worker.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING, Final

from packstation.store.pdf_cache import PdfCache

if TYPE_CHECKING:
    from packstation.store.site_database import SiteDatabase

SITE_MAX_BYTES: Final = 2 * 1024 * 1024 * 1024
PDF_MAX_BYTES: Final = 64 * 1024 * 1024  # one row read back no bigger than this

log = logging.getLogger(__name__)


class SitePdfs:
    def __init__(self, db: SiteDatabase, station: str, max_bytes: int = SITE_MAX_BYTES) -> None:
        self._db = db
        self.station = station
        self.max_bytes = max_bytes

    def get(self, url: str) -> bytes | None:
        row = self._db.execute(
            "UPDATE voucher_pdfs SET used_at = now() WHERE url = ? AND octet_length(data) <= ?"
            " RETURNING data", (url, PDF_MAX_BYTES)).fetchone()
        return None if row is None else bytes(row[0])

    def __contains__(self, url: str) -> bool:
        return self._db.execute("SELECT 1 FROM voucher_pdfs WHERE url = ?",
                                (url,)).fetchone() is not None

    def put(self, url: str, data: bytes) -> None:
        if len(data) > PDF_MAX_BYTES:
            return
        self._db.execute("INSERT INTO voucher_pdfs (url, data, size, stored_by) VALUES"
                         " (?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
                         (url, data, len(data), self.station))
        if random.random() < 0.05:  # the bound checked now and then, not at every put
            self.evict()

    def evict(self) -> int:
        """The least recently used past ``max_bytes`` removed; how many."""
        row = self._db.execute(
            "WITH kept AS (SELECT url, sum(size) OVER (ORDER BY used_at DESC, url) AS total"
            " FROM voucher_pdfs) DELETE FROM voucher_pdfs WHERE url IN"
            " (SELECT url FROM kept WHERE total > ?) RETURNING 1", (self.max_bytes,))
        return len(row.fetchall())

    def stats(self) -> tuple[int, int]:
        """(PDFs stored, their bytes)."""
        row = self._db.execute("SELECT count(*), COALESCE(sum(size), 0) FROM voucher_pdfs"
                               ).fetchone()
        return int(row[0]), int(row[1])


class SitePdfCache:
    """``PdfCache``'s surface: this PC's disk first, then the site's table."""

    def __init__(self, local: PdfCache, site: SitePdfs) -> None:
        self.local = local
        self.site = site

    @staticmethod
    def _shared(key: str) -> bool:
        return not key.startswith("merged:")

    def get(self, url: str) -> bytes | None:
        data = self.local.get(url)
        if data is not None or not self._shared(url):
            return data
        try:
            data = self.site.get(url)
        except Exception as exc:  # the site lost: this station fetches for itself
            log.info("voucher PDF not read from the site: %s", str(exc)[:200])
            return None
        if data is not None:
            self.local.put(url, data)
        return data

    def __contains__(self, url: str) -> bool:
        if url in self.local:
            return True
        if not self._shared(url):
            return False
        try:
            return url in self.site
        except Exception:
            return False

    def put(self, url: str, data: bytes) -> None:
        self.local.put(url, data)
        if self._shared(url):
            try:
                self.site.put(url, data)
            except Exception as exc:
                log.info("voucher PDF not kept for the site: %s", str(exc)[:200])

    def size(self) -> int:
        return self.local.size()
