"""Who may take which step of a subsidy claim, and when: the rules both the workflow's validator (to refuse before
anything is recorded) and its handler (again, under the claim's lock, since another step may have been taken
between the two) check — do not remove the second check as redundant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.base import Actor
from contracts.enums import Role
from contracts.subsidy_claim import ClaimState, ClaimStatus, ClaimUpdate
from contracts.subsidy_policy import SubsidyKind

FILERS = (Role.ENTERPRISE, Role.STATION_SPECIALIST)
BANK_FILERS = (Role.BANK_OFFICER,)  # bank-institution support is claimed by the bank's own staff
REVIEWERS = (Role.DISTRICT_REVIEWER,)


def filers_of(kind: SubsidyKind) -> tuple[Role, ...]:
    return BANK_FILERS if kind.by_a_bank else FILERS


# The statuses each step is taken from.
FROM: dict[ClaimUpdate, tuple[ClaimStatus, ...]] = {
    ClaimUpdate.CONFIRM: (ClaimStatus.DRAFTED,),
    ClaimUpdate.ACCEPT: (ClaimStatus.FILED,),
    ClaimUpdate.RETURN: (ClaimStatus.FILED, ClaimStatus.ACCEPTED),
    ClaimUpdate.CORRECT: (ClaimStatus.RETURNED,),
    ClaimUpdate.PROPOSE: (ClaimStatus.ACCEPTED,),
    ClaimUpdate.CONFIRM_REVIEW: (ClaimStatus.PROPOSED,),
    ClaimUpdate.REJECT: (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.PROPOSED),
    ClaimUpdate.START_NOTICE: (ClaimStatus.APPROVED,),
    ClaimUpdate.RECORD_OBJECTION: (ClaimStatus.IN_NOTICE,),
    ClaimUpdate.SET_FUNDING: (ClaimStatus.NOTICED,),
    ClaimUpdate.RECORD_PAYMENT: (ClaimStatus.FUNDED,),
    ClaimUpdate.RECORD_CHECK: (ClaimStatus.PAID, ClaimStatus.CHECK_DUE),
    ClaimUpdate.RECORD_CLAWBACK_REPAID: (ClaimStatus.CLAWBACK,),
}
BY: dict[ClaimUpdate, tuple[Role, ...]] = {
    ClaimUpdate.CONFIRM: FILERS,
    ClaimUpdate.CORRECT: FILERS,
    ClaimUpdate.ACCEPT: REVIEWERS,
    ClaimUpdate.RETURN: REVIEWERS,
    ClaimUpdate.PROPOSE: REVIEWERS,
    ClaimUpdate.CONFIRM_REVIEW: REVIEWERS,
    ClaimUpdate.REJECT: REVIEWERS,
    ClaimUpdate.START_NOTICE: REVIEWERS,
    ClaimUpdate.RECORD_OBJECTION: REVIEWERS,
    ClaimUpdate.SET_FUNDING: REVIEWERS,
    ClaimUpdate.RECORD_PAYMENT: REVIEWERS,
    ClaimUpdate.RECORD_CHECK: REVIEWERS,
    ClaimUpdate.RECORD_CLAWBACK_REPAID: REVIEWERS,
}
# Steps the API sends for a whole round (not offered on a single claim's page).
ROUND_STEPS = (ClaimUpdate.START_NOTICE, ClaimUpdate.SET_FUNDING)
# Names an objector may not hide behind (anonymous objections are not accepted).
ANONYMOUS = ("匿名", "无名", "不具名", "anonymous", "anon", "n/a", "none", "unknown")


def not_your_step(actor: Actor, state: ClaimState, step: ClaimUpdate) -> str | None:
    """Why `actor` may not take `step` on this claim (None: they may)."""
    roles = filers_of(state.kind) if BY[step] is FILERS else BY[step]
    if actor.role not in roles:
        return f"this step is for {' or '.join(r.value for r in roles)}; you are signed in as {actor.role.value}"
    if actor.role is Role.ENTERPRISE and actor.org_id != state.enterprise_id:
        return "an enterprise takes the steps of its own claims"
    if actor.role is Role.BANK_OFFICER and actor.org_id != state.bank_id:
        return "a bank takes the steps of its own claims"
    if actor.role in (Role.STATION_SPECIALIST, Role.DISTRICT_REVIEWER) and actor.district is not state.district:
        return f"this claim belongs to {state.district.label}; you work for another district"
    return None


def wrong_status(state: ClaimState, step: ClaimUpdate) -> str | None:
    allowed = FROM[step]
    if state.status in allowed:
        return None
    return (
        f"the claim is {state.status.value} ({state.status.label}); this step is taken when it is "
        f"{' or '.join(s.value for s in allowed)}"
    )


def second_reviewer(actor: Actor, state: ClaimState) -> str | None:
    """Four eyes: the amount is confirmed by a reviewer other than the one who proposed it."""
    if state.proposal is not None and state.proposal.by.sub == actor.sub:
        return "a second reviewer confirms the amount: you proposed it yourself"
    return None


def proposal_problem(amount: Decimal, computed: Decimal, refusals: list[str], reason: str | None) -> str | None:
    if refusals:
        return f"the claim does not meet the policy ({'; '.join(refusals)}): reject it instead"
    if amount > computed:
        return f"the amount ¥{amount:,.2f} is above what the policy yields, ¥{computed:,.2f}"
    if amount < computed and not (reason or "").strip():
        return f"an amount below what the policy yields (¥{computed:,.2f}) needs its reason"
    return None


def unknown_items(state: ClaimState, items: list[str]) -> list[str]:
    codes = {m.code for m in state.current.materials}
    return [item for item in items if item not in codes]


def anonymous(objector: str) -> bool:
    name = objector.strip().lower()
    return len(name) < 2 or any(word in name for word in ANONYMOUS)


def notice_problem(published_on: date, ends_on: date, today: date, approved_on: date) -> str | None:
    if published_on > today:
        return f"the notice cannot be published on {published_on}, after today ({today})"
    if published_on < approved_on:
        return f"the notice cannot be published on {published_on}, before the claim was approved ({approved_on})"
    if ends_on < published_on:
        return "the notice ends before it is published"
    return None


def objection_problem(objector: str, received_on: date, notice_start: date, notice_end: date) -> str | None:
    if anonymous(objector):
        return "an objection is accepted only written and named: anonymous objections are not accepted"
    if not notice_start <= received_on <= notice_end:
        return f"the objection was received on {received_on}, outside the notice ({notice_start} – {notice_end})"
    return None


def payment_problem(amount: Decimal, funded: Decimal, paid_on: date, funded_on: date, today: date) -> str | None:
    if amount > funded:
        return f"the payment ¥{amount:,.2f} is above the amount in the funding plan, ¥{funded:,.2f}"
    if paid_on > today:
        return f"the payment date {paid_on} is in the future (today is {today})"
    if paid_on < funded_on:
        return f"the payment date {paid_on} is before the funding plan ({funded_on})"
    return None


def next_quarter_end(day: date) -> date:
    """The last day of the quarter after the one `day` falls in (a follow-up check: is the loan still performing at
    the next quarter end?)."""
    quarter = (day.month - 1) // 3 + 1  # 1..4
    year, following = (day.year + 1, 1) if quarter == 4 else (day.year, quarter + 1)
    last_month = following * 3
    next_first = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return date.fromordinal(next_first.toordinal() - 1)


def check_problem(
    finding: str,
    amount: Decimal | None,
    deadline: date | None,
    checked_on: date,
    paid: Decimal,
    paid_on: date,
    today: date,
) -> str | None:
    if checked_on > today:
        return f"the check date {checked_on} is in the future (today is {today})"
    if checked_on < paid_on:
        return f"the check date {checked_on} is before the payment ({paid_on})"
    if finding == "ok":
        return None if amount is None and deadline is None else "a finding without fault orders nothing back"
    if amount is None or deadline is None:
        return "a clawback names the amount to repay and the deadline"
    if amount > paid:
        return f"the clawback ¥{amount:,.2f} is above what was paid, ¥{paid:,.2f}"
    if deadline <= checked_on:
        return f"the deadline {deadline} is to come after the check ({checked_on})"
    return None
