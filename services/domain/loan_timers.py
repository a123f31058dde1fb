"""What a loan's timers decide, as pure functions of its state and the clock: when the loan must next wake, and
what is due when it does. The workflow (services/workflows/loan) keeps one durable timer at a time for the moment
these say, and turns what is due into events; the order of what they return is the order of those events.

Before disbursement: the idle case's reminder (`reminder_working_days` working days after the last activity or
the last reminder, counted on the `WorkingCalendar` the workflow gives: see services/domain/calendar.py) and each
pending registration's deadline. In servicing: a reminder `due_reminder_days` before
each due date, each due date, the day the loan would enter the next tier, the day the guarantor is to be asked to
compensate (`compensation_days` past due), a trademark pledge's extension reminder, a release's deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from contracts.enums import RiskTier, Stage
from contracts.loan_state import Filing, LoanState, Release, Servicing
from contracts.servicing import Ledger, LedgerLine
from services.domain import servicing as ledgers
from services.domain.calendar import WorkingCalendar, add_working_days, end_of_day, shanghai_date
from services.domain.loan_rules import extendable_assets


def start_of(day: date) -> datetime:
    """The first instant of `day` in Shanghai."""
    return end_of_day(day - timedelta(days=1))


# ---- before disbursement ----------------------------------------------------------------------------------------


def reminder_due(state: LoanState, calendar: WorkingCalendar) -> datetime:
    """When an idle case raises its (next) reminder: working days after its last activity or reminder."""
    idle_since = shanghai_date(state.last_activity_at)
    if state.reminders and state.reminders[-1].raised_at > state.last_activity_at:
        idle_since = shanghai_date(state.reminders[-1].raised_at)
    return end_of_day(add_working_days(idle_since, state.config.reminder_working_days, calendar))


def awaiting_outcome(state: LoanState) -> list[Filing]:
    """Filings whose deadline runs: pending, not yet flagged, while the loan is in registration (a guarantor's
    decline sends the loan back to approval and pauses them)."""
    if state.stage is not Stage.REGISTRATION:
        return []
    return [f for f in state.filings.values() if f.outcome == "pending" and not f.overdue]


def next_open_moment(state: LoanState, calendar: WorkingCalendar) -> datetime:
    """When a loan before disbursement must next wake."""
    return min([reminder_due(state, calendar), *(end_of_day(f.deadline) for f in awaiting_outcome(state))])


def overdue_filings(state: LoanState, now: datetime) -> list[Filing]:
    """Filings whose outcome is late as of `now`, in the order they are flagged."""
    return [f for f in awaiting_outcome(state) if end_of_day(f.deadline) <= now]


# ---- servicing ----------------------------------------------------------------------------------------------------


def guarantor_of(state: LoanState) -> str | None:
    return state.proposal.guarantor_id if state.proposal else None


def release_awaited(release: Release) -> bool:
    return release.outcome == "pending" and not release.overdue


def next_servicing_moment(state: LoanState, today: date) -> datetime | None:
    """When a disbursed loan must next wake (None: nothing can change by time alone)."""
    servicing = state.servicing
    assert servicing is not None
    moments: list[datetime] = []
    if state.stage is Stage.SERVICING:
        moments += _instalment_moments(state, servicing) + _extension_moments(state, servicing)
    if state.stage in (Stage.SERVICING, Stage.DEFAULT):
        moments += _standing_moments(state, servicing, today)
    if state.stage is Stage.RELEASE:
        moments += [end_of_day(r.deadline) for r in servicing.releases.values() if release_awaited(r)]
    return min(moments) if moments else None


def _instalment_moments(state: LoanState, servicing: Servicing) -> list[datetime]:
    """Each unsettled line's reminder (if reminders are on) and its due-date check, until each is done."""
    reminder_days = state.config.due_reminder_days
    moments: list[datetime] = []
    for line in servicing.ledger.lines:
        if line.settled:
            continue
        if line.seq not in servicing.reminded and reminder_days:
            moments.append(start_of(line.due_date - timedelta(days=reminder_days)))
        if line.seq not in servicing.checked:
            moments.append(end_of_day(line.due_date))
    return moments


def _extension_moments(state: LoanState, servicing: Servicing) -> list[datetime]:
    """The extension reminder of each trademark pledge that ends before the loan, until it is given."""
    moments: list[datetime] = []
    for asset_id in extendable_assets(state):
        end = state.filings[asset_id].pledge_end_date
        if asset_id not in servicing.extension_reminded and end is not None:
            moments.append(start_of(end - timedelta(days=state.config.extension_reminder_days)))
    return moments


def _standing_moments(state: LoanState, servicing: Servicing, today: date) -> list[datetime]:
    """The day the loan would enter its next tier, and the day its guarantor is to be asked to compensate."""
    moments: list[datetime] = []
    change = ledgers.next_tier_change(servicing.ledger, today)
    if change is not None:
        moments.append(start_of(change))
    if guarantor_of(state) and servicing.compensation_requested_on is None and servicing.overdue_since:
        moments.append(start_of(servicing.overdue_since + timedelta(days=state.config.compensation_days - 1)))
    return moments


@dataclass(frozen=True)
class LineDue:
    """A schedule line whose reminder (or due-date check) is due: it is marked done either way; `announce` says
    whether it makes an event (not for a line already paid, nor a reminder whose due date has passed)."""

    line: LedgerLine
    announce: bool


def reminders_due(state: LoanState, today: date) -> list[LineDue]:
    servicing, days = state.servicing, state.config.due_reminder_days
    assert servicing is not None
    if not days:
        return []
    return [
        LineDue(line, announce=not line.settled and today <= line.due_date)
        for line in servicing.ledger.lines
        if line.seq not in servicing.reminded and line.due_date - timedelta(days=days) <= today
    ]


def due_dates_passed(state: LoanState, today: date) -> list[LineDue]:
    servicing = state.servicing
    assert servicing is not None
    return [
        LineDue(line, announce=not line.settled)
        for line in servicing.ledger.lines
        if line.seq not in servicing.checked and line.due_date < today
    ]


def extension_reminders_due(state: LoanState, today: date) -> list[str]:
    servicing, days = state.servicing, state.config.extension_reminder_days
    assert servicing is not None
    due = []
    for asset_id in extendable_assets(state):
        end = state.filings[asset_id].pledge_end_date
        assert end is not None
        if asset_id not in servicing.extension_reminded and end - timedelta(days=days) <= today:
            due.append(asset_id)
    return due


def overdue_releases(state: LoanState, now: datetime) -> list[Release]:
    servicing = state.servicing
    assert servicing is not None
    return [r for r in servicing.releases.values() if release_awaited(r) and end_of_day(r.deadline) <= now]


# ---- classification and the guarantor -----------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Days past due and the tier they and a manual downgrade give (the more severe of the two)."""

    days_past_due: int
    overdue_since: date | None
    auto_tier: RiskTier
    tier: RiskTier


def standing(ledger: Ledger, manual_tier: RiskTier | None, today: date) -> Standing:
    dpd = ledgers.days_past_due(ledger, today)
    auto = ledgers.tier_for_days(dpd)
    tier = max(auto, manual_tier or RiskTier.NORMAL, key=lambda t: t.rank)
    overdue_since = today - timedelta(days=dpd - 1) if dpd else None
    return Standing(days_past_due=dpd, overdue_since=overdue_since, auto_tier=auto, tier=tier)


def compensation_due(state: LoanState) -> bool:
    """Whether the guarantor is to be asked to compensate now (once, `compensation_days` past due)."""
    servicing = state.servicing
    assert servicing is not None
    if guarantor_of(state) is None or servicing.compensation_requested_on is not None:
        return False
    return servicing.days_past_due >= state.config.compensation_days


# ---- disposal proceeds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waterfall:
    """Where the proceeds of a disposal go: the bank first (what it is owed), then the guarantor's recourse claim
    (what it paid the bank in compensation), and what is left is the pledgor's surplus."""

    to_bank: Decimal
    to_guarantor: Decimal
    surplus: Decimal


def waterfall(proceeds: Decimal, owed: Decimal, recourse_claim: Decimal) -> Waterfall:
    to_bank = min(proceeds, owed)
    rest = proceeds - to_bank
    to_guarantor = min(rest, recourse_claim)
    return Waterfall(to_bank=to_bank, to_guarantor=to_guarantor, surplus=rest - to_guarantor)
