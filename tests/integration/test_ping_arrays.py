"""The evaluation's read of pings into NumPy columns, on both databases."""
from datetime import UTC, datetime, timedelta

import numpy as np

from fieldapp.domain.dates import start_of
from fieldapp.models.types import utcnow
from fieldapp.services.presence.ping_arrays import PING_ARRAY_COLUMNS, read_ping_arrays

from .helpers import VILLAGE, make_cadre
from .presence_helpers import ZONE, inside, send


def test_columns_are_exact_sorted_and_bounded(ctx, configure):
    configure(COLLECTION="track")  # every fix stored
    first, second = make_cadre(), make_cadre()
    here = inside(VILLAGE)
    day = (utcnow() - timedelta(days=2)).astimezone(ZONE).date()
    start = start_of(day, ZONE)

    def moment(seconds: float) -> str:
        return (start + timedelta(seconds=seconds)).isoformat()

    # out of order, two at the same instant, one on each bound of the range
    send(second.id, [(moment(3600.000001), here, 12.5)], jitter=False, mock=True)
    send(first.id, [(moment(7200.999999), here, None), (moment(0), here, 30.0),
                    (moment(86400), here, 30.0)], jitter=False)
    send(first.id, [(moment(7200.999999), here, 5.0)], jitter=False, mock=False)
    columns = read_ping_arrays([second.id, first.id], start, start + timedelta(days=1))

    assert [(name, columns[name].dtype) for name, _ in PING_ARRAY_COLUMNS] == [
        (name, np.dtype(kind)) for name, kind in PING_ARRAY_COLUMNS]
    assert columns["cadre"].tolist() == [first.id] * 3 + [second.id]
    expected = [start + timedelta(seconds=s) for s in (0, 7200.999999, 7200.999999,
                                                        3600.000001)]
    assert columns["epoch"].tolist() == [t.timestamp() for t in expected]
    tied = columns["id"][1:3]
    assert tied[0] < tied[1]  # a tie in time goes by id
    np.testing.assert_array_equal(columns["accuracy"], [30.0, np.nan, 5.0, 12.5])
    assert columns["mock"].tolist() == [False, False, False, True]
    assert columns["lat"].tolist() == [here[0]] * 4 == columns["orig_lat"].tolist()
    received = [datetime.fromtimestamp(t, UTC) for t in columns["received"]]
    assert all(abs(t - utcnow()) < timedelta(minutes=5) for t in received)


def test_nothing_recorded_gives_empty_columns(ctx):
    cadre = make_cadre()
    columns = read_ping_arrays([cadre.id], utcnow() - timedelta(days=1), utcnow())
    assert {name: (len(values), values.dtype) for name, values in columns.items()} == {
        name: (0, np.dtype(kind)) for name, kind in PING_ARRAY_COLUMNS}
