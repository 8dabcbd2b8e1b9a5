"""A throwaway PostgreSQL cluster for the site tests, started from the installed server
binaries (Debian's `postgresql`), one per test session, a fresh database per test.

initdb refuses to run as root: as root the cluster belongs to the `postgres` user the
package creates. Where the binaries are missing the tests skip, saying why (and in CI a
skip is a failure).
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def server_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int
    as_user: list[str]
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D",
                        str(self.folder / "data"), *args], check=True, capture_output=True,
                       timeout=60)

    def start(self) -> None:
        self.pg_ctl("-o", f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1",
                    "-l", str(self.folder / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def new_database(self) -> str:
        """A fresh, empty database's URL."""
        import psycopg

        name = f"site_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_cluster() -> Cluster:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("site tests need the PostgreSQL server binaries "
                    "(Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="packstation-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(folder / "data"),
                    "-A", "trust", "-U", "postgres", "--no-sync"], check=True,
                   capture_output=True, timeout=120)
    cluster = Cluster(binaries, folder, _free_port(), as_user)
    cluster.start()
    return cluster
