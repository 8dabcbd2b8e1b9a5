"""How the shift is going: the figures of the Today tab and of ``report shift``.

Read from what the station keeps anyway (the jobs cache, the dispatch history, the
print history, the scan log: the site's when there is one), never from Smart Gift.
Days and hours are UK ones. No Qt; blocking reads: call ``figures`` in a worker.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from packstation.api.fields import uk_zone
from packstation.leave_by import LeaveByRule, Urgency, uk_today
from packstation.store.jobs import JobCache
from packstation.store.shift_records import ShiftRecords


@dataclass(frozen=True)
class ShiftFigures:
    day: date
    station: str | None  # None: every station
    packer: str | None  # None: every packer
    pending: int  # the queue now (whatever the filters: it is the site's)
    due_today: int
    overdue: int
    dispatched: int
    # UK hour -> packer -> jobs dispatched in that hour
    per_hour: dict[int, dict[str, int]] = field(default_factory=dict)
    median_seconds: float | None = None  # from the vouchers' first print to the dispatch
    p90_seconds: float | None = None
    timed_jobs: int = 0
    wrong_voucher_scans: int = 0
    refused_tracking_scans: int = 0
    reprints: int = 0
    print_failures: int = 0

    @property
    def packers(self) -> list[str]:
        return sorted({name for hour in self.per_hour.values() for name in hour})

    @property
    def hours(self) -> list[int]:
        """The hours worked, first to last (none missed between)."""
        if not self.per_hour:
            return []
        return list(range(min(self.per_hour), max(self.per_hour) + 1))

    def rows(self) -> list[tuple[str, str]]:
        """Every figure as (what, value), in the order the report shows them."""
        now = "" if self.day == uk_today() else " (now, not that day)"  # the queue's state
        return [("Day", self.day.isoformat()),
                ("Station", self.station or "all"),
                ("Packer", self.packer or "all"),
                ("Pending now", str(self.pending)),
                ("Due today" + now, str(self.due_today)),
                ("Overdue" + now, str(self.overdue)),
                ("Dispatched", str(self.dispatched)),
                ("Time per job, median", duration(self.median_seconds)),
                ("Time per job, 90th percentile", duration(self.p90_seconds)),
                ("Jobs timed", str(self.timed_jobs)),
                ("Wrong-voucher scans", str(self.wrong_voucher_scans)),
                ("Refused tracking scans", str(self.refused_tracking_scans)),
                ("Reprints", str(self.reprints)),
                ("Print failures", str(self.print_failures))]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def percentile(values: list[float], fraction: float) -> float | None:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UK day, start and end (23 or 25 hours long when the clocks change)."""
    zone = uk_zone()
    return (datetime.combine(day, time(0), zone),
            datetime.combine(day + timedelta(days=1), time(0), zone))


class ShiftReport:
    def __init__(self, records: ShiftRecords, cache: JobCache,
                 rule: Callable[[], LeaveByRule]) -> None:
        self._records, self._cache, self._rule = records, cache, rule

    def queue_counts(self, today: date) -> tuple[int, int, int]:
        """(pending, due today, overdue) of the cached queue."""
        rule = self._rule()
        due_today = overdue = 0
        pending = self._cache.load(["pending"])
        for job in pending:
            urgency = rule.urgency(job, today)
            due_today += urgency is Urgency.TODAY
            overdue += urgency is Urgency.OVERDUE
        return len(pending), due_today, overdue

    def figures(self, day: date | None = None, station: str | None = None,
                packer: str | None = None, now: datetime | None = None,
                queue: tuple[int, int, int] | None = None) -> ShiftFigures:
        """``queue``: (pending, due today, overdue) when the caller holds the queue already
        (the window): not read again."""
        today = uk_today(now)
        day = day or today
        zone = uk_zone()
        start, end = day_bounds(day)
        pending, due_today, overdue = queue or self.queue_counts(today)
        dispatches = self._records.dispatches(start, end, station, packer)
        per_hour: dict[int, dict[str, int]] = {}
        for done in dispatches:
            hour = done.at.astimezone(zone).hour
            by_packer = per_hour.setdefault(hour, {})
            by_packer[done.packer or done.station] = by_packer.get(
                done.packer or done.station, 0) + 1
        printed = self._records.first_printed([d.job_id for d in dispatches])
        spans = [(d.at - printed[d.job_id]).total_seconds() for d in dispatches
                 if d.job_id in printed and printed[d.job_id] <= d.at]
        spans = [s for s in spans if s < 86_400]  # printed days before: not one sitting
        scans = self._records.scan_counts(start, end, station, packer)
        prints = self._records.print_counts(start, end, station, packer)
        return ShiftFigures(
            day, station, packer, pending, due_today, overdue, len(dispatches),
            per_hour, statistics.median(spans) if spans else None, percentile(spans, 0.9),
            len(spans), scans.wrong_voucher, scans.refused_tracking, prints.reprints,
            prints.failures)

