"""Window instances and what the `minimal` collection profile keeps (domain/collection.py)."""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np

from fieldapp.domain.collection import (
    instance_keys,
    minimal_keeps,
    window_at,
    window_instances,
)
from fieldapp.domain.presence import Windows

ZONE = ZoneInfo("Asia/Shanghai")
WINDOWS = Windows()  # 08-12, 12-18, night 21-06
DAY = date(2026, 11, 23)


def epoch(day: date, hour: int, minute: int = 0) -> float:
    return datetime.combine(day, time(hour, minute), ZONE).timestamp()


def test_each_instant_lies_in_one_window_instance_or_none():
    nextday = date(2026, 11, 24)
    instants = np.array([epoch(DAY, 9), epoch(DAY, 12), epoch(DAY, 19), epoch(DAY, 23),
                         epoch(nextday, 3), epoch(nextday, 6), epoch(DAY, 7, 59)])
    ordinal, slot = window_instances(instants, WINDOWS, ZONE)
    assert slot.tolist() == [0, 1, -1, 2, 2, -1, -1]
    # 03:00 on the 24th belongs to the night that starts on the 23rd
    assert ordinal.tolist() == [DAY.toordinal()] * 2 + [-1] + [DAY.toordinal()] * 2 + [-1, -1]


def test_an_early_morning_fix_belongs_to_the_night_before_the_first_date():
    ordinal, slot = window_instances(np.array([epoch(DAY, 2)]), WINDOWS, ZONE)
    assert (ordinal[0], slot[0]) == (DAY.toordinal() - 1, 2)
    assert [len(a) for a in window_instances(np.array([]), WINDOWS, ZONE)] == [0, 0]


def keeps(instants, verdicts, always=None, kept=()):
    instants = np.array(instants)
    ordinal, slot = window_instances(instants, WINDOWS, ZONE)
    key = instance_keys(ordinal, slot, np.array(verdicts), WINDOWS)
    always = np.zeros(len(instants), bool) if always is None else np.array(always)
    return minimal_keeps(key, instants, always, np.array(kept, dtype=int)).tolist(), key


def test_the_first_fix_of_each_verdict_in_each_instance_is_kept():
    # morning: inside 09:05, inside 09:00 (earlier: kept), outside 10:00, uncertain 11:00;
    # afternoon: inside 13:00; 19:00 lies in no window
    kept, _ = keeps([epoch(DAY, 9, 5), epoch(DAY, 9), epoch(DAY, 10), epoch(DAY, 11),
                     epoch(DAY, 13), epoch(DAY, 19), epoch(DAY, 11, 30)],
                    [0, 0, 1, 2, 0, 0, 1])
    assert kept == [False, True, True, True, True, False, False]


def test_what_is_already_stored_is_not_kept_twice_and_always_kept_fixes_are():
    _, key = keeps([epoch(DAY, 9)], [0])
    kept, _ = keeps([epoch(DAY, 9, 30), epoch(DAY, 9, 40), epoch(DAY, 19)], [0, 0, 0],
                    always=[False, True, True], kept=key.tolist())
    assert kept == [False, True, True]  # a mock or challenge answer, even outside windows


def test_the_window_now_lies_in_and_the_next_opening():
    window, upcoming = window_at(datetime.combine(DAY, time(9), ZONE), WINDOWS, ZONE)
    assert (window.kind, window.starts_at, window.ends_at) == (
        "day", datetime.combine(DAY, time(8), ZONE).astimezone(UTC),
        datetime.combine(DAY, time(12), ZONE).astimezone(UTC))
    assert upcoming == datetime.combine(DAY, time(12), ZONE)
    window, upcoming = window_at(datetime.combine(DAY, time(19), ZONE), WINDOWS, ZONE)
    assert window is None and upcoming == datetime.combine(DAY, time(21), ZONE)
    window, upcoming = window_at(datetime.combine(DAY, time(2), ZONE), WINDOWS, ZONE)
    assert window.kind == "night" and window.ends_at == datetime.combine(DAY, time(6), ZONE)
    assert upcoming == datetime.combine(DAY, time(8), ZONE)
    window, upcoming = window_at(datetime.combine(DAY, time(6, 30), ZONE), WINDOWS, ZONE)
    assert window is None and upcoming == datetime.combine(DAY, time(8), ZONE)
