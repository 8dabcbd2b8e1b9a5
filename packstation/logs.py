"""The station's log: a rotating file in the per-user log folder, and stderr.

Support asks for the file (the About box and ``--self-test`` name it). Its level
is a setting (``log_level``); stderr shows warnings, or every request with
``-v``. No line ever holds a secret: every handler redacts live secrets (the API
key, later the database password), and server text is escaped as it is for the
terminal.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from packstation.api.secret import install_log_redaction
from packstation.plaintext import escaped

LEVELS = ("debug", "info", "warning", "error")
FILE_NAME = "packstation.log"
MAX_BYTES = 5 * 2**20
BACKUPS = 5  # 30 MB at most, the newest lines first to go never


_installed: list[logging.Handler] = []  # the handlers setup_logging added


class EscapingFormatter(logging.Formatter):
    """Log lines escaped like the CLI's output (they quote server text)."""

    def format(self, record: logging.LogRecord) -> str:
        return escaped(super().format(record))


def log_dir() -> Path:
    override = os.environ.get("PACKSTATION_LOG_DIR")
    if override:
        return Path(override)
    import platformdirs  # 10 ms: only when the folder is not given

    return Path(platformdirs.user_log_dir("packstation"))


def log_file() -> Path:
    return log_dir() / FILE_NAME


def setup_logging(verbose: bool, file_level: str = "info") -> Path | None:
    """stderr (warnings, or INFO with -v) and the rotating file; returns the file's path,
    or None when the folder cannot be written (said on stderr, never fatal)."""
    root = logging.getLogger()
    for handler in _installed:  # set up again (a second command in one process): replaced
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(EscapingFormatter("%(name)s: %(message)s"))
    stderr.setLevel(logging.INFO if verbose else logging.WARNING)
    root.addHandler(stderr)
    _installed.append(stderr)
    level = getattr(logging, file_level.upper(), logging.INFO)
    path: Path | None = log_file()
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES,
                                                       backupCount=BACKUPS, encoding="utf-8")
        handler.setFormatter(EscapingFormatter(
            "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        handler.setLevel(level)
        root.addHandler(handler)
        _installed.append(handler)
    except OSError as exc:
        path = None
        level = logging.WARNING
        logging.getLogger(__name__).warning("no log file (%s)", exc)
    root.setLevel(min(level, stderr.level))
    # httpx logs whole URLs with query strings at INFO; our own line says enough.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_log_redaction(root)
    return path


def set_file_level(file_level: str) -> None:
    """The file's level changed in settings: taken on at once, no restart."""
    level = getattr(logging, file_level.upper(), logging.INFO)
    root = logging.getLogger()
    files = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    if not files:
        return  # no log file (tests, an unwritable folder): nothing to change
    for handler in files:
        handler.setLevel(level)
    root.setLevel(min(h.level for h in root.handlers if h.level) if root.handlers else level)
