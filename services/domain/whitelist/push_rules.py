"""Who answers a push, and when — checked by the workflow's validator (to refuse before anything is recorded) and
again by its handler under the push's lock (another answer may have come in between): keep both."""

from __future__ import annotations

from contracts.base import Actor
from contracts.enums import Role
from contracts.whitelist_push import AnswerPushInput, PushState


def not_your_answer(actor: Actor, state: PushState) -> str | None:
    if actor.role is not Role.BANK_OFFICER or actor.org_id != state.bank_id:
        return "a push is answered by the bank it was pushed to"
    return None


def not_open(state: PushState) -> str | None:
    if state.status.open:
        return None
    return f"the push was answered already: {state.status.value} ({state.status.label})"


def incomplete(answer: AnswerPushInput) -> str | None:
    if answer.accept and answer.loan_id is None:
        return "an accepted push names the case opened for it"
    if not answer.accept and not (answer.reason or "").strip():
        return "a declined push gives the bank's reason"
    return None
