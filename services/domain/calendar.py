"""Working days on the official Chinese calendar (holidays and make-up working days, 调休) and Shanghai time.

Where the facts come from. `chinese-calendar` knows the years the State Council has published; a release each
November adds the next year. For a year it does not know yet, `working_year` keeps the holidays the law fixes by the
solar calendar — 国务院《全国年节及纪念日放假办法》 art. 2 as amended in 2024: 元旦 (1 January), 劳动节 (1–2 May),
国庆节 (1–3 October) — and 清明节 (the day of the solar term 清明, which the package computes for any year to 2100),
and marks the year provisional. It guesses nothing else: the lunar holidays (春节 from 除夕 to 初三, 端午, 中秋) need a
lunar calendar and no maintained library for one is installed; the substitute day off for a holiday that falls on a
weekend (补假) and the weekend days made working days (调休) are the State Council's decision of each year. A date
counted through such a year is provisional (`WorkingDate.provisional`), and is shown so where a user sees it.

Two calendars answer the same questions. `PackageCalendar` reads the installed package when asked (the API, the
tests, and workflow runs started before `working-calendar-from-history`). `WorkingCalendar` holds years read
earlier (`WorkingYear`) and raises `YearNotLoaded` for any other: the loan workflow computes with one built from
answers recorded in its history, so that an upgrade of the package never changes what a replay computes
(services/workflows/loan/working_days.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from contracts.calendar import WorkingYear

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The holidays of all citizens that the solar calendar fixes (放假办法 art. 2, as amended 2024, in force 2025).
FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)


class YearNotLoaded(LookupError):
    """A `WorkingCalendar` was asked about a year it does not hold (the workflow asks for it, then computes again)."""

    def __init__(self, year: int) -> None:
        super().__init__(f"the working calendar of {year} is not loaded")
        self.year = year


@dataclass(frozen=True)
class WorkingDate:
    """A date counted in working days; `provisional` when a day counted lies in a year the package did not know."""

    day: date
    provisional: bool


def package_knows(year: int) -> bool:
    """Whether the installed `chinese-calendar` has the State Council's arrangement for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def statutory_holidays(year: int) -> list[date]:
    """The statutory holidays of `year` that need no lunar calendar and no yearly decision (module docstring)."""
    days = [date(year, month, day) for month, day, _ in FIXED_HOLIDAYS]
    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    except NotImplementedError:  # past 2100
        terms = []
    days += [day for day, name in terms if name == "清明"]
    return sorted(days)


def working_year(year: int, *, statutory_fallback: bool = True) -> WorkingYear:
    """What the installed package says of `year`; for a year it does not know, the statutory fixed holidays (or,
    with `statutory_fallback=False`, plain Monday to Friday, as before: kept for runs started before the change)."""
    version = f"chinese-calendar {chinese_calendar.__version__}"
    if not package_knows(year):
        days_off = [d for d in statutory_holidays(year) if d.weekday() < 5] if statutory_fallback else []
        how = "statutory fixed holidays only" if statutory_fallback else "Monday to Friday"
        return WorkingYear(year=year, days_off=days_off, provisional=True, source=f"{version}: year unknown, {how}")
    days = [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    return WorkingYear(
        year=year,
        days_off=[d for d in days if d.weekday() < 5 and not chinese_calendar.is_workday(d)],
        weekend_workdays=[d for d in days if d.weekday() >= 5 and chinese_calendar.is_workday(d)],
        provisional=False,
        source=version,
    )


@dataclass(frozen=True)
class _Year:
    days_off: frozenset[date]
    weekend_workdays: frozenset[date]
    provisional: bool

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return day in self.weekend_workdays
        return day not in self.days_off


class WorkingCalendar:
    """Working days from the years it holds; any other year raises `YearNotLoaded`. `consulted` collects the years
    a computation looked at (the workflow asks again for those that are provisional)."""

    def __init__(self, years: Iterable[WorkingYear] = ()) -> None:
        self._years: dict[int, _Year] = {}
        for year in years:
            self._add(year)
        self.consulted: set[int] = set()

    def _add(self, year: WorkingYear) -> _Year:
        held = _Year(frozenset(year.days_off), frozenset(year.weekend_workdays), year.provisional)
        self._years[year.year] = held
        return held

    def _missing(self, year: int) -> _Year:
        raise YearNotLoaded(year)

    def _year(self, year: int) -> _Year:
        held = self._years.get(year)
        if held is None:
            held = self._missing(year)
        self.consulted.add(year)
        return held

    def is_working_day(self, day: date) -> bool:
        return self._year(day.year).is_working_day(day)

    def is_provisional(self, day: date) -> bool:
        return self._year(day.year).provisional


class PackageCalendar(WorkingCalendar):
    """The installed package, read when a year is first asked about."""

    def __init__(self, *, statutory_fallback: bool = True) -> None:
        super().__init__()
        self._statutory_fallback = statutory_fallback

    def _missing(self, year: int) -> _Year:
        return self._add(working_year(year, statutory_fallback=self._statutory_fallback))


def calendar_is_official(day: date) -> bool:
    return package_knows(day.year)


def is_working_day(day: date, calendar: WorkingCalendar | None = None) -> bool:
    return (calendar or PackageCalendar()).is_working_day(day)


def working_deadline(start: date, days: int, calendar: WorkingCalendar | None = None) -> WorkingDate:
    """The date `days` working days after `start` (start itself does not count), and whether it is provisional."""
    if days < 0:
        raise ValueError("days must not be negative")
    calendar = calendar or PackageCalendar()
    current, remaining, provisional = start, days, False
    while remaining:
        current += timedelta(days=1)
        provisional = provisional or calendar.is_provisional(current)
        if calendar.is_working_day(current):
            remaining -= 1
    return WorkingDate(current, provisional)


def add_working_days(start: date, days: int, calendar: WorkingCalendar | None = None) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    return working_deadline(start, days, calendar).day


def working_days_between(start: date, end: date, calendar: WorkingCalendar | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    calendar = calendar or PackageCalendar()
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return count


def shanghai_date(moment: datetime) -> date:
    """The calendar date in Shanghai of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The first instant after `day` ends in Shanghai (a deadline "by the end of `day`")."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)
