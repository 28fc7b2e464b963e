from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fieldapp.services.ingest.ping_insert import sql_timestamp


def test_sql_timestamp_is_naive_utc_always_with_microseconds():
    shanghai = datetime(2026, 11, 22, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert sql_timestamp(shanghai) == "2026-11-22 00:00:00.000000"
    assert sql_timestamp(datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC)) == (
        "2026-01-02 03:04:05.000060")
