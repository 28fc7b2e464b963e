"""Presence rules on hand-made days: windows, statuses, requirements, findings, detectors."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from fieldapp.domain.detectors import haversine_m, implausible_speed, static_location
from fieldapp.domain.policies import POLICIES, period_of, periods_overlapping, required
from fieldapp.domain.presence import (
    ABSENT,
    EXCUSED,
    NO_DATA,
    PRESENT,
    VERDICT_CODES,
    PeriodTally,
    Windows,
    count_verdicts,
    day_and_night_status,
    period_findings,
    window_table,
)

ZONE = ZoneInfo("Asia/Shanghai")
DAYS = [date(2026, 11, 16), date(2026, 11, 17)]


def at(day: date, hour: int, minute: int = 0) -> float:
    return datetime.combine(day, time(hour, minute), ZONE).timestamp()


def statuses(pings: list[tuple[float, str]], excused=(False, False)):
    """Day and night statuses of DAYS for (epoch, verdict) pings."""
    windows = Windows()
    table = window_table(DAYS, windows, ZONE)
    epoch = np.array([p[0] for p in pings], dtype=float)
    verdict = np.array([VERDICT_CODES[p[1]] for p in pings], dtype=int)
    day, slot = table.locate(epoch)
    keep = day >= 0
    counts = count_verdicts(day[keep], slot[keep], verdict[keep], len(DAYS), windows.slots)
    return day_and_night_status(counts, np.array(excused))


def test_windows_are_located_in_local_time():
    table = window_table(DAYS, Windows(), ZONE)
    day, slot = table.locate(np.array([at(DAYS[0], 7, 59), at(DAYS[0], 8), at(DAYS[0], 12),
                                       at(DAYS[0], 23), at(DAYS[1], 5, 59), at(DAYS[1], 6)]))
    assert day.tolist() == [-1, 0, 0, 0, 0, -1]
    assert slot.tolist() == [-1, 0, 1, 2, 2, -1]


def test_day_needs_an_inside_ping_in_every_window():
    d0, d1 = DAYS
    day, _ = statuses([(at(d0, 9), "inside"), (at(d0, 15), "inside"), (at(d1, 9), "inside")])
    assert day.tolist() == [PRESENT, ABSENT]


def test_night_present_only_without_outside_pings():
    d0, d1 = DAYS
    _, night = statuses([(at(d0, 22), "inside"), (at(d1, 2), "inside"),
                         (at(d1, 22), "inside"), (at(d1, 23), "outside")])
    assert night.tolist() == [PRESENT, ABSENT]


def test_silence_and_uncertain_pings_are_no_data():
    d0, _ = DAYS
    day, night = statuses([(at(d0, 9), "uncertain"), (at(d0, 23), "uncertain")])
    assert day.tolist() == [NO_DATA, NO_DATA]
    assert night.tolist() == [NO_DATA, NO_DATA]


def test_excused_beats_everything():
    d0, _ = DAYS
    day, night = statuses([(at(d0, 9), "outside"), (at(d0, 23), "outside")],
                          excused=(True, False))
    assert day.tolist() == [EXCUSED, NO_DATA]
    assert night.tolist() == [EXCUSED, NO_DATA]


@pytest.mark.parametrize("spec, night", [("08:00-12:00,11:00-18:00", "21:00-06:00"),
                                         ("08:00-12:00", "05:00-06:00"),
                                         ("12:00-08:00", "21:00-06:00"),
                                         ("8h-12h", "21:00-06:00"),
                                         ("07:00-22:00", "21:00-06:00")])
def test_bad_window_settings_are_refused(spec, night):
    with pytest.raises(ValueError):
        Windows.parse(spec, night)


def test_dst_zone_keeps_local_hours():
    zone = ZoneInfo("Europe/Berlin")
    day = date(2026, 3, 29)  # clocks go forward at 02:00
    table = window_table([day], Windows(), zone)
    assert table.ends[-1] - table.starts[-1] == 9 * 3600  # 21:00 → 06:00, no DST that night
    assert datetime.fromtimestamp(table.starts[0], zone).hour == 8


def test_periods():
    week = POLICIES["weekly_5d4n"]
    assert period_of(week, date(2026, 11, 22)) == (date(2026, 11, 16), date(2026, 11, 22))
    month = POLICIES["monthly_8d"]
    assert period_of(month, date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert periods_overlapping(week, date(2026, 11, 1), date(2026, 11, 10)) == [
        (date(2026, 10, 26), date(2026, 11, 1)), (date(2026, 11, 2), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15))]


@pytest.mark.parametrize("minimum, period, active, excused, expected", [
    (5, 7, 7, 0, 5), (4, 7, 7, 0, 4), (5, 7, 3, 0, 3), (4, 7, 3, 0, 2), (5, 7, 7, 3, 2),
    (5, 7, 7, 6, 0), (8, 30, 30, 0, 8), (8, 30, 15, 0, 4), (4, 28, 7, 0, 1), (0, 7, 7, 0, 0)])
def test_required_follows_the_design_formula(minimum, period, active, excused, expected):
    assert required(minimum, period, active, excused) == expected


def tally(**kw):
    base = dict(required_days=5, required_nights=4, present_days=5, present_nights=4,
                no_data_days=0, no_data_nights=0)
    return PeriodTally(**{**base, **kw})


def test_day_visitor_sleeping_elsewhere_is_not_resident_only():
    assert period_findings(tally(present_days=7, present_nights=0), 2) == ["not_resident"]


def test_silent_phone_is_no_data_never_absent():
    assert period_findings(tally(present_days=0, present_nights=0, no_data_days=7,
                                 no_data_nights=7), 2) == ["no_data"]


def test_compliant_week_raises_nothing():
    assert period_findings(tally(no_data_days=1), 2) == []


def test_absent_cadre():
    assert period_findings(tally(present_days=2, present_nights=1), 2) == [
        "not_resident", "absent"]


def test_speed_between_consecutive_fixes_of_one_cadre():
    cadre = np.array([1, 1, 1, 2])
    t = np.array([0.0, 60.0, 120.0, 121.0])
    lat = np.array([36.0, 36.0, 36.5, 36.0])
    lon = np.array([115.0, 115.001, 115.0, 115.0])
    acc = np.array([10.0, 10.0, np.nan, 10.0])
    assert implausible_speed(cadre, t, lat, lon, acc, 55.0).tolist() == [False, False, True,
                                                                        False]


def test_coarse_fixes_do_not_make_a_jump():
    cadre = np.array([1, 1])
    lat, lon = np.array([36.0, 36.0]), np.array([115.0, 115.02])  # ~1.8 km apart
    acc = np.array([1000.0, 1000.0])
    assert not implausible_speed(cadre, np.array([0.0, 10.0]), lat, lon, acc, 55.0).any()


def test_static_location_needs_repeats_on_several_days():
    cadre = np.array([1, 1, 1, 2, 2])
    day = np.array([0, 1, 1, 0, 0])
    lat = np.array([36.1234561, 36.1234561, 36.1234570, 36.2, 36.2])
    lon = np.array([115.1, 115.1, 115.1, 115.2, 115.2])
    assert static_location(cadre, day, lat, lon, 2, 0.2).tolist() == [True, True, False,
                                                                      False, False]


def test_chance_repeats_in_real_jitter_are_not_static():
    rng = np.random.default_rng(1)
    n = 2016  # a week of fixes every 5 minutes, jittering ~3 m
    lat, lon = 36.0 + rng.normal(0, 3e-5, n), 115.0 + rng.normal(0, 3e-5, n)
    day = np.arange(n) // 288
    cadre = np.ones(n, dtype=int)
    assert static_location(cadre, day, lat, lon, 2, 0.0).any()  # chance repeats exist
    assert not static_location(cadre, day, lat, lon, 2, 0.2).any()
    lat[::3], lon[::3] = 36.001, 115.001  # a third of them typed in
    assert static_location(cadre, day, lat, lon, 2, 0.2).sum() == len(lat[::3])


def test_haversine_one_degree_of_latitude():
    assert haversine_m(np.array([36.0]), np.array([115.0]), np.array([37.0]),
                       np.array([115.0]))[0] == pytest.approx(111195, rel=1e-3)
