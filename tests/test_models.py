"""Parsing Smart Gift records: tolerant of nulls and surprises, exact about values."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from packstation.api import Agreement, Job
from packstation.api.decode import parse_list
from packstation.api.fields import format_after, parse_after
from packstation.api.pos import PosCustomer, PosDelivery, PosItem, PosSale, PosSaleResult

DOC_JOB: dict[str, Any] = {
    "id": 1, "status": "pending",
    "company": {"id": 1, "name": "The Conservatory", "company_terms_url": None},
    "delivery_method_name": "Gift Envelope",
    "delivery_method_description": "Gift envelope (Fulfilled by Courier)",
    "option_name": "Gift Card in a Luxury Envelope",
    "option_description": "Delivered in a decorative, padded envelope",
    "order_reference": "rEJzAQ732r", "tracking_reference": None,
    "delivery_date": "2024-11-27 16:10:50", "customer_name": "Nicholas Angel",
    "customer_email": "customer@email.com", "customer_phone": "01234 567890",
    "delivery_address": {"first_name": "John", "last_name": "Smith",
                         "line1": "Bank Chambers, High Street", "line2": "High Street",
                         "city": "Newbridge", "county": "Newport", "postcode": "NP11 4EY"},
    "vouchers": [{"id": 1, "name": "Celebration Package", "value": "40.00", "type": "monetary",
                  "persons": 1, "valid_from": "2024-11-27 16:10:50",
                  "valid_until": "2025-11-27 16:10:50", "code": "98198049", "to": "John",
                  "from": "Jack", "message": "Happy Birthday!",
                  "pdf_copy": "https://api.smart-gift.co.uk/fulfilment/assets/1/voucher-pdf/78616/1"}],
    "tickets": [], "received_at": "2024-11-27 16:18:40", "dispatched_at": None,
}


def test_documented_job_reads_exactly() -> None:
    job = Job.from_json(DOC_JOB)
    assert job.id == 1 and job.status == "pending" and job.status_known
    assert job.company is not None and job.company.name == "The Conservatory"
    assert job.company.terms_url is None
    voucher = job.vouchers[0]
    assert voucher.value == Decimal("40.00") and isinstance(voucher.value, Decimal)
    assert voucher.sender == "Jack" and voucher.code == "98198049"
    # Naive times are UK local: 27 Nov is GMT, so 16:10:50 UK is 16:10:50 UTC.
    assert job.delivery_date == datetime(2024, 11, 27, 16, 10, 50, tzinfo=UTC)
    assert job.total_value == Decimal("40.00")
    assert job.delivery_address is not None
    assert job.delivery_address.label_lines() == [
        "John Smith", "Bank Chambers, High Street", "High Street", "Newbridge", "Newport",
        "NP11 4EY"]


def test_summer_naive_time_is_british_summer_time() -> None:
    raw = dict(DOC_JOB, received_at="2024-07-01 12:00:00")
    assert Job.from_json(raw).received_at == datetime(2024, 7, 1, 11, 0, tzinfo=UTC)


def test_utc_form_with_microseconds() -> None:
    raw = {"id": 6, "priced_at": "2024-11-27T12:34:04.453427Z", "price": Decimal("3.4"),
           "price_type": "per_order"}
    agreement = Agreement.from_json(raw)
    assert agreement.priced_at == datetime(2024, 11, 27, 12, 34, 4, 453427, tzinfo=UTC)
    assert agreement.price == Decimal("3.4")
    assert agreement.status == "sent"  # derived: the list example has no status_text


def test_float_price_becomes_exact_decimal() -> None:
    assert Agreement.from_json({"id": 1, "price": 3.4}).price == Decimal("3.4")
    assert Agreement.from_json({"id": 1, "price": None}).price is None


def test_nulls_missing_unknown_fields_and_statuses() -> None:
    raw = {"id": 9, "status": "on_hold", "vouchers": None, "brand_new_field": {"a": 1},
           "delivery_address": {"first_name": "Zoë", "line2": None, "county": None},
           "tickets": [{"seat": "A1"}, "odd"]}
    job = Job.from_json(raw)
    assert job.status == "on_hold" and not job.status_known
    assert job.vouchers == () and job.company is None and job.delivery_date is None
    assert job.extra == {"brand_new_field": {"a": 1}}
    assert job.tickets == ({"seat": "A1"}, {"value": "odd"})
    assert job.delivery_address is not None and job.delivery_address.label_lines() == ["Zoë"]


def test_one_malformed_job_does_not_lose_the_others() -> None:
    bad_value = copy.deepcopy(DOC_JOB)
    bad_value["id"] = 2
    bad_value["vouchers"][0]["value"] = "forty"
    bad_date = dict(DOC_JOB, id=3, received_at="yesterday")
    result = parse_list([DOC_JOB, bad_value, bad_date, "junk", {"no": "id"}], Job.from_json,
                         "jobs")
    assert [j.id for j in result.items] == [1]
    reasons = {p.id: p.reason for p in result.problems}
    assert "vouchers[0].value" in reasons[2]
    assert "received_at" in reasons[3]
    assert reasons[None].startswith("expected an object") or "id" in reasons[None]
    assert len(result.problems) == 4
    assert "#2" in str(result.problems[0])


def test_after_is_sent_in_utc() -> None:
    # 12:00 BST is 11:00 UTC: a server reading it as UK time gets an earlier instant (overlap).
    assert format_after(parse_after("2024-07-01 12:00")) == "2024-07-01 11:00:00"
    assert format_after(parse_after("2024-07-01")) == "2024-07-01"


def test_pos_sale_rules_and_body() -> None:
    sale = PosSale(
        items=(PosItem(id=1, price=Decimal("100.00"), code="EXAMPLE1", sender="Sender"),
               PosItem(id=1, price=Decimal("0"), code="bad code!"),
               PosItem(id=2, price=Decimal("5"), code="example1", persons=0)),
        customer=PosCustomer(email="not-an-email"),
        delivery=PosDelivery(method=97),
        payment_method=1)
    problems = sale.problems(online_delivery=False)
    assert set(problems) == {"items[1].price", "items[1].code", "items[2].code",
                             "items[2].persons", "customer.email", "delivery.address1",
                             "delivery.postcode"}
    body = PosSale(items=(PosItem(id=1, price=Decimal("100.00"), sender="S"),),
                   customer=PosCustomer(email="a@b.co"), delivery=PosDelivery(method=1),
                   payment_method=1).to_json()
    assert body == {"items": [{"id": 1, "price": 100.0, "from": "S"}],
                    "customer": {"email": "a@b.co"}, "delivery": {"method": 1},
                    "payment_method": 1}
    assert PosSale.from_json(body).to_json() == body


def test_pos_result_requires_a_reference() -> None:
    result = PosSaleResult.from_json({"message": "ok", "order_reference": "R1",
                                      "voucher_codes": ["A", "B"]})
    assert result.voucher_codes == ("A", "B")
    with pytest.raises(ValueError):
        PosSaleResult.from_json({"message": "ok"})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1.5, True, "x1", [1]])
def test_bad_numbers_are_reported_not_crashed(bad: object) -> None:
    result = parse_list([{"id": 1, "company_id": bad}], Agreement.from_json, "agreements")
    assert not result.items and "company_id" in result.problems[0].reason


def test_generated_readers_fill_the_right_fields() -> None:
    # The readers are generated from (key, kind) lists in the dataclasses' field order.
    job = Job.from_json(DOC_JOB)
    assert (job.option_name, job.order_reference, job.customer_phone) == (
        "Gift Card in a Luxury Envelope", "rEJzAQ732r", "01234 567890")
    assert job.received_at == datetime(2024, 11, 27, 16, 18, 40, tzinfo=UTC)
    voucher = job.vouchers[0]
    assert (voucher.to, voucher.sender, voucher.message) == ("John", "Jack", "Happy Birthday!")
    assert voucher.valid_until == datetime(2025, 11, 27, 16, 10, 50, tzinfo=UTC)
    assert job.delivery_address is not None and job.delivery_address.county == "Newport"
