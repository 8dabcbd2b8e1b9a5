"""Property tests: whatever the server sends, parsing never crashes or loses a good record."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.api import Agreement, Job
from packstation.api.decode import parse_list
from tests.test_models import DOC_JOB

DOC_AGREEMENT: dict[str, Any] = {
    "id": 6, "company_id": 60, "company_name": "Example Company", "company_phone": None,
    "contact_name": "John", "contact_email": "john@examplecompany.com",
    "delivery_method_id": 97, "delivery_method_name": "Gift Letter",
    "fulfilment_option_id": 3, "fulfilment_option_name": "A4 Letter Delivery",
    "price": 3.4, "price_type": "per_order", "initiated_at": "2024-11-20 13:19:52",
    "priced_at": "2024-11-27T12:34:04.453427Z", "accepted_at": None, "terminated_at": None,
    "status_text": "sent",
}

junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                 st.text(max_size=12), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
# What to do to one field: drop it, null it, replace it with junk, or leave it.
mutation = st.sampled_from(["drop", "null", "junk", "keep"])


def mutate(draw: st.DrawFn, record: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        how = draw(mutation)
        if how == "drop":
            continue
        if how == "null":
            out[key] = None
        elif how == "junk":
            out[key] = draw(junk)
        elif isinstance(value, dict) and depth < 2:
            out[key] = mutate(draw, value, depth + 1)
        elif isinstance(value, list) and value and isinstance(value[0], dict) and depth < 2:
            out[key] = [mutate(draw, v, depth + 1) for v in value]
        else:
            out[key] = value
    for extra in draw(st.lists(st.text(min_size=1, max_size=8), max_size=2)):
        out.setdefault(f"x_{extra}", draw(junk))
    return out


@st.composite
def job_dicts(draw: st.DrawFn) -> dict[str, Any]:
    return mutate(draw, copy.deepcopy(DOC_JOB))


@st.composite
def agreement_dicts(draw: st.DrawFn) -> dict[str, Any]:
    return mutate(draw, copy.deepcopy(DOC_AGREEMENT))


def check_job(job: Job) -> None:
    assert isinstance(job.id, int) and isinstance(job.status, str)
    for voucher in job.vouchers:
        assert voucher.value is None or isinstance(voucher.value, Decimal)
        assert voucher.valid_from is None or voucher.valid_from.tzinfo is not None
    for stamp in (job.received_at, job.delivery_date, job.dispatched_at):
        assert stamp is None or (isinstance(stamp, datetime) and stamp.tzinfo is not None)
    assert all(isinstance(t, dict) for t in job.tickets)


@settings(max_examples=150, deadline=None)
@given(st.lists(job_dicts(), min_size=1, max_size=5))
def test_job_lists_never_crash_and_keep_good_jobs(records: list[dict[str, Any]]) -> None:
    result = parse_list([DOC_JOB, *records], Job.from_json, "jobs")
    assert result.items and result.items[0].id == DOC_JOB["id"]  # the good one survives
    assert len(result.items) + len(result.problems) == len(records) + 1
    for job in result.items:
        check_job(job)
    for problem in result.problems:
        assert problem.reason


@settings(max_examples=150, deadline=None)
@given(st.lists(agreement_dicts(), min_size=1, max_size=5))
def test_agreement_lists_never_crash(records: list[dict[str, Any]]) -> None:
    result = parse_list(records, Agreement.from_json, "agreements")
    assert len(result.items) + len(result.problems) == len(records)
    for agreement in result.items:
        assert isinstance(agreement.id, int) and isinstance(agreement.status, str)
        assert agreement.price is None or isinstance(agreement.price, Decimal)
