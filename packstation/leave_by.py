"""When each job must leave: the "leave by" day the queue is ordered by (issue 18).

A job must leave on its delivery date less its method's transit days, counted in
working days (weekends and the region's bank holidays skipped); a job with no delivery
date must leave the working day after it was received. Days are UK days. The bank
holidays come from the maintained ``holidays`` package, loaded on first use. No Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from packstation.api import Job
from packstation.api.fields import uk_zone

# Region setting -> the holidays package's subdivision of GB, and what a person reads.
REGIONS: Final[dict[str, tuple[str, str]]] = {
    "england-wales": ("ENG", "England and Wales"),
    "scotland": ("SCT", "Scotland"),
    "northern-ireland": ("NIR", "Northern Ireland"),
}
DEFAULT_REGION: Final = "england-wales"
MAX_TRANSIT_DAYS: Final = 20  # working days; a setting above it is a typo, not a route
_FAR: Final = 400  # working days looked through at most (a year of holidays cannot be more)

_calendars: dict[str, Any] = {}
_days: dict[tuple[str, date, int], date] = {}  # (region, day, transit or -1) -> leave by
_calendars_lock = threading.Lock()


def _bank_holidays(region: str) -> Any:
    """The region's holidays (a dict-like of date -> name, filled a year at a time)."""
    subdivision = REGIONS.get(region, REGIONS[DEFAULT_REGION])[0]
    with _calendars_lock:
        found = _calendars.get(subdivision)
        if found is None:
            # ~0.4 s (the import and the GB calendar): warm_up() in a worker first.
            import holidays

            found = holidays.country_holidays("GB", subdiv=subdivision)
            _calendars[subdivision] = found
        return found


class Urgency(StrEnum):
    OVERDUE = "overdue"  # its leave-by day has passed
    TODAY = "today"  # it must leave today
    LATER = "later"
    UNKNOWN = ""  # neither a delivery date nor a received time


@dataclass(frozen=True)
class LeaveByRule:
    """``transit_days``: a job's delivery method's name -> its working days in transit."""

    region: str = DEFAULT_REGION
    transit_days: Callable[[str | None], int] = lambda method: 1

    def holiday(self, day: date) -> str | None:
        """The bank holiday ``day`` is in this region, or None."""
        holidays = _bank_holidays(self.region)
        with _calendars_lock:  # a year's first lookup fills it in: one thread at a time
            name = holidays.get(day)
        return str(name) if name else None

    def warm_up(self) -> None:
        """The region's bank holidays loaded (blocking: call it in a worker before the
        UI thread orders a queue with this rule)."""
        today = uk_today()
        for year in (today.year - 1, today.year, today.year + 1):
            self.holiday(date(year, 6, 1))

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday(day) is None

    def step_back(self, day: date, working_days: int) -> date:
        """``working_days`` working days before ``day`` (0: ``day`` itself if it is a
        working day, else the working day before it)."""
        for _ in range(_FAR):
            if self.working(day):
                break
            day -= timedelta(days=1)
        for _ in range(max(0, min(working_days, MAX_TRANSIT_DAYS))):
            day -= timedelta(days=1)
            for _ in range(_FAR):
                if self.working(day):
                    break
                day -= timedelta(days=1)
        return day

    def next_working(self, day: date) -> date:
        """The first working day after ``day``."""
        for _ in range(_FAR):
            day += timedelta(days=1)
            if self.working(day):
                break
        return day

    def leave_by(self, job: Job) -> date | None:
        if job.delivery_date is not None:
            key = (self.region, uk_day(job.delivery_date),
                   self.transit_days(job.delivery_method_name))
        elif job.received_at is not None:
            key = (self.region, uk_day(job.received_at), -1)
        else:
            return None
        # A queue of 10,000 jobs has a few dozen distinct days: each worked out once.
        found = _days.get(key)
        if found is None:
            found = self.step_back(key[1], key[2]) if key[2] >= 0 \
                else self.next_working(key[1])
            if len(_days) > 20_000:
                _days.clear()
            _days[key] = found
        return found

    def urgency(self, job: Job, today: date) -> Urgency:
        day = self.leave_by(job)
        if day is None:
            return Urgency.UNKNOWN
        if day < today:
            return Urgency.OVERDUE
        return Urgency.TODAY if day == today else Urgency.LATER

    def order_key(self, job: Job) -> tuple[date, float, int]:
        """The queue's order: leave-by day, then received, then id (unknowns last)."""
        received = job.received_at.timestamp() if job.received_at else float("inf")
        return (self.leave_by(job) or date.max, received, job.id)


def uk_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=uk_zone())
    return moment.astimezone(uk_zone()).date()


def uk_today(now: datetime | None = None) -> date:
    return uk_day(now or datetime.now(uk_zone()))
