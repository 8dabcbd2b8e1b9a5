"""The provider's fulfilment agreements, kept current in the background.

One request lists every agreement (no status filter), so the four views and
their counts cost one request per refresh, every five minutes at background
priority. Pricing and terminating go first (interactive priority) and their
answers replace the agreement in place, with no extra request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal

from packstation.api import Agreement, ApiError, Priority, SmartGiftClient
from packstation.api.models import AGREEMENT_STATUSES
from packstation.background import Repeating

log = logging.getLogger(__name__)

REFRESH_EVERY = 300.0

Listener = Callable[[list[Agreement]], None]


class AgreementBook:
    def __init__(self, client: SmartGiftClient, *, interval: float = REFRESH_EVERY,
                 may_refresh: Callable[[], bool] = lambda: True) -> None:
        self._client = client
        self.interval = interval
        self._agreements: dict[int, Agreement] = {}
        self._listeners: list[Listener] = []
        # On a site only the syncer looks in the background; a person's refresh always goes.
        self._may_refresh = may_refresh
        self._loop = Repeating(self._look, lambda: self.interval, log, "agreements")
        self.last_error: str | None = None
        self.last_success: datetime | None = None
        self.problems: list[str] = []  # records of the last list that could not be read

    @property
    def agreements(self) -> list[Agreement]:
        """Newest request first, as a manager reads them."""
        return sorted(self._agreements.values(),
                      key=lambda a: (a.initiated_at is not None, a.initiated_at, a.id),
                      reverse=True)

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(AGREEMENT_STATUSES, 0)
        for agreement in self._agreements.values():
            if agreement.status in found:
                found[agreement.status] += 1
        return found

    @property
    def waiting_for_price(self) -> int:
        return self.counts()["new"]

    def get(self, agreement_id: int) -> Agreement | None:
        return self._agreements.get(agreement_id)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self, agreements: Iterable[Agreement]) -> None:
        changed = list(agreements)
        for listener in list(self._listeners):
            listener(changed)

    async def _look(self) -> None:
        if self._may_refresh():
            await self.refresh()

    async def refresh(self, priority: Priority = Priority.BACKGROUND) -> list[Agreement]:
        try:
            parsed = await self._client.list_agreements(priority=priority)
        except ApiError as exc:
            self.last_error = str(exc)
            raise
        self.last_error = None
        self.last_success = datetime.now(UTC)
        self.problems = [str(p) for p in parsed.problems]
        fresh = {a.id: a for a in parsed.items}
        changed = [a for a in fresh.values() if self._agreements.get(a.id) != a]
        # One unreadable record must not make a good one vanish from the view.
        unreadable = {p.id for p in parsed.problems}
        kept = {i: a for i, a in self._agreements.items() if i in unreadable and i not in fresh}
        self._agreements = {**kept, **fresh}
        self._changed(changed)
        return changed

    async def price(self, agreement_id: int, price: Decimal, price_type: str) -> Agreement:
        agreement = await self._client.price_agreement(agreement_id, price, price_type)
        self._store(agreement)
        return agreement

    async def terminate(self, agreement_id: int, reason: str) -> Agreement:
        agreement = await self._client.terminate_agreement(agreement_id, reason)
        self._store(agreement)
        return agreement

    def _store(self, agreement: Agreement) -> None:
        self._agreements[agreement.id] = agreement
        self._changed([agreement])

    # -- in the background -------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    def refresh_soon(self) -> None:
        self._loop.wake()

    async def aclose(self) -> None:
        await self._loop.aclose()
