"""Carrier recognition: every test number the shipped courier data carries, and the
UK label barcodes whose tracking number sits inside something longer."""

from __future__ import annotations

import re

import pytest

from packstation.tracking.formats import TrackingFormat, formats
from packstation.tracking.reading import ReadingKind, read

_ALL = formats()


def _cases(valid: bool) -> list[tuple[TrackingFormat, str]]:
    return [(f, n) for f in _ALL for n in (f.valid if valid else f.invalid)]


def _accepts(fmt: TrackingFormat, number: str) -> bool:
    match = fmt.fits(re.sub(r"[\s\-]+", "", number).upper())
    return match is not None and fmt.check_ok(match)


def test_the_shipped_data_is_all_there() -> None:
    ids = {f.id for f in _ALL}
    assert {"s10", "dpd", "dpd_14", "ups", "fedex_34", "usps_impb_n", "yodel",
            "dpd_uk_28", "parcelforce", "evri_16", "royal_mail_21"} <= ids
    assert len(_cases(True)) >= 110 and len(_cases(False)) >= 60


@pytest.mark.parametrize(("fmt", "number"), _cases(True), ids=lambda v: getattr(v, "id", v))
def test_every_valid_test_number_is_recognised_as_its_format(fmt: TrackingFormat,
                                                             number: str) -> None:
    assert _accepts(fmt, number)
    reading = read(number)
    assert reading.kind is ReadingKind.TRACKING
    assert fmt.id in {n.format_id for n in reading.numbers}


@pytest.mark.parametrize(("fmt", "number"), _cases(False), ids=lambda v: getattr(v, "id", v))
def test_every_invalid_test_number_is_refused_by_its_format(fmt: TrackingFormat,
                                                            number: str) -> None:
    assert not _accepts(fmt, number)


@pytest.mark.parametrize(("scan", "carrier", "number"), [
    # DPD UK: % + postcode + 14-digit parcel number + service + country. dpd_14 of the
    # data would take the wrong 15 characters inside it.
    ("%SW1A1AA15501234567890101826", "dpd", "15501234567890"),
    ("%00M34EN15501234567890352826", "dpd", "15501234567890"),
    # The data's own DPD (28) and (14): the same 14-digit parcel number.
    ("0081827 0998 0000 0200 33 350 276 C", "dpd", "09980000020033"),
    ("09 9800 0002 0033 F", "dpd", "09980000020033"),
    # FedEx 34-digit barcode: the 12-digit tracking number at its end.
    ("1071804952390002087800925989385163", "fedex", "925989385163"),
    ("9622001900000000000000776632517510", "fedex", "776632517510"),
    # USPS IMpb: 420 + ZIP dropped.
    ("420787459400111206206406260787", "usps", "9400111206206406260787"),
    # GS1-128: the scanner's symbology identifier is stripped.
    ("]C11Z5R89390357567127", "ups", "1Z5R89390357567127"),
    ("]C1420787459400111206206406260787", "usps", "9400111206206406260787"),
    # A FedEx SSCC under AI 00 is FedEx's number.
    ("]C100000123450000000027", "fedex", "000123450000000027"),
    ("RB123456785GB", "royal-mail", "RB123456785GB"),
    ("rb 123 456 785 gb", "royal-mail", "RB123456785GB"),
    ("PBAB1234567001", "parcelforce", "AB1234567"),
    ("3200-1925-4000-221B-B4EFC", "royal-mail", "320019254000221BB4EFC"),
    ("JJD0002257639032011", "yodel", "JJD0002257639032011"),
])
def test_the_tracking_number_is_taken_out_of_the_label_barcode(scan: str, carrier: str,
                                                               number: str) -> None:
    reading = read(scan)
    assert reading.kind is ReadingKind.TRACKING
    first = reading.numbers[0]
    assert (first.carrier, first.number) == (carrier, number)


def test_the_data_dpd_14_alone_would_take_the_wrong_characters_of_a_uk_label() -> None:
    dpd_14 = next(f for f in _ALL if f.id == "dpd_14")
    assert dpd_14.pattern.search("%SW1A1AA15501234567890101826") is not None  # the trap
    assert all(n.format_id != "dpd_14" for n in read("%SW1A1AA15501234567890101826").numbers)


@pytest.mark.parametrize("scan", [
    "RB123456786GB",  # S10 with a wrong mod 11 check digit
    "1Z5R89390357567128",  # UPS 1Z with a wrong mod 10 check digit
    "1001901781990001000300617767839438",  # FedEx 34, wrong check
])
def test_a_misread_check_digit_is_a_misread(scan: str) -> None:
    reading = read(scan)
    assert reading.kind is ReadingKind.MISREAD and reading.misread and not reading.numbers


@pytest.mark.parametrize(("scan", "what"), [
    ("5901234123457", "EAN-13 product code"),
    ("036000291452", "UPC-A product code"),
    ("96385074", "EAN-8 product code"),
    ("]C100012345600000000016", "parcel id"),  # an SSCC with a bad check: still no number
    ("00550123456000000005", "parcel id"),  # valid for GS1 and FedEx's digit, not its type
    ("JGB 012100123412345678AB19XY1A 0             ", "Mailmark"),
    ("https://track.example/abc", "web address"),
    ("www.example.com", "web address"),
    ("javascript:alert(1)", "link"),
    ("mailto:x@y.example", "link"),
    ("//evil.example/x", "link"),
    ("JGB\u00a00121001234ABCDEF", "Mailmark"),  # the space sent as something else
    ("JGB-0121001234ABCDEF", "Mailmark"),
    ("JGB012100123412345678AB19XY1A0", "Mailmark"),  # the space dropped: still long
    ("]C10105012345678900", "GS1 product barcode"),  # AI 01: a trade item, not a parcel
    ("\ufb051234567", "characters no tracking number has"),  # "ﬅ" is not "ST"
    ("RR123456785\u0131E", "characters no tracking number has"),
])
def test_things_that_are_no_tracking_number_say_what_they_are(scan: str, what: str) -> None:
    reading = read(scan)
    assert reading.kind is ReadingKind.NOT_TRACKING
    assert what in reading.looks_like


def test_a_product_code_with_a_bad_check_digit_is_not_called_one() -> None:
    assert read("5901234123458").kind is ReadingKind.UNKNOWN


def test_an_unknown_format_is_unknown() -> None:
    assert read("BENCH-7-BOX-12").kind is ReadingKind.UNKNOWN


def test_tracking_links_come_from_the_data() -> None:
    ups = read("1Z5R89390357567127").numbers[0]
    assert ups.link == "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127"
    assert read("RB123456785GB").numbers[0].link and read("TBA000000000000").numbers[0].link is None
