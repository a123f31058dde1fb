"""Who may take which step of a subsidy claim, and when: the rules both the workflow's validator (to refuse before
anything is recorded) and its handler (again, under the claim's lock, since another step may have been taken
between the two) check — do not remove the second check as redundant."""

from __future__ import annotations

from decimal import Decimal

from contracts.base import Actor
from contracts.enums import Role
from contracts.subsidy_claim import ClaimState, ClaimStatus, ClaimUpdate

FILERS = (Role.ENTERPRISE, Role.STATION_SPECIALIST)
REVIEWERS = (Role.DISTRICT_REVIEWER,)

# The statuses each step is taken from.
FROM: dict[ClaimUpdate, tuple[ClaimStatus, ...]] = {
    ClaimUpdate.CONFIRM: (ClaimStatus.DRAFTED,),
    ClaimUpdate.ACCEPT: (ClaimStatus.FILED,),
    ClaimUpdate.RETURN: (ClaimStatus.FILED, ClaimStatus.ACCEPTED),
    ClaimUpdate.CORRECT: (ClaimStatus.RETURNED,),
    ClaimUpdate.PROPOSE: (ClaimStatus.ACCEPTED,),
    ClaimUpdate.CONFIRM_REVIEW: (ClaimStatus.PROPOSED,),
    ClaimUpdate.REJECT: (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.PROPOSED),
}
BY: dict[ClaimUpdate, tuple[Role, ...]] = {
    ClaimUpdate.CONFIRM: FILERS,
    ClaimUpdate.CORRECT: FILERS,
    ClaimUpdate.ACCEPT: REVIEWERS,
    ClaimUpdate.RETURN: REVIEWERS,
    ClaimUpdate.PROPOSE: REVIEWERS,
    ClaimUpdate.CONFIRM_REVIEW: REVIEWERS,
    ClaimUpdate.REJECT: REVIEWERS,
}


def not_your_step(actor: Actor, state: ClaimState, step: ClaimUpdate) -> str | None:
    """Why `actor` may not take `step` on this claim (None: they may)."""
    roles = BY[step]
    if actor.role not in roles:
        return f"this step is for {' or '.join(r.value for r in roles)}; you are signed in as {actor.role.value}"
    if actor.role is Role.ENTERPRISE and actor.org_id != state.enterprise_id:
        return "an enterprise takes the steps of its own claims"
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
