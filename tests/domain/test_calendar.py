"""Working days on the official Chinese calendar, with holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import date, datetime

import chinese_calendar
import pytest

from services.domain.calendar import (
    SHANGHAI,
    PackageCalendar,
    WorkingCalendar,
    WorkingDate,
    YearNotLoaded,
    add_working_days,
    calendar_is_official,
    end_of_day,
    is_working_day,
    shanghai_date,
    statutory_holidays,
    working_days_between,
    working_deadline,
    working_year,
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


def test_a_deadline_in_a_published_year_is_not_provisional() -> None:
    assert working_deadline(date(2026, 9, 30), 2) == WorkingDate(date(2026, 10, 9), provisional=False)
    assert working_deadline(date(2026, 12, 29), 2) == WorkingDate(date(2026, 12, 31), provisional=False)


@pytest.mark.usefixtures("published_to_2026")
class TestUnpublishedYear:
    """A year chinese-calendar does not know yet (2027 on with 1.11): weekends and the statutory fixed holidays."""

    def test_new_years_day_is_not_a_working_day(self) -> None:
        assert not calendar_is_official(date(2027, 1, 1))
        # Thursday 31 December counts, Friday 1 January (元旦) and the weekend do not: Monday 4 January, by hand.
        assert working_deadline(date(2026, 12, 30), 2) == WorkingDate(date(2027, 1, 4), provisional=True)

    def test_labour_day_national_day_and_qingming(self) -> None:
        assert statutory_holidays(2028) == [
            date(2028, 1, 1),
            date(2028, 4, 4),  # 清明, the day of the solar term
            date(2028, 5, 1),
            date(2028, 5, 2),
            date(2028, 10, 1),
            date(2028, 10, 2),
            date(2028, 10, 3),
        ]
        assert add_working_days(date(2028, 4, 28), 2) == date(2028, 5, 4)  # Friday → Wednesday past 1–2 May
        assert add_working_days(date(2028, 9, 29), 1) == date(2028, 10, 4)

    def test_no_make_up_working_day_is_guessed(self) -> None:
        year = working_year(2027)
        assert year.provisional
        assert year.weekend_workdays == []
        assert year.days_off == [date(2027, 1, 1), date(2027, 4, 5), date(2027, 10, 1)]  # the weekdays among them
        assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Friday → Monday

    def test_runs_started_before_the_change_keep_monday_to_friday(self) -> None:
        legacy = PackageCalendar(statutory_fallback=False)
        assert working_deadline(date(2026, 12, 30), 2, legacy) == WorkingDate(date(2027, 1, 1), provisional=True)


@pytest.mark.usefixtures("published_to_2026")
class TestRecordedYears:
    """A calendar of years read earlier answers as they were read, whatever the package says now."""

    def test_a_year_not_held_is_asked_for(self) -> None:
        calendar = WorkingCalendar([working_year(2026)])
        with pytest.raises(YearNotLoaded) as missing:
            add_working_days(date(2026, 12, 30), 2, calendar)
        assert missing.value.year == 2027
        assert calendar.consulted == {2026}

    def test_an_upgraded_package_does_not_change_a_recorded_answer(self, monkeypatch: pytest.MonkeyPatch) -> None:
        recorded = WorkingCalendar([working_year(2026), working_year(2027)])
        # The next release publishes 2027 (here: 1–4 January off, hypothetically).
        for day in (1, 2, 3, 4):
            monkeypatch.setitem(chinese_calendar.holidays, date(2027, 1, day), "New Year's Day")
        assert working_deadline(date(2026, 12, 30), 2) == WorkingDate(date(2027, 1, 5), provisional=False)
        assert working_deadline(date(2026, 12, 30), 2, recorded) == WorkingDate(date(2027, 1, 4), provisional=True)
        assert recorded.consulted == {2026, 2027}


def test_shanghai_dates() -> None:
    late_utc = datetime.fromisoformat("2026-11-21T20:30:00+00:00")
    assert shanghai_date(late_utc) == date(2026, 11, 22)
    assert end_of_day(date(2026, 11, 22)) == datetime(2026, 11, 23, tzinfo=SHANGHAI)
