"""What a station did alone while its site's database was lost, carried into the site.

Alone, a packer's dispatch is saved in the station's own SQLite outbox and sent from
there (``JobService``'s fallback); Smart Gift's confirmation lands in the station's own
history and jobs cache. Once the site answers again, each confirmed change is copied into
the site's history (once: ``DispatchHistory.copy_in``) and its job into the site's jobs,
so every bench sees it. Changes still waiting keep going from the station's own outbox.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Final

from packstation.background import Repeating
from packstation.store.history import DispatchHistory
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox, OutboxState

LOOK_EVERY: Final = 5.0

log = logging.getLogger(__name__)


class SiteCatchUp:
    def __init__(self, local_history: DispatchHistory, local_cache: JobCache,
                 site_history: DispatchHistory, site_cache: JobCache, station: str, *,
                 local_outbox: DispatchOutbox | None = None,
                 site_outbox: DispatchOutbox | None = None,
                 look_every: float = LOOK_EVERY) -> None:
        self._local_outbox = local_outbox
        self._site_outbox = site_outbox
        self._local_history = local_history
        self._local_cache = local_cache
        self._site_history = site_history
        self._site_cache = site_cache
        self.station = station
        self.look_every = look_every
        self.carried = 0  # changes copied into the site since start
        self._said: set[int] = set()  # own entries the site could not take, said once
        self._loop = Repeating(self.carry, lambda: self.look_every, log, "site catch-up")

    async def carry(self) -> int:
        """Copy what is confirmed here and not yet in the site; how many were copied."""
        return await asyncio.to_thread(self._carry)

    def _carry(self) -> int:
        copied = 0
        while rows := self._local_history.not_copied():
            for row in rows:
                job = self._local_cache.get(row.job_id)
                if job is not None:  # as of its confirmation: a newer sync's copy stays
                    self._site_cache.store([job], _epoch(row.confirmed_at))
            copied += self._site_history.copy_in(rows, self.station)
            self._local_history.mark_copied([row.id for row in rows])
        self._carry_refused()
        if copied:
            log.info("%d change(s) confirmed while the site was lost are in its history now",
                     copied)
        self.carried += copied
        return copied

    def _carry_refused(self) -> None:
        """A change Smart Gift refused while the site was lost: into the site's outbox, where
        every bench's "Changes waiting" shows it for a person to decide."""
        if self._local_outbox is None or self._site_outbox is None:
            return
        for entry in self._local_outbox.entries():
            if entry.state is OutboxState.ATTENTION:
                if not self._site_outbox.keep_for_attention(entry):
                    if entry.id not in self._said:  # once, not at every look
                        self._said.add(entry.id)
                        log.warning("job %s: a change refused while the site was lost is "
                                    "kept on this station only (the site has another change"
                                    " for it)", entry.job_id)
                    continue
                self._local_outbox.discard(entry.id)

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        self._loop.wake()

    async def aclose(self) -> None:
        await self._loop.aclose()


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0
