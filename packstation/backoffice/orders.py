"""Creating POS orders so that none is created twice by accident.

Each order is written to the local store before it is sent and settled with
what came back. A POST is never retried by the client; when its answer is
lost (dropped connection, 5xx, an unreadable 200) the order may exist in
Smart Gift, and sending the same order again is first put to the person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from packstation.api import ApiError, SmartGiftClient
from packstation.api import errors as e
from packstation.api.pos import PosSale, PosSaleResult
from packstation.store.pos_orders import OrderState, PosOrderLog, PosOrderRecord

# Answers after which the order may or may not exist.
_OUTCOME_UNKNOWN = (e.NetworkError, e.ServerError, e.BadResponse)


class OrderDesk:
    def __init__(self, client: SmartGiftClient, log: PosOrderLog) -> None:
        self._client = client
        self.log = log

    async def earlier(self, sale: PosSale) -> PosOrderRecord | None:
        """An order sent before that is, or may be, this one (same request or order id)."""
        return await asyncio.to_thread(self.log.earlier, sale.to_json(), sale.order_id)

    async def submit(self, sale: PosSale, *, online_delivery: bool | None = None,
                     monetary: Sequence[bool | None] = ()) -> PosSaleResult:
        # Checked before anything is recorded: an incomplete order never left the station.
        sale.check(online_delivery=online_delivery, monetary=monetary)
        record = await asyncio.to_thread(self.log.begin, sale.to_json(), sale.order_id)
        try:
            result = await self._client.create_pos_sale(sale)
        except _OUTCOME_UNKNOWN as exc:
            await self._settle(record, OrderState.UNKNOWN, detail=str(exc))
            raise
        except e.ApiValidationError as exc:
            await self._settle(record, OrderState.REFUSED, detail=str(exc))
            raise
        except ApiError as exc:  # 401/403, 429, 503: refused before it was processed
            await self._settle(record, OrderState.NOT_SENT, detail=str(exc))
            raise
        await self._settle(record, OrderState.CREATED, order_reference=result.order_reference,
                           voucher_codes=result.voucher_codes, detail=result.message or "")
        return result

    async def _settle(self, record: int, state: OrderState, *, detail: str,
                      order_reference: str | None = None,
                      voucher_codes: tuple[str, ...] = ()) -> None:
        await asyncio.to_thread(self.log.settle, record, state, detail=detail,
                                order_reference=order_reference, voucher_codes=voucher_codes)


def describe_earlier(record: PosOrderRecord) -> str:
    """Why sending this order again needs a person's yes."""
    when = f"{record.created_at.astimezone():%d %b at %H:%M}"
    if record.state is OrderState.CREATED:
        codes = ", ".join(record.voucher_codes)
        return (f"This order was already created on {when}: order reference "
                f"{record.order_reference}" + (f" (voucher codes {codes})" if codes else "") +
                ". Sending it again creates a second order.")
    why = f" ({record.detail})" if record.detail else ""
    return (f"This order was sent on {when} but no answer came back{why}. It may already "
            "exist in Smart Gift: look for it in the Smart Gift dashboard first.")
