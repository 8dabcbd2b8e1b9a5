"""The station's SQLite database: WAL mode, a schema version and forward migrations.

Each migration runs once, in order, in its own transaction; the version is
kept in ``PRAGMA user_version``. A database from a newer packstation is
refused rather than damaged.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlsplit


def id_chunks(ids: Iterable[int], size: int = 900) -> Iterator[tuple[list[int], str]]:
    """``ids`` in slices SQLite can bind at once (it allows 999 parameters), each with its
    ``?,?,…`` for an ``IN (…)``."""
    listed = list(ids)
    for start in range(0, len(listed), size):
        chunk = listed[start:start + size]
        yield chunk, ",".join("?" * len(chunk))


# Migrations both engines take alike (SQLite's 8 to 10, a site's 4 to 6); ``{pk}``,
# ``{int}`` and ``{real}`` are each engine's id, whole-number and epoch-seconds types
# (PostgreSQL's REAL is 4 bytes: a time to within two minutes).
WHO_PACKED: Final = (
    """
    CREATE TABLE packers (
        name TEXT NOT NULL,
        badge TEXT NOT NULL UNIQUE,
        added_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX packers_name ON packers(lower(name));
    ALTER TABLE scan_log ADD COLUMN packer TEXT NOT NULL DEFAULT '';
    ALTER TABLE scan_log ADD COLUMN station TEXT NOT NULL DEFAULT '';
    ALTER TABLE print_history ADD COLUMN packer TEXT NOT NULL DEFAULT '';
    ALTER TABLE print_history ADD COLUMN station TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN packer TEXT NOT NULL DEFAULT '';
    ALTER TABLE dispatch_history ADD COLUMN packer TEXT NOT NULL DEFAULT '';
    CREATE INDEX scan_log_at ON scan_log(at);
    CREATE INDEX print_history_created ON print_history(created_at);
    CREATE INDEX dispatch_history_confirmed ON dispatch_history(confirmed_at);
    """
)
MANIFESTS: Final = (
    """
    CREATE TABLE manifests (
        id {pk},
        carrier TEXT NOT NULL,
        collection TEXT NOT NULL DEFAULT '',
        closed_at TEXT NOT NULL,
        station TEXT NOT NULL DEFAULT '',
        packer TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE manifest_entries (
        id {pk},
        manifest_id {int} NOT NULL REFERENCES manifests(id),
        job_id {int} NOT NULL,
        order_reference TEXT NOT NULL DEFAULT '',
        tracking_reference TEXT NOT NULL DEFAULT '',
        recipient TEXT NOT NULL DEFAULT '',
        postcode TEXT NOT NULL DEFAULT '',
        value_pence {int} NOT NULL DEFAULT 0,
        dispatched_at TEXT NOT NULL DEFAULT '',
        removed_at TEXT,
        removed_reason TEXT,
        removed_by TEXT
    );
    CREATE INDEX manifest_entries_manifest ON manifest_entries(manifest_id);
    CREATE UNIQUE INDEX manifest_entries_on ON manifest_entries(job_id)
        WHERE removed_at IS NULL;
    """
)

COURIER_BOOKINGS: Final = (
    """
    CREATE TABLE courier_bookings (
        id {pk},
        job_id {int} NOT NULL,
        client_reference TEXT NOT NULL,
        slot_id TEXT NOT NULL,
        slot_from TEXT NOT NULL DEFAULT '',
        slot_to TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        courier_job_id TEXT,
        detail TEXT NOT NULL DEFAULT '',
        station TEXT NOT NULL DEFAULT '',
        packer TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_until {real} NOT NULL DEFAULT 0,
        labelled_at TEXT
    );
    CREATE UNIQUE INDEX courier_bookings_live ON courier_bookings(job_id)
        WHERE state IN ('sending', 'booked', 'unknown');
    CREATE INDEX courier_bookings_job ON courier_bookings(job_id);
    """
)


MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: print history
    """
    CREATE TABLE print_history (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,          -- UTC, ISO 8601
        job_id INTEGER,                    -- NULL for prints not of a job
        order_reference TEXT,
        kind TEXT NOT NULL,                -- 'vouchers' or 'labels'
        voucher_ids TEXT NOT NULL,         -- JSON list, in print order
        pdf_urls TEXT NOT NULL,            -- JSON list: what a reprint fetches from the cache
        printer TEXT NOT NULL,
        path TEXT NOT NULL,                -- 'cups' or 'qt'
        spool_job_id INTEGER,
        pages INTEGER NOT NULL,
        copies INTEGER NOT NULL,
        outcome TEXT NOT NULL,             -- a PrintState value
        detail TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE INDEX print_history_job ON print_history(job_id);
    """,
    # 2: jobs cache, sync state, outbox, scan log
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        order_reference TEXT,
        postcode TEXT,                     -- upper case, spaces removed: for lookup
        tracking_reference TEXT,
        received_at TEXT,
        fetched_at REAL NOT NULL,          -- when the request that brought it started
        body TEXT NOT NULL                 -- the job's JSON as received
    );
    CREATE INDEX jobs_status ON jobs(status);
    CREATE INDEX jobs_order_reference ON jobs(order_reference);
    CREATE INDEX jobs_postcode ON jobs(postcode);
    CREATE INDEX jobs_tracking_reference ON jobs(tracking_reference);
    CREATE TABLE job_voucher_codes (
        code TEXT NOT NULL,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        PRIMARY KEY (code, job_id)
    );
    CREATE INDEX job_voucher_codes_job ON job_voucher_codes(job_id);
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL UNIQUE,    -- one unsent change per job, never two
        status TEXT NOT NULL,
        tracking_reference TEXT,
        state TEXT NOT NULL,               -- 'pending', 'sending', 'attention'
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE scan_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        scan TEXT NOT NULL,
        meaning TEXT NOT NULL,             -- 'job', 'voucher', 'tracking', 'unknown', ...
        outcome TEXT NOT NULL,
        job_id INTEGER
    );
    """,
    # 3: the queue is read in pages, oldest first
    """
    CREATE INDEX jobs_received ON jobs(received_at, id);
    """,
    # 4: POS orders sent from this station, so a resend after a lost answer is noticed
    """
    CREATE TABLE pos_orders (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,         -- sha256 of the request body as canonical JSON
        order_id TEXT,                     -- our own order id, when one was given
        request TEXT NOT NULL,             -- the request body, JSON
        state TEXT NOT NULL,               -- 'sending', 'created', 'unknown', 'refused', 'not_sent'
        order_reference TEXT,
        voucher_codes TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,          -- UTC, ISO 8601
        updated_at TEXT NOT NULL
    );
    CREATE INDEX pos_orders_fingerprint ON pos_orders(fingerprint);
    CREATE INDEX pos_orders_order_id ON pos_orders(order_id);
    """,
    # 5: "sending" is a lease (who, until when), so a crashed sender's entry is taken over
    # once it expires, and nobody resets an entry another process is sending right now.
    # An entry left "sending" by an older packstation has an expired lease (0): taken over.
    """
    ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN lease_until REAL NOT NULL DEFAULT 0;
    """,
    # 6: a scanned order found by an index whatever its case (the same SQL as a site's)
    """
    CREATE INDEX jobs_order_reference_lower ON jobs(lower(order_reference));
    """,
    # 7: every change Smart Gift confirmed, kept (the outbox forgets it once sent). A
    # station that lost its site sends from here; ``origin`` names each row once where
    # it is copied into the site's history (NULL: made here), ``copied`` once it is.
    """
    CREATE TABLE dispatch_history (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        tracking_reference TEXT,
        station TEXT NOT NULL DEFAULT '',
        saved_at TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        origin TEXT UNIQUE,
        copied INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX dispatch_history_job ON dispatch_history(job_id);
    """,
    # 8: who packed (issue 18): the packers' list, and every scan, print and dispatch
    # recorded with its packer and station; the shift's figures read them by time.
    WHO_PACKED,
    # 9: courier manifests (issue 19): what went to which carrier when; entries are
    # never deleted (an amendment marks one taken off), a job on one manifest at a time.
    MANIFESTS.format(pk="INTEGER PRIMARY KEY", int="INTEGER"),
    # 10: courier bookings (issue 20): written before the courier is asked, settled after;
    # one live booking per order (a partial unique index), so no order is booked twice.
    COURIER_BOOKINGS.format(pk="INTEGER PRIMARY KEY", int="INTEGER", real="REAL"),
)


class Dialect:
    """What the store's SQL says differently on each engine (little: the rest is SQL
    both SQLite and PostgreSQL read the same)."""

    name = "sqlite"
    # After a SELECT in a transaction that then takes the rows it read: SQLite's
    # BEGIN IMMEDIATE already holds the only writer's lock; PostgreSQL locks the rows,
    # and another station's claim passes over them rather than waiting.
    lock_rows = ""
    lock_row = ""  # ... and one row read to be changed: others wait for it (a site)

    # Whether a lease holder on this computer can be asked of the kernel (alive or not):
    # on a site, PCs cloned with one host name would be taken for one another.
    local_owners = True

    @staticmethod
    def clock(sql: Any) -> float:
        """Now (epoch s) for leases: the station's clock (alone, it is the only one)."""
        return time.time()

    @staticmethod
    def json_text(column: str, key: str) -> str:
        """A text member of a JSON object held in ``column`` (``key``: ours, never input)."""
        return f"json_extract({column}, '$.{key}')"


class Result:
    """A statement's rows, all read while the connection was ours (a site's borrowed
    from the pool; the station's under its lock, so no other thread steps or closes it
    mid-way)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class Store(Protocol):
    """What the stores need of an engine: the station's SQLite ``Database`` or a site's
    ``SiteDatabase`` (PostgreSQL). Rows read by position and by column name."""

    dialect: Dialect

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Any: ...

    def fetch(self, sql: str, parameters: Sequence[object] = ()) -> list[Any]:
        """Every row of ``sql``, read to the end before another thread may use the
        connection (an INSERT ... RETURNING is done only then)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...

    def transaction(self) -> AbstractContextManager[Any]: ...


class PostgresDialect(Dialect):
    name = "postgresql"
    lock_rows = " FOR UPDATE SKIP LOCKED"
    lock_row = " FOR UPDATE"
    local_owners = False

    @staticmethod
    def clock(sql: Any) -> float:
        """The site database's clock: every bench's leases measured by one clock, however
        far a PC's own has drifted."""
        return float(sql.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])

    @staticmethod
    def json_text(column: str, key: str) -> str:
        # json, not jsonb: a job's body may hold "\u0000", which jsonb refuses.
        return f"({column}::json ->> '{key}')"


class DatabaseError(Exception):
    pass


def data_dir() -> Path:
    override = os.environ.get("PACKSTATION_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs  # 10 ms to import: only when the folder is not given

    return Path(platformdirs.user_data_dir("packstation"))


def database_path(api_url: str) -> Path:
    """One database per API address: production, development and a custom URL never mix.

    The window and the CLI of one station share it (and so share the outbox).
    """
    host = urlsplit(api_url).hostname or "api"
    digest = hashlib.sha256(api_url.rstrip("/").encode()).hexdigest()[:8]
    return data_dir() / f"{host}-{digest}.sqlite3"


class Database:
    """One connection, shared by threads under a lock (printing and sync use workers)."""

    dialect = Dialect()

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(str(self.path), check_same_thread=False,
                                           isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        with self.lock:
            self._write_ahead_log()
            # FULL: a commit survives a kicked power strip, not only a crashed process.
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.execute("PRAGMA foreign_keys=ON")
            self._migrate()

    @property
    def version(self) -> int:
        return int(self._connection.execute("PRAGMA user_version").fetchone()[0])

    def _write_ahead_log(self) -> None:
        """WAL mode; another process turning it on for a new file at the same moment
        makes SQLite say "locked" at once, without waiting: asked again, for up to 5 s."""
        for attempt in range(50):
            try:
                self._connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.1)

    def _migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise DatabaseError(
                f"The local database {self.path} was written by a newer packstation "
                f"(schema {current}, this one knows {len(MIGRATIONS)}); update packstation.")
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            try:
                self._connection.executescript(
                    f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {version}; COMMIT;")
            except sqlite3.OperationalError:
                # Another process (the window and a command started together) may have
                # taken this step between our look and our lock: then it is done.
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                if self.version < version:
                    raise

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result:
        with self.lock:
            cursor = self._connection.execute(sql, parameters)
            return Result(cursor.fetchall(), cursor.rowcount)

    def fetch(self, sql: str, parameters: Sequence[object] = ()) -> list[Any]:
        with self.lock:
            return self._connection.execute(sql, parameters).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self.lock:
            self._connection.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: statements inside commit together or not at all."""
        with self.lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self._connection.close()
