"""Shared fixtures: a real sandbox on loopback, an isolated config, strict skips."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import pytest
from keyring.backend import KeyringBackend

# Before any Qt import: the GUI tests drive real widgets without a screen, on an
# offscreen screen of a desktop's size (Qt's default is 800x800, smaller than a bench's).
os.environ.setdefault(
    "QT_QPA_PLATFORM",
    f"offscreen:configfile={Path(__file__).with_name('offscreen_screen.json')}")

from packstation.api import ApiKey, SmartGiftClient
from packstation.api.ratelimit import RateBudget
from packstation.sandbox import DEMO_KEY, SandboxServer
from packstation.store.database import Database, Store
from tests.cups import CupsQueue, ensure_queue
from tests.pg import Cluster, start_cluster

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from packstation.ui.main_window import MainWindow

NEEDED = ("dbus-daemon", "gnome-keyring-daemon", "gdbus")

STRICT = os.environ.get("PACKSTATION_NO_SKIP") == "1" or os.environ.get("CI") == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a test that skips for a missing component is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI (PACKSTATION_NO_SKIP=1): {reason}"


@pytest.fixture(scope="session", autouse=True)
def _qt_application_first(qapp: object) -> object:
    """Create the QApplication in the main thread before any test touches Qt from a
    worker thread (printer discovery runs in one), as the app itself does."""
    return qapp


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own settings, key or API address."""
    monkeypatch.setenv("PACKSTATION_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("PACKSTATION_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("PACKSTATION_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("PACKSTATION_LOG_DIR", str(tmp_path_factory.mktemp("logs")))
    for name in ("PACKSTATION_API_KEY", "PACKSTATION_API_URL", "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _session_qt_loop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the whole session, as the app has one for its whole life.

    Making and closing one per test let a closed loop's timer object be collected
    (sometimes on a worker thread) with Qt timers still registered: a segfault later.
    """
    import qasync

    loop = qasync.QEventLoop(qapp)
    yield loop
    loop.close()  # joins its worker threads: Qt aborts if a QThread outlives the app


@pytest.fixture
def qt_loop(_session_qt_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """asyncio inside Qt's event loop, running while pytest-qt spins Qt in this test.

    qasync has no public call for "Qt is already running", so the loop is marked
    running here (as ``already_running=True`` does) and unmarked afterwards, leaving
    pytest-asyncio free to run its own loops in later tests.
    """
    loop = _session_qt_loop
    loop._QEventLoop__is_running = True  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(loop)
    asyncio.set_event_loop(loop)
    yield loop
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment for a child process that sees a real, unlocked Secret Service."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"a real Secret Service needs {', '.join(missing)} "
                    "(Debian: gnome-keyring dbus libglib2.0-bin)")
    home = tmp_path_factory.mktemp("home")
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local")}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile",
                            "--print-address=1"], stdout=subprocess.PIPE, text=True, env=env)
    assert bus.stdout is not None
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                               "--components=secrets"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    assert daemon.stdin is not None
    daemon.stdin.write(b"test-login-password\n")  # --unlock: the login keyring's password
    daemon.stdin.close()
    ready = subprocess.run(["gdbus", "wait", "--session", "--timeout", "20",
                            "org.freedesktop.secrets"], env=env, capture_output=True)
    assert ready.returncode == 0, ready.stderr
    yield env
    for proc in (daemon, bus):
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def secret_service_keyring(secret_service: dict[str, str],
                           monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyringBackend]:
    """This process's keyring is the real Secret Service above (for the GUI tests)."""
    from keyring.backends.SecretService import Keyring

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service["DBUS_SESSION_BUS_ADDRESS"])
    previous = keyring.get_keyring()
    backend = Keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def window(qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sandbox: SandboxServer,
           tmp_path: Path) -> Iterator[MainWindow]:
    """The real window on a synced station, its voucher PDFs all prefetched."""
    from tests.gui import make_station, open_window, wait  # Qt only for the GUI tests

    station = make_station(sandbox, tmp_path / "station.sqlite3")
    wait(qtbot, station.sync.sync_once())
    station.sender.start()
    window = open_window(qtbot, station)
    window.show()
    # Prefetch done: the only requests from here on are the ones the test causes.
    qtbot.waitUntil(lambda: station.pdfs.started, timeout=5_000)
    wait(qtbot, station.pdfs.idle(), timeout=30_000)
    yield window
    window.close()
    wait(qtbot, station.aclose())


@pytest.fixture(scope="session")
def cups_queue() -> CupsQueue:
    """A real CUPS queue printing to PDF files (started here if need be)."""
    return ensure_queue()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(pdf_delay=0, jobs=40, seed=7) as server:
        yield server


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[SmartGiftClient]:
    # A budget of its own: tests must not share rate state through the process registry.
    async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                               backoff=0.01) as c:
        yield c


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL for the session (tests/pg.py), stopped at its end."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")


Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens this test's store, on each engine in turn: the station's SQLite file, or a
    fresh database on the session's PostgreSQL. Each call opens the same store again
    (as a restarted station would)."""
    if request.param == "sqlite":
        yield lambda: Database(tmp_path / "db.sqlite3")
        return
    from packstation.store.site_database import SiteDatabase

    url = request.getfixturevalue("pg_cluster").new_database()
    opened: list[SiteDatabase] = []

    def open_site() -> Store:
        opened.append(SiteDatabase(url))
        return opened[-1]

    yield open_site
    for db in opened:
        db.close()
