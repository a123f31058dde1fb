"""Working days on the official Chinese calendar (holidays and make-up working days, 调休) and Shanghai time.

`chinese-calendar` knows the years the State Council has published. For a later year it cannot know, a
date counts as a working day when it is Monday to Friday; `calendar_is_official(d)` says which case applies.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def calendar_is_official(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def shanghai_date(moment: datetime) -> date:
    """The calendar date in Shanghai of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The first instant after `day` ends in Shanghai (a deadline "by the end of `day`")."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)
