"""Working days in the loan workflow: from calendar answers recorded in its history, never from the package.

Why. `chinese-calendar` gains the next year in a release each November (and may correct a year it had). A workflow
that read it directly would count on the new data whenever it replays after the worker is upgraded (a restart, a
cache eviction): a filing deadline counted as 2027-01-04 would become 2027-01-05, the timer that fired for the
deadline would find nothing due, and the replay would fail on a command it no longer gives — or, where no command
changes, silently hold a deadline other than the one the loan announced and wrote.

How. The workflow asks the worker for one year of the calendar at a time (the local activity `look_up_working_year`,
services/workflows/activities/calendar.py); Temporal records the answer as a marker, and a replay reads that marker
instead of running the activity, so it counts on the answer of its day whatever package is installed. The pure
functions count on the calendar they are given (`WorkingCalendar`, services/domain/calendar.py); a computation that
meets a year not asked for yet stops (`YearNotLoaded`), the year is asked for, and it runs again. Answers are kept
for the run. A provisional year (unknown to the package: statutory fixed holidays only) is asked again at the first
computation of each later day (Shanghai), so the official calendar of a later release is used from then on — that
answer is recorded too. A date already computed (a filing's deadline) is in the state and does not move; a run
continued as new starts with no answers and asks again.

Runs started before `working-calendar-from-history` keep reading the package (Monday to Friday in a year it does not
know), so that their histories replay as recorded; the decision is taken once per run, never in a validator or in a
wait condition (`workflow.patched` may add a command)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.calendar import LookUpWorkingYearInput, WorkingYear
    from contracts.loans import OpenLoanInput
    from contracts.names import Activity
    from services.domain import loan_timers as timers
    from services.domain.calendar import PackageCalendar, WorkingCalendar, YearNotLoaded
from services.workflows.loan.core import LoanCore

WORKING_CALENDAR_FROM_HISTORY = "working-calendar-from-history"
LOOK_UP_TIMEOUT = timedelta(seconds=5)  # reading a table of the installed package
# Said after a deadline counted through a year whose official calendar is not published yet.
PROVISIONAL = " (provisional: the official holiday calendar of that year is not published yet)"

T = TypeVar("T")


class WorkingDays(LoanCore):
    def _setup(self, data: OpenLoanInput) -> None:
        super()._setup(data)
        self._working_years: dict[int, WorkingYear] = {}
        self._years_asked_on: dict[int, date] = {}
        self._recorded_calendar: bool | None = None  # decided at the first computation of the run
        self._package_calendar = PackageCalendar(statutory_fallback=False)  # older runs: each year read once

    def _calendar_from_history(self) -> bool:
        if self._recorded_calendar is None:
            self._recorded_calendar = workflow.patched(WORKING_CALENDAR_FROM_HISTORY)
        return self._recorded_calendar

    def _calendar(self) -> WorkingCalendar:
        """The calendar as recorded so far (raises `YearNotLoaded` past it), or the package for an older run."""
        assert self._recorded_calendar is not None, "decided by `_with_calendar` before any synchronous use"
        if self._recorded_calendar:
            return WorkingCalendar(self._working_years.values())
        return self._package_calendar

    async def _with_calendar(self, compute: Callable[[WorkingCalendar], T]) -> T:
        """`compute` on the recorded calendar, after asking for each year it needs and has not (or, provisional,
        not today)."""
        if not self._calendar_from_history():
            return compute(self._calendar())
        today = self._today()
        while True:
            calendar = self._calendar()
            try:
                result = compute(calendar)
            except YearNotLoaded as missing:
                await self._ask_for_year(missing.year)
                continue
            stale = sorted(
                year
                for year in calendar.consulted
                if self._working_years[year].provisional and self._years_asked_on[year] < today
            )
            if not stale:
                return result
            for year in stale:
                await self._ask_for_year(year)

    async def _ask_for_year(self, year: int) -> None:
        self._working_years[year] = await workflow.execute_local_activity(
            Activity.LOOK_UP_WORKING_YEAR,
            LookUpWorkingYearInput(year=year),
            result_type=WorkingYear,
            start_to_close_timeout=LOOK_UP_TIMEOUT,
        )
        self._years_asked_on[year] = self._today()

    # ---- the timer before disbursement (its reminder counts working days) ---------------------------------------

    async def _next_open_timer(self) -> datetime | None:
        return await self._with_calendar(lambda calendar: timers.next_open_moment(self.state, calendar))

    def _next_timer(self) -> datetime | None:
        return timers.next_open_moment(self.state, self._calendar())

    def _open_timer_moved(self, at: datetime | None) -> bool:
        """Whether a step moved the moment the loop waits for (or needs a year not asked for: the loop asks)."""
        try:
            return self._next_timer() != at
        except YearNotLoaded:
            return True
