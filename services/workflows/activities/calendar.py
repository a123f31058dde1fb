"""The working-day calendar as the worker's installed package answers it, for the workflows to record.

A workflow never reads the package itself: what it reads is asked here, as a local activity whose answer Temporal
records, so that a replay after the package is upgraded reads the answer of its day (services/workflows/loan/
working_days.py)."""

from __future__ import annotations

from temporalio import activity

from contracts.calendar import LookUpWorkingYearInput, WorkingYear
from contracts.names import Activity
from services.domain.calendar import working_year


@activity.defn(name=Activity.LOOK_UP_WORKING_YEAR)
async def look_up_working_year(data: LookUpWorkingYearInput) -> WorkingYear:
    return working_year(data.year)
