"""Typed settings, stored as versioned JSON in the per-user config folder.

Each setting is declared once with its type and default; a file written by an
older version is upgraded step by step by ``_UPGRADES`` when read. The API key
is never a setting: it lives in the OS keyring.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any

from packstation.api.limits import MB, Limits
from packstation.config.courier import CourierSettings, courier_from_json
from packstation.config.delivery import DeliveryMethod, methods_from_json
from packstation.leave_by import DEFAULT_REGION, REGIONS, LeaveByRule

log = logging.getLogger(__name__)

VERSION = 2


def _v1_to_v2(old: dict[str, Any]) -> dict[str, Any]:
    # Version 1 kept a single "printer"; it printed vouchers, so it becomes that.
    new = dict(old)
    printer = new.pop("printer", None)
    if isinstance(printer, str):
        new.setdefault("voucher_printer", printer)
    return new


# version n -> function turning a version-n mapping into version n+1.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


# Numbers a hand-edited file could set to something harmful (a sync every 0.1 s would
# spend the whole rate budget): clamped into these ranges when read.
_BOUNDS: dict[str, tuple[float, float]] = {
    "sync_interval": (10.0, 3600.0),
    "full_refresh_every": (60.0, 86400.0),
    "text_scale": (0.75, 2.5),
    "serial_baud": (1200, 921600),
    "request_deadline": (5.0, 600.0),
    "max_json_mb": (1.0, 1024.0),
    "max_pdf_mb": (1.0, 1024.0),
    "max_voucher_pages": (1, 1000),
    "max_job_pages": (1, 10000),
}


_CHOICES: dict[str, tuple[str, ...]] = {
    "log_level": ("debug", "info", "warning", "error"),
    "print_path": ("auto", "cups", "qt"),
    "scan_end_key": ("enter", "tab"),
    "holiday_region": tuple(REGIONS),
}


def _fits(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        try:
            return isinstance(value, int | float) and math.isfinite(value)
        except OverflowError:  # an int of 400 digits is no float
            return False
    return isinstance(value, type(default))


def _site_url_ok(url: str) -> bool:
    from packstation.store.database import DatabaseError
    from packstation.store.site_database import check_site_url

    try:
        check_site_url(url)
    except DatabaseError as exc:
        log.warning("the site URL in the settings is not used: %s", exc)
        return False
    return True


def parse_cutoff(text: str) -> time | None:
    """A collection cut-off, "HH:MM" (24-hour, ASCII digits: ``int`` would take "²³" for
    a number and fail), or None when it is not one."""
    text = text.strip()
    if len(text) != 5 or text[2] != ":" or not text.isascii():
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def cutoffs_from_json(raw: Any) -> dict[str, str]:
    """Carrier id -> "HH:MM"; an unknown carrier or a time that is none: dropped."""
    from packstation.tracking.carriers import CARRIERS

    if not isinstance(raw, dict):
        return {}
    return {carrier: text for carrier, text in list(raw.items())[:200]
            if carrier in CARRIERS and isinstance(text, str) and text == text.strip()
            and parse_cutoff(text) is not None}


def config_dir() -> Path:
    override = os.environ.get("PACKSTATION_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs  # 10 ms to import: only when the folder is not given

    return Path(platformdirs.user_config_dir("packstation"))


@dataclass
class Settings:
    api_url: str = ""  # empty: production, unless PACKSTATION_API_URL or --api-url say otherwise
    voucher_printer: str = ""  # empty: the system's default printer
    label_printer: str = ""  # empty: no labels
    voucher_paper: str = "A4"
    label_size: str = "4x6in"  # 4x6in, 100x150mm, 62x100mm or A6
    duplex: bool = False
    print_path: str = "auto"  # auto (CUPS where installed, else Qt), cups or qt
    print_on_select: bool = True  # a job selected by scan prints at once
    scan_end_key: str = "enter"  # "enter" or "tab": what the scanner sends after a code
    sounds: bool = True
    sync_interval: float = 30.0  # seconds between incremental syncs
    text_scale: float = 1.0  # 1.0 = the system's size; up to 2.0 for reading at arm's length
    serial_port: str = ""  # a serial (COM) scanner's port; empty: the scanner types (USB HID)
    serial_baud: int = 9600
    full_refresh_every: float = 600.0  # seconds between full refreshes of the pending jobs
    # What one answer may cost (api.limits): raise them for a slow line or long vouchers.
    request_deadline: float = 60.0  # seconds for one request, retries included
    max_json_mb: float = 64.0  # a JSON answer, after decompression
    max_pdf_mb: float = 50.0  # one voucher PDF, after decompression
    max_voucher_pages: int = 20
    max_job_pages: int = 200
    log_level: str = "info"  # debug, info, warning or error: what the log file keeps
    # After a dispatch the next job is put in hand and its vouchers printed at once.
    continuous_packing: bool = True
    # By the method's name as Smart Gift gives it (jobs carry no method id).
    delivery_methods: dict[str, DeliveryMethod] = field(default_factory=dict)
    # A site of stations (issue 16): its PostgreSQL (postgresql://host/database; the
    # password is in the keyring, never here) and this station's name in it.
    site_url: str = ""  # empty: this station alone, on its own SQLite
    station_name: str = ""  # empty: the computer's name
    # Whose bank holidays are not working days ("leave by"): england-wales, scotland or
    # northern-ireland.
    holiday_region: str = DEFAULT_REGION
    # Each carrier's collection cut-off, "HH:MM" UK time, by the carrier's id (manifests).
    collection_cutoffs: dict[str, str] = field(default_factory=dict)
    # Whether a packer must scan their badge (or pick their name) before packing; when
    # not, an unsigned scan is the station's (issue 18).
    sign_in_required: bool = False
    # The last-mile courier that "booked with the courier" methods are handed to (issue 20).
    courier: CourierSettings = field(default_factory=CourierSettings)

    def delivery_method(self, name: str | None) -> DeliveryMethod:
        """The record for a job's method; an unknown one: a carrier's number, none named."""
        name = name or ""
        return self.delivery_methods.get(name) or DeliveryMethod(name)

    def leave_by_rule(self) -> LeaveByRule:
        return LeaveByRule(self.holiday_region,
                           lambda name: self.delivery_method(name).transit_days)

    def station(self) -> str:
        """This station's name on its site."""
        import socket

        return (self.station_name or socket.gethostname() or "station")[:100]

    def limits(self) -> Limits:
        return Limits(deadline=self.request_deadline,
                      max_json_bytes=int(self.max_json_mb * MB),
                      max_pdf_bytes=int(self.max_pdf_mb * MB),
                      max_voucher_pages=self.max_voucher_pages,
                      max_job_pages=self.max_job_pages)

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "settings.json"

    @classmethod
    def load(cls) -> Settings:
        path = cls.path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        version = raw.pop("version", 1)
        while isinstance(version, int) and version < VERSION and version in _UPGRADES:
            raw = _UPGRADES[version](raw)
            version += 1
        defaults = cls()
        known = {f.name for f in fields(cls)}
        methods = methods_from_json(raw.pop("delivery_methods", None))
        cutoffs = cutoffs_from_json(raw.pop("collection_cutoffs", None))
        courier = courier_from_json(raw.pop("courier", None))
        values = {k: v for k, v in raw.items() if k in known and _fits(v, getattr(defaults, k))}
        values["delivery_methods"] = methods
        values["collection_cutoffs"] = cutoffs
        values["courier"] = courier
        for name, choices in _CHOICES.items():
            if name in values and values[name] not in choices:
                del values[name]  # not one we know: the default
        for name in ("site_url", "station_name"):
            if name in values and (len(values[name]) > 500 or not values[name].isprintable()):
                del values[name]  # hand-edited into nonsense: the default (alone)
        if values.get("site_url") and not _site_url_ok(values["site_url"]):
            del values["site_url"]
        for name, (low, high) in _BOUNDS.items():
            if name in values:
                kind = type(getattr(defaults, name))
                values[name] = kind(min(max(values[name], low), high))
        return cls(**values)

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        data = {"version": VERSION, **asdict(self),
                "delivery_methods": [m.to_json() for m in self.delivery_methods.values()]}
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
