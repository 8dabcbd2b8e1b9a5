"""Which API address is used, and the settings file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packstation.api import ConfigError
from packstation.config.keys import resolve_api_url
from packstation.config.settings import Settings


def test_precedence_flag_env_settings_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_api_url() == "https://api.smart-gift.co.uk"
    Settings(api_url="development").save()
    assert resolve_api_url() == "https://api.devsmartgift.co.uk"
    monkeypatch.setenv("PACKSTATION_API_URL", "http://127.0.0.1:8765/")
    assert resolve_api_url() == "http://127.0.0.1:8765"
    assert resolve_api_url("production") == "https://api.smart-gift.co.uk"
    with pytest.raises(ConfigError):
        resolve_api_url("http://api.smart-gift.co.uk")


def test_settings_round_trip_and_bad_files() -> None:
    Settings(api_url="https://custom.example").save()
    saved = json.loads(Settings.path().read_text())
    assert saved["version"] == 2 and saved["api_url"] == "https://custom.example"
    assert Settings.load().api_url == "https://custom.example"
    Settings.path().write_text("{broken")
    assert Settings.load() == Settings()  # unreadable: defaults, no crash
    Settings.path().write_text(json.dumps({"version": 1, "api_url": 5, "unknown": True}))
    assert Settings.load() == Settings()


def test_version_1_settings_are_upgraded() -> None:
    Settings.path().parent.mkdir(parents=True, exist_ok=True)
    Settings.path().write_text(json.dumps({"version": 1, "api_url": "development",
                                           "printer": "Front desk"}))
    loaded = Settings.load()
    assert loaded.api_url == "development" and loaded.voucher_printer == "Front desk"
    assert loaded.label_size == "4x6in" and loaded.print_path == "auto"


def test_hand_edited_numbers_are_kept_within_safe_bounds() -> None:
    Settings.path().parent.mkdir(parents=True, exist_ok=True)
    Settings.path().write_text(json.dumps({"version": 2, "sync_interval": 0.1,
                                           "text_scale": 1, "serial_baud": 10**9,
                                           "duplex": 1}))
    loaded = Settings.load()
    assert loaded.sync_interval == 10.0  # never a tight polling loop
    assert loaded.text_scale == 1.0 and isinstance(loaded.text_scale, float)
    assert loaded.serial_baud == 921600
    assert loaded.duplex is False  # 1 is not a yes/no: the default stays
    Settings.path().write_text('{"version": 2, "sync_interval": 1' + "0" * 400 + "}")
    assert Settings.load().sync_interval == 30.0  # no float: the default, no OverflowError


def test_limits_come_from_settings_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text(
        '{"version": 2, "max_json_mb": 256, "max_voucher_pages": 40, "request_deadline": NaN,'
        ' "max_pdf_mb": 1e9, "max_job_pages": -5}')
    limits = Settings.load().limits()
    assert limits.max_json_bytes == 256 << 20 and limits.max_voucher_pages == 40  # raised
    assert limits.deadline == 60.0  # NaN is not a number of seconds: the default
    assert limits.max_pdf_bytes == 1024 << 20 and limits.max_job_pages == 1  # clamped


def test_the_log_file_level_follows_the_setting(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from packstation.logs import set_file_level, setup_logging

    monkeypatch.setenv("PACKSTATION_LOG_DIR", str(tmp_path))
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        path = setup_logging(verbose=False, file_level="warning")
        assert path == tmp_path / "packstation.log"
        logging.getLogger("packstation.test").info("not kept at warning")
        set_file_level("debug")  # changed in Settings: no restart
        logging.getLogger("packstation.test").debug("kept at debug")
    finally:
        for handler in root.handlers[:]:
            if handler not in before[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(before[1])
    text = path.read_text() if path else ""
    assert "kept at debug" in text and "not kept" not in text


def test_delivery_methods_round_trip_and_bad_records_are_dropped() -> None:
    from packstation.config.delivery import DeliveryMethod, Tracking

    box = DeliveryMethod("Gift Box", Tracking.CARRIER, "dpd", 99)
    letter = DeliveryMethod("Gift Letter", Tracking.UNTRACKED, "royal-mail")
    Settings(delivery_methods={m.name: m for m in (box, letter)}).save()
    loaded = Settings.load()
    assert loaded.delivery_methods == {"Gift Box": box, "Gift Letter": letter}
    assert loaded.delivery_method("Gift Box") is not box and loaded.delivery_method(
        "Gift Box") == box
    assert loaded.delivery_method("Never seen") == DeliveryMethod("Never seen")  # carrier, any
    Settings.path().write_text(json.dumps({"version": 2, "delivery_methods": [
        {"name": "Ok", "tracking": "internal"},
        {"name": "Odd carrier", "tracking": "carrier", "carrier": "pigeon-post"},
        {"name": "Bad kind", "tracking": "teleport"},
        {"name": "", "tracking": "carrier"},
        {"name": "x" * 500},
        {"name": "Bad id", "id": True},
        "not a record", 42, None,
    ]}))
    methods = Settings.load().delivery_methods
    assert set(methods) == {"Ok", "Odd carrier", "Bad id"}
    assert methods["Ok"].tracking is Tracking.INTERNAL
    assert methods["Odd carrier"].carrier == ""  # an unknown carrier: none named
    assert methods["Bad id"].id is None
    Settings.path().write_text(json.dumps({"version": 2, "delivery_methods": {"a": 1}}))
    assert Settings.load().delivery_methods == {}
