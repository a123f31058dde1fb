"""One year of the working-day calendar as a worker read it, and how a workflow asks for it (a local activity
whose answer Temporal records, so that a replay reads the answer of its day, not today's calendar package)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.base import Model


class LookUpWorkingYearInput(Model):
    year: int = Field(ge=1900, le=2999)


class WorkingYear(Model):
    """Which days of `year` break the Monday-to-Friday rule: weekdays off (holidays) and weekend days worked (调休).

    `provisional` when the calendar package did not know the year, so that only the statutory fixed holidays are
    in it (services/domain/calendar.py says which) and a deadline that counts its days may still move."""

    year: int
    days_off: list[date] = Field(default_factory=list, description="Monday to Friday days that are not worked")
    weekend_workdays: list[date] = Field(default_factory=list, description="Saturdays and Sundays that are worked")
    provisional: bool
    source: str = Field(description="the package and version that answered, and how")
