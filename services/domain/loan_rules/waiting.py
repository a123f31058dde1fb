"""Who a loan waits on now, and for which steps: each party of the loan asked what it may take now
(`available_actions`), leaving out what is possible all along and so never awaited."""

from __future__ import annotations

from contracts.base import Actor
from contracts.enums import Role
from contracts.loan_state import LoanState
from services.domain.loan_rules.access import available_actions
from services.domain.loan_rules.base import LoanAction

# Possible all along an open loan (a visit, a withdrawal, a manual downgrade...): the loan does not wait on them.
ALWAYS_OPEN = frozenset(
    {
        LoanAction.LOG_VISIT,
        LoanAction.TICK_CHECKLIST,
        LoanAction.WITHDRAW,
        LoanAction.REJECT,
        LoanAction.DOWNGRADE,
        LoanAction.PREPAY,
        LoanAction.RECORD_EXTENSION,
        LoanAction.DECLARE_DEFAULT,
    }
)


def waiting_on(state: LoanState) -> list[tuple[Role, list[LoanAction]]]:
    """Each role of the loan's parties with the steps the loan now waits on from it (none on a closed loan). The
    guarantor is waited on for compensation only once it has been asked for."""
    if state.stage.is_terminal:
        return []
    pending = [(org, p) for org, p in state.required_sign_offs().items() if org not in state.sign_offs]
    candidates: list[tuple[Role, str | None]] = [
        (Role.BANK_OFFICER, state.bank_id),
        (Role.BANK_APPROVER, state.bank_id),
        (Role.VALUER, state.application.valuer_id if state.application else None),
        *((Role.GUARANTOR if p == "guarantor" else Role.INSURER, org) for org, p in pending),
        (Role.STATION_SPECIALIST, state.station_id),
    ]
    asked = state.servicing is not None and state.servicing.compensation_requested_on is not None
    if asked and state.proposal:
        candidates.append((Role.GUARANTOR, state.proposal.guarantor_id))
    found: list[tuple[Role, list[LoanAction]]] = []
    for role, org in candidates:
        if org is None:
            continue
        actor = Actor(sub=f"{role.value}@waiting", role=role, org_id=org, district=state.district)
        actions = awaited_from(actor, state)
        if actions and (role, actions) not in found:
            found.append((role, actions))
    return found


def awaited_from(actor: Actor, state: LoanState) -> list[LoanAction]:
    """The steps the loan waits for from `actor`: those it may take now, less those possible all along, and a
    guarantor's compensation only once it has been asked for."""
    asked = state.servicing is not None and state.servicing.compensation_requested_on is not None
    actions = [a for a in available_actions(actor, state) if a not in ALWAYS_OPEN]
    if actor.role is Role.GUARANTOR and state.servicing is not None and not asked:
        actions = [a for a in actions if a is not LoanAction.RECORD_COMPENSATION]
    return actions
