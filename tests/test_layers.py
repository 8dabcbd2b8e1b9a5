"""The layers hold: the core (the station, every CLI command) runs without Qt."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
CORE = ["packstation.station", "packstation.station_setup", "packstation.scanning.handler",
        "packstation.printing.voucher_printer", "packstation.printing.monitor",
        "packstation.printing.discovery", "packstation.sync.outbox_review",
        "packstation.backoffice.agreements", "packstation.backoffice.orders"]
CLI = sorted(f"packstation.cli.{p.stem}" for p in (ROOT / "packstation" / "cli").glob("*.py")
             if p.stem != "__init__")


def loaded_after_importing(modules: list[str]) -> list[str]:
    """What a fresh interpreter has loaded once ``modules`` are imported."""
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_station_and_every_cli_command_load_no_qt() -> None:
    loaded = loaded_after_importing(CORE + CLI)
    assert "packstation.cli.commands" in loaded and "packstation.station" in loaded
    assert [m for m in loaded if m.split(".")[0] in ("PySide6", "shiboken6", "qasync")] == []


def test_jobs_list_loads_only_what_it_uses() -> None:
    """The modules `packstation jobs list` imports: no printing, PDFs, sandbox or keyring."""
    loaded = loaded_after_importing(["packstation.cli.main", "packstation.cli.commands"])
    heavy = ("pypdf", "reportlab", "keyring", "PySide6", "packstation.sandbox.server",
             "packstation.printing", "packstation.store.pos_orders")
    assert [m for m in loaded if m.startswith(heavy)] == []


# What the window may use of the station (docs/architecture.md lists it): what to show,
# what happened, what to do. Not its parts (sync, sender, pdfs, monitor, client, cache).
SURFACE = {
    "api_url", "settings", "demo",  # what it is
    "status", "outbox_counts", "queue_total", "queue_page", "voucher_pdfs",  # what to show
    "first_sync_pending", "delivery_methods_seen", "site_view",
    "watch_jobs", "watch_sending", "watch_key_refusals",  # what happened
    "jobs", "scan_handler", "agreements", "orders", "outbox_review", "prefetch",  # to do
    "use_key", "refresh_now", "check_printers", "apply_settings", "start", "aclose",
    "sign_in", "packers", "shift",  # who is packing, the list of packers, the day's figures
    "manifests",  # each carrier's manifest at collection
    "courier",  # jobs booked with the last-mile courier
}


def used_on_the_station(source: str) -> set[str]:
    """Attributes read on ``station`` or ``….station`` in ``source``."""
    used = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            base = node.value
            if (isinstance(base, ast.Name) and base.id == "station") or (
                    isinstance(base, ast.Attribute) and base.attr == "station"):
                used.add(node.attr)
    return used


def test_the_window_uses_only_the_stations_surface() -> None:
    beyond = {}
    for path in sorted((ROOT / "packstation" / "ui").glob("*.py")):
        extra = used_on_the_station(path.read_text()) - SURFACE
        if extra:
            beyond[path.name] = sorted(extra)
    assert beyond == {}
    assert used_on_the_station("station.sync.sync_soon(); self.station.pdfs") == {
        "sync", "pdfs"}  # the check itself sees a reach
