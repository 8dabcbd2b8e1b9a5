"""Every endpoint and every error class, over real HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pypdf
import pytest

from packstation.api import (
    ApiKey,
    ApiValidationError,
    AuthError,
    BadResponse,
    NetworkError,
    NotFound,
    PdfNotReady,
    PosCustomer,
    PosDelivery,
    PosItem,
    PosSale,
    RateBudget,
    RateLimited,
    ServerError,
    SmartGiftClient,
    Unavailable,
)
from packstation.sandbox import DEMO_KEY, SandboxServer


def fresh(sandbox: SandboxServer, **kwargs: object) -> SmartGiftClient:
    options: dict[str, object] = {"budget": RateBudget(), "backoff": 0.01, **kwargs}
    return SmartGiftClient(sandbox.base_url, ApiKey(DEMO_KEY), **options)  # type: ignore[arg-type]


async def test_list_jobs_by_status(client: SmartGiftClient) -> None:
    everything = await client.list_jobs()
    assert not everything.problems
    statuses = {j.status for j in everything.items}
    assert statuses == {"pending", "dispatched", "delivered", "cancelled"}
    for status in statuses:
        some = await client.list_jobs(status=status)
        assert some.items and {j.status for j in some.items} == {status}
    assert sum(len(j.vouchers) > 1 for j in everything.items) > 0  # several vouchers per job


async def test_list_jobs_after_a_datetime_and_a_date(client: SmartGiftClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)
    pending = (await client.list_jobs(status="pending")).items
    await client.update_job(pending[0].id, "dispatched", "JD000111222GB")
    changed = await client.list_jobs(after=before)
    assert [j.id for j in changed.items] == [pending[0].id]
    assert changed.items[0].status == "dispatched"
    assert changed.items[0].tracking_reference == "JD000111222GB"
    today = await client.list_jobs(after=date.today())
    assert pending[0].id in {j.id for j in today.items}
    # A dispatched job leaves pending for good.
    assert pending[0].id not in {j.id for j in (await client.list_jobs(status="pending")).items}


async def test_update_job_to_every_status(client: SmartGiftClient) -> None:
    jobs = (await client.list_jobs(status="pending")).items
    dispatched = await client.update_job(jobs[0].id, "dispatched", "TRACKREF#1")
    assert dispatched.status == "dispatched" and dispatched.dispatched_at is not None
    delivered = await client.update_job(jobs[0].id, "delivered")
    assert delivered.status == "delivered" and delivered.tracking_reference == "TRACKREF#1"
    cancelled = await client.update_job(jobs[1].id, "cancelled")
    assert cancelled.status == "cancelled"


async def test_tracking_reference_length_is_checked_before_sending(
        sandbox: SandboxServer, client: SmartGiftClient) -> None:
    sent_before = len(sandbox.requests)
    with pytest.raises(ApiValidationError) as caught:
        await client.update_job(1, "dispatched", "X" * 256)
    assert "255" in str(caught.value) and "tracking_reference" in caught.value.field_errors
    with pytest.raises(ApiValidationError):
        await client.update_job(1, "pending")
    assert len(sandbox.requests) == sent_before
    ok = await client.update_job(1, "dispatched", "Y" * 255)
    assert ok.tracking_reference == "Y" * 255


async def test_voucher_pdf_is_a_real_pdf(client: SmartGiftClient, sandbox: SandboxServer) -> None:
    job = (await client.list_jobs(status="pending")).items[0]
    voucher = job.vouchers[0]
    assert voucher.pdf_copy and voucher.pdf_copy.startswith(sandbox.base_url)
    pdf = await client.download_pdf(voucher.pdf_copy)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert voucher.code and voucher.code in text
    assert voucher.name and voucher.name in text


async def test_pdf_not_ready_until_the_delay_has_passed() -> None:
    with SandboxServer(pdf_delay=60) as sandbox:
        async with fresh(sandbox) as client:
            job = (await client.list_jobs(status="pending")).items[0]
            with pytest.raises(PdfNotReady) as caught:
                await client.download_pdf(job.vouchers[0].pdf_copy or "")
            assert "not ready" in str(caught.value)


async def test_html_where_a_pdf_was_expected(client: SmartGiftClient,
                                             sandbox: SandboxServer) -> None:
    job = (await client.list_jobs(status="pending")).items[0]
    sandbox.faults.inject("html")
    with pytest.raises(BadResponse) as caught:
        await client.download_pdf(job.vouchers[0].pdf_copy or "")
    assert "text/html" in str(caught.value) and "PDF" in str(caught.value)


async def test_agreements_list_price_terminate(client: SmartGiftClient) -> None:
    all_agreements = (await client.list_agreements()).items
    assert {a.status for a in all_agreements} == {"new", "sent", "active", "cancelled"}
    new = (await client.list_agreements(status="new")).items
    assert new and all(a.price is None and a.price_type == "not_set" for a in new)
    priced = await client.price_agreement(new[0].id, Decimal("3.40"), "per_item")
    assert priced.status == "sent" and priced.price == Decimal("3.4")
    assert priced.price_type == "per_item" and priced.priced_at is not None
    ended = await client.terminate_agreement(priced.id, "Retiring this contract")
    assert ended.status == "cancelled" and ended.terminated_at is not None
    with pytest.raises(ApiValidationError) as caught:
        await client.terminate_agreement(priced.id, "again")
    assert caught.value.status == 422 and "already been terminated" in caught.value.message


async def test_price_is_checked_before_sending(client: SmartGiftClient,
                                              sandbox: SandboxServer) -> None:
    for bad in (Decimal("0"), Decimal("-1"), Decimal("3.456"), Decimal("NaN")):
        with pytest.raises(ApiValidationError) as caught:
            await client.price_agreement(1, bad, "per_order")
        assert caught.value.status is None  # ours, not the sandbox's 422
    with pytest.raises(ApiValidationError):
        await client.price_agreement(1, Decimal("3"), "per_week")
    assert sandbox.requests == []  # refused here: not one request, no budget spent


async def test_money_sent_as_json_numbers_is_read_exactly(client: SmartGiftClient) -> None:
    # JSON numbers arrive as floats; money is read from their shortest form, so 0.29
    # is Decimal("0.29"), never 0.28999999999999998002...
    new = (await client.list_agreements(status="new")).items[0]
    for amount in ("0.29", "1234.56", "9999.99", "0.10"):
        priced = await client.price_agreement(new.id, Decimal(amount), "per_order")
        assert priced.price == Decimal(amount)
        listed = next(a for a in (await client.list_agreements()).items if a.id == new.id)
        assert listed.price == Decimal(amount)


async def test_pos_sale_and_its_422(client: SmartGiftClient) -> None:
    sale = PosSale(items=(PosItem(id=1, price=Decimal("100.00"), code="EXAMPLECODE1",
                                  to="Recipient", sender="Sender", message="Enjoy!"),),
                   customer=PosCustomer(email="customer@example.com"),
                   delivery=PosDelivery(method=1, email="recipient@example.com"),
                   payment_method=1, order_id="123")
    result = await client.create_pos_sale(sale)
    assert result.voucher_codes == ("EXAMPLECODE1",) and result.order_reference
    with pytest.raises(ApiValidationError) as caught:
        await client.create_pos_sale(sale)  # the code is now taken
    assert caught.value.status == 422
    assert caught.value.field_errors == {"items.0.code": ["The code has already been taken."]}
    offline = PosSale(items=(PosItem(id=2, price=Decimal("10")),),
                      customer=PosCustomer(email="c@example.com"),
                      delivery=PosDelivery(method=97), payment_method=1)
    with pytest.raises(ApiValidationError) as caught:
        await client.create_pos_sale(offline)
    assert set(caught.value.field_errors) == {"delivery.address1", "delivery.postcode"}


async def test_wrong_key_is_an_auth_error(sandbox: SandboxServer) -> None:
    async with SmartGiftClient(sandbox.base_url, ApiKey("sk_wrong"), budget=RateBudget()) as c:
        with pytest.raises(AuthError) as caught:
            await c.list_jobs()
    assert caught.value.status == 401 and "key" in str(caught.value)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """waitUntil for plain asyncio tests: look again each tick of the loop."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def test_auth_failures_are_told_once_per_key_in_use(sandbox: SandboxServer) -> None:
    """The window asks for a new key on a 401, but not again for answers to the old key."""
    told: list[AuthError] = []
    async with SmartGiftClient(sandbox.base_url, ApiKey("sk_revoked_key"), budget=RateBudget(),
                               max_retries=0) as c:
        c.subscribe_auth_failures(told.append)
        with pytest.raises(AuthError):
            await c.list_jobs()
        assert len(told) == 1
        sandbox.faults.slow_seconds = 0.5
        sandbox.faults.inject("slow")
        late = asyncio.ensure_future(c.list_jobs())  # sent with the old key...
        await until(lambda: len(sandbox.requests) == 2)  # the sandbox has it
        c.replace_key(ApiKey(DEMO_KEY))  # ...which is replaced while it is under way
        with pytest.raises(AuthError):
            await late
        assert len(told) == 1  # the late 401 is old news
        assert (await c.list_jobs(status="pending")).items
        assert c.key_hint == f"…{DEMO_KEY[-4:]}" and DEMO_KEY not in repr(c)


async def test_not_found(client: SmartGiftClient) -> None:
    with pytest.raises(NotFound) as caught:
        await client.update_job(999999, "delivered")
    assert caught.value.status == 404


@pytest.mark.parametrize(("fault", "error"), [
    ("429", RateLimited), ("503", Unavailable), ("500", ServerError), ("drop", NetworkError),
    ("malformed", BadResponse),
])
async def test_each_failure_is_typed_and_readable(sandbox: SandboxServer, fault: str,
                                                  error: type[Exception]) -> None:
    async with fresh(sandbox, max_retries=0) as client:
        sandbox.faults.inject(fault)
        with pytest.raises(error) as caught:
            await client.list_jobs()
        message = str(caught.value)
        assert message and "Traceback" not in message and DEMO_KEY not in message
        if fault == "429":
            assert caught.value.retry_after == 1.0  # type: ignore[attr-defined]
        # The next request works: nothing is left broken.
        assert (await client.list_jobs(status="pending")).items


async def test_refused_connection_and_timeout() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    async with SmartGiftClient(f"http://127.0.0.1:{port}", ApiKey(DEMO_KEY),
                               budget=RateBudget(), max_retries=0) as c:
        with pytest.raises(NetworkError) as caught:
            await c.list_jobs()
    assert "Could not reach" in str(caught.value)
    with SandboxServer(pdf_delay=0) as sandbox:
        sandbox.faults.slow_seconds = 2.0
        sandbox.faults.inject("slow")
        async with fresh(sandbox, max_retries=0, timeout=httpx.Timeout(0.3)) as c:
            with pytest.raises(NetworkError) as caught:
                await c.list_jobs()
        assert "did not answer in time" in str(caught.value)


async def test_idempotent_calls_retry_and_posts_do_not(sandbox: SandboxServer) -> None:
    async with fresh(sandbox, max_retries=3) as client:
        sandbox.faults.inject("503", 2)
        sandbox.faults.inject("drop", 1)
        assert (await client.list_jobs()).items  # three failures, then success
        sale = PosSale(items=(PosItem(id=1, price=Decimal("5")),),
                       customer=PosCustomer(email="a@example.com"),
                       delivery=PosDelivery(method=1, email="b@example.com"), payment_method=1)
        sandbox.faults.inject("503")
        posts_before = sum(r.method == "POST" for r in sandbox.requests)
        with pytest.raises(Unavailable):
            await client.create_pos_sale(sale)
        assert sum(r.method == "POST" for r in sandbox.requests) == posts_before + 1
