"""Working days on the official Chinese calendar, with holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.domain.calendar import (
    SHANGHAI,
    add_working_days,
    calendar_is_official,
    end_of_day,
    is_working_day,
    shanghai_date,
    working_days_between,
)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 10), True),  # a Saturday made a working day (调休)
        (date(2026, 10, 11), False),
        (date(2026, 2, 28), True),  # Spring Festival make-up Saturday
        (date(2026, 11, 23), True),
    ],
)
def test_official_calendar(day: date, working: bool) -> None:
    assert calendar_is_official(day)
    assert is_working_day(day) is working


def test_registration_deadline_across_national_day() -> None:
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)  # the make-up Saturday counts
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2


def test_unpublished_year_falls_back_to_weekdays() -> None:
    assert not calendar_is_official(date(2031, 1, 3))
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Friday → Monday


def test_shanghai_dates() -> None:
    late_utc = datetime.fromisoformat("2026-11-21T20:30:00+00:00")
    assert shanghai_date(late_utc) == date(2026, 11, 22)
    assert end_of_day(date(2026, 11, 22)) == datetime(2026, 11, 23, tzinfo=SHANGHAI)
