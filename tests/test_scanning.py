"""What a scan means, decided from what it matches (against a real jobs cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from packstation.scanning.interpret import ScanKind, clean, interpret
from packstation.scanning.layout import TEST_CODE, LayoutVerdict, diagnose
from packstation.store.database import Database
from packstation.store.jobs import JobCache
from tests.test_store import job


@pytest.fixture
def cache(tmp_path: Path) -> JobCache:
    cache = JobCache(Database(tmp_path / "db.sqlite3"))
    cache.store([job(1), job(2), job(3, "dispatched", tracking_reference="JD-USED")], 1.0)
    return cache


def test_cleaning() -> None:
    assert clean("\x02ORDER1\r\n") == "ORDER1"
    assert clean("  \u200bJD 123 \t") == "JD 123"
    assert clean("\x00\x1b") == ""


def test_order_reference_and_job_id_select(cache: JobCache) -> None:
    meaning = interpret("order2", None, cache)
    assert meaning.kind is ScanKind.SELECT_JOB and meaning.job and meaning.job.id == 2
    in_hand = cache.get(1)
    switched = interpret("ORDER2", in_hand, cache)  # an order reference is never a tracking ref
    assert switched.kind is ScanKind.SELECT_JOB and switched.job and switched.job.id == 2
    by_id = interpret("3", None, cache)
    assert by_id.kind is ScanKind.SELECT_JOB and by_id.job and by_id.job.id == 3


def test_voucher_codes(cache: JobCache) -> None:
    selects = interpret("00000002", None, cache)
    assert selects.kind is ScanKind.SELECT_JOB and selects.job and selects.job.id == 2
    in_hand = cache.get(2)
    verify = interpret("00000002", in_hand, cache)
    assert verify.kind is ScanKind.VERIFY_VOUCHER and verify.voucher_id is not None
    wrong = interpret("00000001", in_hand, cache)
    assert wrong.kind is ScanKind.WRONG_VOUCHER and "WRONG VOUCHER" in wrong.message
    assert wrong.job and wrong.job.id == 1  # said, not switched to


def test_an_unknown_scan_is_the_reference_of_the_job_in_hand_when_scanned_twice(
        cache: JobCache) -> None:
    in_hand = cache.get(1)
    once = interpret("JD0001234GB\r", in_hand, cache)
    assert once.kind is ScanKind.REFUSED and "again" in once.message
    meaning = interpret("JD0001234GB\r", in_hand, cache, previous="JD0001234GB")
    assert meaning.kind is ScanKind.DISPATCH and meaning.reference == "JD0001234GB"
    assert meaning.job and meaning.job.id == 1 and not meaning.confirm
    reused = interpret("JD-USED", in_hand, cache, previous="JD-USED")
    assert reused.kind is ScanKind.DISPATCH and "ORDER3" in reused.confirm


def test_garbage_empty_and_too_long(cache: JobCache) -> None:
    assert interpret("\x00\x07", None, cache).kind is ScanKind.IGNORED
    unknown = interpret("%%garbage%%", None, cache)
    assert unknown.kind is ScanKind.REFUSED and "Scan the order first" in unknown.message
    long = interpret("X" * 256, cache.get(1), cache)
    assert long.kind is ScanKind.REFUSED and "256" in long.message
    done = interpret("JD999", cache.get(3), cache)
    assert done.kind is ScanKind.REFUSED and "already dispatched" in done.message


@pytest.mark.parametrize(("typed", "verdict"), [
    (TEST_CODE, LayoutVerdict.MATCH),
    ('PS-Ay"@£#~¬Zb9', LayoutVerdict.US_SCANNER_UK_PC),
    ('PS-Ay"@\\<>|Zb9', LayoutVerdict.UK_SCANNER_US_PC),
    ('PS-Ay"@\\\\||Zb9', LayoutVerdict.UK_SCANNER_US_PC),  # Windows' US layout
    ('ps-aY@"#\\|~zB9', LayoutVerdict.CAPS_LOCK),
    ('PS-Az@"#\\|~Yb9', LayoutVerdict.QWERTZ),
    ("", LayoutVerdict.NOTHING),
    ("PS-Ay", LayoutVerdict.OTHER),
])
def test_scanner_layout_is_diagnosed_with_what_to_change(typed: str,
                                                         verdict: LayoutVerdict) -> None:
    check = diagnose(typed)
    assert check.verdict is verdict
    assert check.ok is (verdict is LayoutVerdict.MATCH)
    if verdict in (LayoutVerdict.US_SCANNER_UK_PC, LayoutVerdict.UK_SCANNER_US_PC):
        assert "Set the scanner to" in check.message


def test_the_test_code_holds_every_character_the_layouts_disagree_on() -> None:
    for char in '@"#\\|~':
        assert char in TEST_CODE
    assert all(32 <= ord(c) < 127 for c in TEST_CODE)  # Code 128 set B: one barcode
