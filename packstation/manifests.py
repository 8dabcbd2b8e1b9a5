"""Courier manifests (issue 19): at collection, the list of what is handed to each carrier,
signed by the driver; later, proof of what went when. No Qt; blocking calls: in a worker.

A job's carrier is the one its tracking number is recognised as, else its delivery
method's expected carrier (untracked and internal-reference jobs go on the manifest of
the carrier their method names, if any). Closing a carrier's manifest takes its
dispatched jobs that are on no earlier manifest; one dispatched later goes on the next.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from packstation.api import Job
from packstation.api.fields import uk_zone
from packstation.config.delivery import DeliveryMethod, Tracking
from packstation.config.settings import parse_cutoff
from packstation.leave_by import LeaveByRule
from packstation.store.manifests import Manifest, ManifestEntry, ManifestStore
from packstation.tracking.carriers import CARRIERS

MAX_REASON: Final = 200
# A manifest closed up to this long after a cut-off is that collection's (a late driver);
# later, the next working day's.
LATE_DRIVER: Final = timedelta(hours=2)


def job_carrier(job: Job, method: DeliveryMethod) -> str | None:
    """The carrier whose manifest this job goes on, or None (no carrier at all). Our own
    references (internal) are never read as a carrier's: a 14-digit one looks like DPD's."""
    if job.tracking_reference and method.tracking is Tracking.CARRIER:
        from packstation.tracking.reading import ReadingKind, read

        reading = read(job.tracking_reference)
        if reading.kind is ReadingKind.TRACKING and reading.numbers:
            if method.carrier and any(n.fits_carrier(method.carrier)
                                      for n in reading.numbers):
                return method.carrier  # a GB S10 of a Parcelforce method: Parcelforce's
            return reading.numbers[0].carrier
    return method.carrier or None


def entry_of(job: Job, dispatched_at: str) -> ManifestEntry:
    address = job.delivery_address
    return ManifestEntry(
        job.id, job.order_reference or str(job.id), job.tracking_reference or "",
        (address.recipient or "") if address else "", (address.postcode or "") if address
        else "", max(0, min(int(job.total_value * 100), 10**12)), dispatched_at)


@dataclass(frozen=True, slots=True)
class Collection:
    carrier: str
    at: datetime  # UK time
    waiting: int  # jobs dispatched for it, on no manifest yet


class ManifestDesk:
    def __init__(self, store: ManifestStore, method: Callable[[str | None], DeliveryMethod],
                 cutoffs: Callable[[], dict[str, str]], rule: Callable[[], LeaveByRule],
                 station: str, packer: Callable[[], str]) -> None:
        self.store, self.method, self.cutoffs, self.rule = store, method, cutoffs, rule
        self.station, self.packer = station, packer

    def open_entries(self, now: datetime | None = None) -> dict[str, list[ManifestEntry]]:
        """Per carrier, the dispatched jobs on no manifest yet, oldest dispatch first."""
        found: dict[str, list[ManifestEntry]] = {}
        for job, dispatched_at in self.store.waiting(now):
            carrier = job_carrier(job, self.method(job.delivery_method_name))
            if carrier is not None:
                found.setdefault(carrier, []).append(entry_of(job, dispatched_at))
        return found

    def carriers(self, now: datetime | None = None) -> list[tuple[str, int, str]]:
        """Every carrier: (id, jobs waiting for its manifest, its cut-off or "")."""
        waiting = self.open_entries(now)
        cutoffs = self.cutoffs()
        return [(carrier, len(waiting.get(carrier, [])), cutoffs.get(carrier, ""))
                for carrier in CARRIERS]

    def next_collection(self, now: datetime | None = None) -> Collection | None:
        """The next carrier to collect (by the cut-offs set) and how many jobs wait for
        it: today's later cut-offs, else the next working day's first."""
        moment = (now or datetime.now(uk_zone())).astimezone(uk_zone())
        cutoffs = {c: parse_cutoff(t) for c, t in self.cutoffs().items()}
        times = sorted((t, c) for c, t in cutoffs.items() if t is not None)
        if not times:
            return None
        day = moment.date()
        rule = self.rule()
        upcoming = [(t, c) for t, c in times if rule.working(day) and t > moment.time()]
        if not upcoming:
            day, upcoming = rule.next_working(day), times
        at, carrier = upcoming[0]
        waiting = len(self.open_entries(now).get(carrier, []))
        return Collection(carrier, datetime.combine(day, at, uk_zone()), waiting)

    def collection_of(self, carrier: str, now: datetime | None = None) -> str:
        """The collection a manifest closed now is for: today's cut-off (up to two hours
        after it: a driver running late), else the next working day's."""
        cutoff = parse_cutoff(self.cutoffs().get(carrier, ""))
        moment = (now or datetime.now(uk_zone())).astimezone(uk_zone())
        if cutoff is None:
            return moment.date().isoformat()
        day, rule = moment.date(), self.rule()
        late = datetime.combine(day, cutoff, uk_zone()) + LATE_DRIVER
        if not rule.working(day) or moment > late:
            day = rule.next_working(day)
        return f"{day.isoformat()} {cutoff:%H:%M}"

    def preview(self, carrier: str) -> list[ManifestEntry]:
        return self.open_entries().get(carrier, [])

    def close(self, carrier: str, only: AbstractSet[int] | None = None) -> Manifest:
        """The carrier's manifest, closed now (NothingToClose: none is waiting). ``only``:
        the jobs a person was shown (one dispatched since waits for the next)."""
        if carrier not in CARRIERS:
            raise ValueError(f"No carrier is called {carrier!r}; known: "
                             f"{', '.join(CARRIERS)}.")
        entries = [e for e in self.preview(carrier) if only is None or e.job_id in only]
        return self.store.close(carrier, self.collection_of(carrier), self.station,
                                self.packer(), entries)

    def amend(self, manifest_id: int, job_id: int, reason: str) -> Manifest:
        """``job_id`` taken off the manifest, with ``reason`` (kept, never deleted)."""
        reason = " ".join(reason.split())
        if not reason or len(reason) > MAX_REASON or not reason.isprintable():
            raise ValueError(f"Say why, in 1 to {MAX_REASON} printable characters.")
        manifest = self.store.get(manifest_id)
        if manifest is None:
            raise LookupError(f"There is no manifest {manifest_id}.")
        if not self.store.remove(manifest_id, job_id, reason,
                                 f"{self.packer()} at {self.station}"):
            raise LookupError(f"Job {job_id} is not on manifest {manifest_id} (or was "
                              "taken off already).")
        amended = self.store.get(manifest_id)
        assert amended is not None
        return amended

    def cancelled_since(self, manifest: Manifest) -> set[int]:
        """The jobs on it that are cancelled now: flagged on a reprint."""
        statuses = self.store.statuses([e.job_id for e in manifest.on_it])
        return {job_id for job_id, status in statuses.items() if status == "cancelled"}
