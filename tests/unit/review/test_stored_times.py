"""Times stored as text by SQLite come back as aware UTC datetimes, whichever ISO 8601 form was stored."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from review.db import utc_from_text


@pytest.mark.parametrize("stored, expected", [
    ("2026-12-01 15:40:58.123456", datetime(2026, 12, 1, 15, 40, 58, 123456, tzinfo=timezone.utc)),  # as SQLAlchemy writes it
    ("2026-12-01 15:40:58", datetime(2026, 12, 1, 15, 40, 58, tzinfo=timezone.utc)),
    ("2026-12-01T17:40:58+02:00", datetime(2026, 12, 1, 15, 40, 58, tzinfo=timezone.utc)),  # written with an offset
    ("2026-12-01T15:40:58Z", datetime(2026, 12, 1, 15, 40, 58, tzinfo=timezone.utc)),
    ("2026-12-01", datetime(2026, 12, 1, tzinfo=timezone.utc)),
])
def test_a_stored_time_reads_back_as_the_same_instant_in_utc(stored, expected):
    value = utc_from_text(stored)
    assert value == expected and value.utcoffset().total_seconds() == 0


def test_no_stored_time_stays_none_and_garbage_is_refused():
    assert utc_from_text(None) is None
    with pytest.raises(ValueError):
        utc_from_text("yesterday")
