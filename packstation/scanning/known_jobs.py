"""The jobs a scan is read against: the cache as ``interpret`` looks things up, plus the
outbox for references (a label read twice is caught before Smart Gift has confirmed the
first dispatch). Blocking: read in a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from packstation.api import Job
from packstation.store.jobs import JobCache
from packstation.store.outbox import DispatchOutbox
from packstation.store.site_database import SiteUnreachable

T = TypeVar("T")


class KnownJobs:
    """The cache as ``interpret`` looks things up, plus the outbox for references: a
    label read twice is caught before Smart Gift has confirmed the first dispatch.

    A site's database out of reach knows nothing (the scan is read against the job in
    hand alone): the packer can still dispatch that job, saved on this station."""

    def __init__(self, cache: JobCache, outbox: DispatchOutbox) -> None:
        self.cache, self.outbox = cache, outbox

    def by_order_reference(self, reference: str) -> Job | None:
        return unless_lost(lambda: self.cache.by_order_reference(reference), None)

    def by_voucher_code(self, code: str) -> Job | None:
        return unless_lost(lambda: self.cache.by_voucher_code(code), None)

    def get(self, job_id: int) -> Job | None:
        return unless_lost(lambda: self.cache.get(job_id), None)

    def by_tracking_reference(self, reference: str) -> list[Job]:
        return unless_lost(lambda: self._by_tracking_reference(reference), [])

    def _by_tracking_reference(self, reference: str) -> list[Job]:
        found = {j.id: j for j in self.cache.by_tracking_reference(reference)}
        for job_id in self.outbox.jobs_with_reference(reference):
            job = found.get(job_id) or self.cache.get(job_id)
            if job is not None:
                found[job_id] = job
        return list(found.values())


def unless_lost(read: Callable[[], T], otherwise: T) -> T:
    """``read()``, or ``otherwise`` while the site's database is out of reach."""
    try:
        return read()
    except SiteUnreachable:
        return otherwise
