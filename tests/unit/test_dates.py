from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from fieldapp.domain.dates import end_of, local_date, month_bounds, start_of, week_bounds

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("month", "bounds"), [
    ("2026-11", (date(2026, 11, 1), date(2026, 11, 30))),
    ("2026-12", (date(2026, 12, 1), date(2026, 12, 31))),
    ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
])
def test_month_bounds(month, bounds):
    assert month_bounds(month) == bounds


@pytest.mark.parametrize(("week", "bounds"), [
    ("2026-W47", (date(2026, 11, 16), date(2026, 11, 22))),
    ("2026-w53", (date(2026, 12, 28), date(2027, 1, 3))),
    ("2027-W01", (date(2027, 1, 4), date(2027, 1, 10))),
])
def test_week_bounds(week, bounds):
    assert week_bounds(week) == bounds


@pytest.mark.parametrize("bad", ["2026-13", "2026-11-01", "26-11"])
def test_bad_month_is_a_value_error(bad):
    with pytest.raises(ValueError):
        month_bounds(bad)


@pytest.mark.parametrize("bad", ["2026-W54", "2026-47", "2026-Wx"])
def test_bad_week_is_a_value_error(bad):
    with pytest.raises(ValueError):
        week_bounds(bad)


def test_a_local_day_runs_from_local_midnight_to_the_next():
    assert start_of(date(2026, 11, 22), SHANGHAI) == datetime(2026, 11, 21, 16, tzinfo=UTC)
    assert end_of(date(2026, 11, 22), SHANGHAI) == datetime(2026, 11, 22, 16, tzinfo=UTC)
    assert local_date(datetime(2026, 11, 21, 16, tzinfo=UTC), SHANGHAI) == date(2026, 11, 22)
