"""Voucher PDFs on disk, keyed by their URL: survives restarts, bounded in size.

Files are written whole and renamed into place, so a crash never leaves half a
PDF to be printed; the least recently used are removed past the size bound.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

DEFAULT_MAX_BYTES = 500 * 1024 * 1024


def cache_dir() -> Path:
    override = os.environ.get("PACKSTATION_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs  # 10 ms to import: only when the folder is not given

    return Path(platformdirs.user_cache_dir("packstation"))


class PdfCache:
    def __init__(self, folder: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder or cache_dir() / "pdf"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def _file(self, url: str) -> Path:
        return self.folder / (hashlib.sha256(url.encode()).hexdigest() + ".pdf")

    def get(self, url: str) -> bytes | None:
        path = self._file(url)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        os.utime(path)  # recently used: evicted last
        return data

    def __contains__(self, url: str) -> bool:
        return self._file(url).exists()

    def put(self, url: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._file(url)
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self._evict()

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob("*.pdf")) \
            if self.folder.exists() else 0

    def _evict(self) -> None:
        with self._lock:
            files = []
            for path in self.folder.glob("*.pdf"):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                files.append((stat.st_mtime_ns, stat.st_size, path))
            total = sum(size for _, size, _ in files)
            for _, size, path in sorted(files):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
