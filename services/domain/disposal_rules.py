"""Who may take a disposal step (质物处置): a bank officer of the loan's bank. One rule for the disposal workflow,
which decides, and for the API, which must say so (403) even before a disposal exists to ask."""

from __future__ import annotations

from contracts.base import Actor
from contracts.enums import Role


def not_the_disposer(actor: Actor, bank_id: str | None) -> str | None:
    """None when `actor` may take disposal steps on a loan of `bank_id`, else the sentence a clerk reads."""
    if actor.role is Role.BANK_OFFICER and bank_id is not None and actor.org_id == bank_id:
        return None
    return f"disposal steps are for a bank officer of {bank_id}; you are {actor.role.value} of {actor.org_id}"
