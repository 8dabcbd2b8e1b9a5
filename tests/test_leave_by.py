"""The "leave by" day: delivery date less transit working days, weekends and each region's
bank holidays skipped; the working day after receipt when there is no delivery date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from packstation.api import Job
from packstation.config.delivery import DeliveryMethod, method_from_json
from packstation.config.settings import Settings
from packstation.leave_by import LeaveByRule, Urgency


def job(job_id: int = 1, *, delivery: str | None = None, received: str | None = None,
        method: str = "Gift Box") -> Job:
    raw = {"id": job_id, "status": "pending", "delivery_method_name": method,
           "delivery_date": delivery, "received_at": received, "vouchers": []}
    return Job.from_json(raw)


@pytest.mark.parametrize(("delivery", "transit", "leave"), [
    ("2026-12-03", 1, date(2026, 12, 2)),   # Thursday: leaves Wednesday
    ("2026-12-07", 1, date(2026, 12, 4)),   # Monday: leaves the Friday before
    ("2026-12-07", 2, date(2026, 12, 3)),   # two working days: Thursday
    ("2026-12-05", 0, date(2026, 12, 4)),   # a Saturday, no transit: the Friday
    ("2026-12-29", 1, date(2026, 12, 24)),  # over Christmas, Boxing Day (observed) Mon 28
    ("2026-04-07", 1, date(2026, 4, 2)),    # Easter Monday 6 Apr, Good Friday 3 Apr
])
def test_transit_days_are_counted_in_working_days(delivery: str, transit: int,
                                                  leave: date) -> None:
    rule = LeaveByRule("england-wales", lambda method: transit)
    assert rule.leave_by(job(delivery=delivery)) == leave


@pytest.mark.parametrize(("region", "delivery", "leave"), [
    # Tuesday 1 Dec 2026; Monday 30 Nov is St Andrew's Day in Scotland only.
    ("england-wales", "2026-12-01", date(2026, 11, 30)),
    ("scotland", "2026-12-01", date(2026, 11, 27)),
    ("northern-ireland", "2026-12-01", date(2026, 11, 30)),
    # Tuesday 14 Jul 2026; Monday 13 Jul: the Battle of the Boyne (observed), NI only.
    ("england-wales", "2026-07-14", date(2026, 7, 13)),
    ("northern-ireland", "2026-07-14", date(2026, 7, 10)),
    # Tuesday 4 Aug 2026; Monday 3 Aug: Scotland's summer bank holiday.
    ("scotland", "2026-08-04", date(2026, 7, 31)),
    ("england-wales", "2026-08-04", date(2026, 8, 3)),
    # Tuesday 1 Sep 2026; Monday 31 Aug: England, Wales and NI's, not Scotland's.
    ("england-wales", "2026-09-01", date(2026, 8, 28)),
    ("scotland", "2026-09-01", date(2026, 8, 31)),
    # Tuesday 5 Jan 2027; Scotland's 2 January (a Saturday) is observed on Monday 4th.
    ("scotland", "2027-01-05", date(2026, 12, 31)),
    ("england-wales", "2027-01-05", date(2027, 1, 4)),
])
def test_each_regions_bank_holidays_are_not_working_days(region: str, delivery: str,
                                                         leave: date) -> None:
    rule = LeaveByRule(region, lambda method: 1)
    assert rule.leave_by(job(delivery=delivery)) == leave


def test_no_delivery_date_leaves_the_working_day_after_receipt() -> None:
    rule = LeaveByRule("england-wales", lambda method: 3)  # transit days do not apply
    assert rule.leave_by(job(received="2026-12-02T15:00:00Z")) == date(2026, 12, 3)
    assert rule.leave_by(job(received="2026-12-04T09:00:00Z")) == date(2026, 12, 7)  # Fri
    assert rule.leave_by(job(received="2026-12-24T09:00:00Z")) == date(2026, 12, 29)
    # 23:30 UTC on 30 Jun is 00:30 on 1 Jul in the UK: received on the 1st.
    assert rule.leave_by(job(received="2026-06-30T23:30:00Z")) == date(2026, 7, 2)
    assert rule.leave_by(job()) is None


def test_the_queue_order_is_leave_by_then_received() -> None:
    rule = LeaveByRule("england-wales", lambda method: 2 if method == "Slow" else 1)
    jobs = [job(1, delivery="2026-12-10", received="2026-12-01T09:00:00Z"),
            job(2, delivery="2026-12-10", received="2026-12-01T08:00:00Z", method="Slow"),
            job(3, received="2026-12-07T10:00:00Z"),  # leaves Tue 8
            job(4, delivery="2026-12-09", received="2026-12-01T07:00:00Z"),  # leaves Tue 8
            job(5)]
    assert [j.id for j in sorted(jobs, key=rule.order_key)] == [4, 2, 3, 1, 5]


def test_urgency_against_today() -> None:
    rule = LeaveByRule("england-wales", lambda method: 1)
    today = date(2026, 12, 2)
    assert rule.urgency(job(delivery="2026-12-02"), today) is Urgency.OVERDUE
    assert rule.urgency(job(delivery="2026-12-03"), today) is Urgency.TODAY
    assert rule.urgency(job(delivery="2026-12-04"), today) is Urgency.LATER
    assert rule.urgency(job(), today) is Urgency.UNKNOWN


def test_settings_carry_transit_days_and_region(tmp_path: pytest.TempPathFactory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_CONFIG_DIR", str(tmp_path))
    settings = Settings(holiday_region="scotland", delivery_methods={
        "Slow": DeliveryMethod("Slow", transit_days=3)})
    settings.save()
    loaded = Settings.load()
    assert loaded.holiday_region == "scotland"
    assert loaded.delivery_method("Slow").transit_days == 3
    assert loaded.delivery_method("Other").transit_days == 1  # the default
    rule = loaded.leave_by_rule()
    assert rule.leave_by(job(delivery="2026-12-03", method="Slow")) == date(2026, 11, 27)
    # A hand-edited file: an unknown region and a silly transit fall back to defaults.
    Settings.path().write_text('{"version": 2, "holiday_region": "mars", "delivery_methods":'
                               ' [{"name": "X", "transit_days": 9999},'
                               ' {"name": "Y", "transit_days": true}]}', encoding="utf-8")
    odd = Settings.load()
    assert odd.holiday_region == "england-wales"
    assert odd.delivery_method("X").transit_days == 1
    assert odd.delivery_method("Y").transit_days == 1
    assert method_from_json({"name": "Z", "transit_days": 0}).transit_days == 0  # type: ignore[union-attr]


def test_leave_by_is_in_uk_days_whatever_the_zone_given() -> None:
    rule = LeaveByRule("england-wales", lambda method: 0)
    late = Job.from_json({"id": 9, "status": "pending", "vouchers": [],
                          "delivery_date": datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
                          .isoformat()})
    assert rule.leave_by(late) == date(2026, 12, 7)  # 23:30 UTC in December is the 7th
