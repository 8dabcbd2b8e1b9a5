"""The sandbox's own promises: deterministic data, real rules, faults on demand."""

from __future__ import annotations

import asyncio
import time

import pytest

from packstation.api import ApiError, ApiKey, RateBudget, SmartGiftClient
from packstation.sandbox import DEMO_KEY, Faults, SandboxServer
from packstation.sandbox.state import SandboxState


def test_same_seed_same_data_and_realistic_variety() -> None:
    a = SandboxState(seed=5, job_count=200, clock=lambda: 1_700_000_000.0)
    b = SandboxState(seed=5, job_count=200, clock=lambda: 1_700_000_000.0)
    c = SandboxState(seed=6, job_count=200, clock=lambda: 1_700_000_000.0)
    jobs_a, jobs_b = a.list_jobs(None, None), b.list_jobs(None, None)
    assert jobs_a == jobs_b and jobs_a != c.list_jobs(None, None)
    assert len(jobs_a) == 200
    addresses = [j["delivery_address"] for j in jobs_a]
    assert any(not a["line2"] for a in addresses) and any(a["county"] is None for a in addresses)
    assert any(not a["first_name"].isascii() for a in addresses)
    vouchers = [v for j in jobs_a for v in j["vouchers"]]
    assert {v["type"] for v in vouchers} == {"monetary", "experience"}
    assert any(len(v["message"] or "") > 200 for v in vouchers)
    assert any(j["tickets"] for j in jobs_a)
    assert {j["status"] for j in jobs_a} == {"pending", "dispatched", "delivered", "cancelled"}
    assert {x["status_text"] for x in a.list_agreements(None)} == {"new", "sent", "active",
                                                                   "cancelled"}


async def test_priced_agreement_is_accepted_after_the_delay() -> None:
    with SandboxServer(accept_delay=0.3) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY),
                                   budget=RateBudget()) as client:
            new = (await client.list_agreements(status="new")).items[0]
            from decimal import Decimal
            priced = await client.price_agreement(new.id, Decimal("2.50"))
            assert priced.status == "sent" and priced.price_type == "per_order"
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                active = (await client.list_agreements(status="active")).items
                if new.id in {a.id for a in active}:
                    break
                await asyncio.sleep(0.1)
            accepted = next(a for a in active if a.id == new.id)
            assert accepted.accepted_at is not None


def test_new_jobs_arrive_in_the_demo() -> None:
    state = SandboxState(job_count=3, new_job_every=0.01)
    first = len(state.list_jobs("pending", None))
    deadline = time.monotonic() + 5
    while len(state.list_jobs("pending", None)) <= first and time.monotonic() < deadline:
        pass  # arrivals are counted from elapsed time at the next request
    assert len(state.list_jobs("pending", None)) > first


async def test_error_rate_fails_about_that_share() -> None:
    with SandboxServer(faults=Faults(error_rate=0.5, seed=3, kinds=("500",)),
                       rate_limit=1000) as sandbox:
        async with SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), budget=RateBudget(),
                                   max_retries=0) as client:
            failures = 0
            for _ in range(60):
                try:
                    await client.list_agreements()
                except ApiError:
                    failures += 1
    assert 15 <= failures <= 45


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError):
        Faults().inject("gremlins")


def test_voucher_pdf_barcode_scans_as_its_code(qapp: object) -> None:
    """Rendered with QtPdf and read by a real decoder (zxing-cpp), not just drawn."""
    from tests.barcodes import barcodes_in_pdf

    state = SandboxState(seed=2, job_count=1, pdf_delay=0)
    job = state.list_jobs(None, None)[0]
    voucher = job["vouchers"][0]
    pdf = state.voucher_pdf(job["id"], voucher["id"])
    assert barcodes_in_pdf(pdf) == [[(voucher["code"], "Code128")]]
