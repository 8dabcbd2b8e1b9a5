"""What a scan becomes with a job in hand, by the job's delivery method."""

from __future__ import annotations

import pytest

from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.scanning.commands import Command, barcode, is_reserved, parse
from packstation.scanning.tracking_scan import judge

DPD = DeliveryMethod("Gift Box", Tracking.CARRIER, "dpd")
ROYAL_MAIL = DeliveryMethod("Gift Letter", Tracking.CARRIER, "royal-mail")
ANY_CARRIER = DeliveryMethod("Something new")
INTERNAL = DeliveryMethod("Gift Envelope", Tracking.INTERNAL)
UNTRACKED = DeliveryMethod("Gift Letter", Tracking.UNTRACKED)


def test_a_dpd_label_is_sent_as_its_parcel_number_and_named() -> None:
    verdict = judge("%SW1A1AA15501234567890101826", DPD)
    assert verdict.reference == "15501234567890" and not verdict.ask
    assert verdict.message == "DPD: 15501234567890"


@pytest.mark.parametrize(("scan", "number"), [
    ("1071804952390002087800925989385163", "925989385163"),
    ("]C1420787459400111206206406260787", "9400111206206406260787"),
])
def test_long_barcodes_give_the_number_inside_them(scan: str, number: str) -> None:
    assert judge(scan, ANY_CARRIER).reference == number


@pytest.mark.parametrize(("scan", "words"), [
    ("RB123456786GB", "MISREAD"),
    ("1Z5R89390357567128", "MISREAD"),
    ("5901234123457", "EAN-13 product code"),
    ("036000291452", "UPC-A product code"),
    ("00550123456000000005", "parcel id"),
    ("JGB 0121001234ABCDEF", "Mailmark"),
    ("https://evil.example/track", "web address"),
])
def test_what_is_no_good_tracking_number_is_refused_saying_what_it_is(scan: str,
                                                                       words: str) -> None:
    verdict = judge(scan, DPD)
    assert verdict.reference is None and words in verdict.message


def test_another_carriers_number_is_asked_about() -> None:
    verdict = judge("RB123456785GB", DPD)
    assert verdict.reference == "RB123456785GB"
    assert "Royal Mail" in verdict.ask and "DPD" in verdict.ask
    assert not judge("RB123456785GB", ROYAL_MAIL).ask
    assert not judge("RB123456785GB", ANY_CARRIER).ask  # no carrier named: nothing to ask


def test_the_expected_carrier_wins_where_formats_overlap() -> None:
    # 14 digits: DPD UK's parcel number and DHL e-commerce's both fit.
    assert judge("15501234567890", DPD).message == "DPD: 15501234567890"
    assert not judge("15501234567890", DPD).ask
    # A GB S10 number may be Parcelforce's export number as well as Royal Mail's.
    parcelforce = DeliveryMethod("Box", Tracking.CARRIER, "parcelforce")
    assert not judge("RB123456785GB", parcelforce).ask


def test_a_product_code_that_also_fits_a_carrier_is_refused_unless_that_carrier_is_expected(
        ) -> None:
    # 12 digits valid both as a UPC-A and as FedEx Express's 12.
    number = "123456789012"
    fedex = DeliveryMethod("Express", Tracking.CARRIER, "fedex")
    assert judge(number, fedex).reference == number
    assert "UPC-A product code" in judge(number, fedex).ask  # asked, not taken silently
    # An ITF-14 carton code fits DPD's 14-digit parcel number (no check digit there).
    assert "GTIN-14" in judge("05012345678900", DPD).ask
    assert judge("05012345678900", ANY_CARRIER).reference is None
    for method in (DPD, ANY_CARRIER):
        refused = judge(number, method)
        assert refused.reference is None and "UPC-A product code" in refused.message


def test_an_unknown_format_counts_only_when_scanned_twice_in_a_row() -> None:
    first = judge("BENCH7-BOX12", DPD)
    assert first.reference is None and "again" in first.message
    assert judge("BENCH7-BOX12", DPD, previous="OTHER").reference is None
    assert judge("BENCH7-BOX12", DPD, previous="BENCH7-BOX12").reference == "BENCH7-BOX12"


def test_an_internal_method_takes_any_reference_as_scanned() -> None:
    assert judge("our-ref 42/b", INTERNAL).reference == "our-ref 42/b"
    assert judge("]C0OWN-1", INTERNAL).reference == "OWN-1"  # the scanner's prefix is not
    assert judge("]C0OWN-1", DPD, previous="]C0OWN-1").reference == "OWN-1"
    assert judge("5901234123457", INTERNAL).reference == "5901234123457"


def test_an_untracked_method_takes_no_reference_and_says_which_barcode_does() -> None:
    verdict = judge("RB123456785GB", UNTRACKED)
    assert verdict.reference is None and barcode(Command.DISPATCHED) in verdict.message


def test_command_barcodes_are_reserved_and_known() -> None:
    for command in Command:
        assert parse(barcode(command)) is command
        assert is_reserved(barcode(command))
    assert parse("$$PS-LAUNCH") is None and is_reserved("$$ps-launch")
    assert not is_reserved("PS-123")


def test_a_command_barcode_can_never_be_saved_as_a_reference() -> None:
    from packstation.api.models import tracking_problem

    assert tracking_problem(barcode(Command.START)) is not None
    assert tracking_problem("$$ps-anything") is not None
