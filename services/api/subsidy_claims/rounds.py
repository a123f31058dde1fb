"""Claim rounds (申报批次): opened by a district's reviewer (or a city admin) under the policy version in force,
with a filing window inside the policy's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District, Role
from services.api.dependencies import RequestContext
from services.api.errors import Forbidden
from services.api.subsidies.exceptions import NoPolicyInForce
from services.api.subsidies.service import today
from services.api.subsidy_claims.exceptions import RoundRefused
from services.api.subsidy_claims.schemas import RoundCreate, RoundRead
from services.store import subsidy_claims, subsidy_policies
from services.store.audit import append_audit
from services.store.subsidy_facts import terms_of
from services.store.subsidy_tables import SubsidyRound

ROUND_OPENERS = (Role.DISTRICT_REVIEWER, Role.CITY_ADMIN)


async def open_round(session: AsyncSession, context: RequestContext, body: RoundCreate) -> RoundRead:
    """A district's round under the policy version in force when it opens; its window lies within the policy's."""
    principal = context.principal
    if principal.role is Role.DISTRICT_REVIEWER and principal.district is not body.district:
        raise Forbidden(f"A district reviewer opens rounds of their own district, not of {body.district.value}.")
    if body.filing_closes < body.filing_opens:
        raise RoundRefused("The filing window closes before it opens.")
    if body.filing_closes < today():
        raise RoundRefused(f"The filing window closes on {body.filing_closes}, before today ({today()}).")
    policy = await subsidy_policies.in_force(session, body.district.value, max(body.filing_opens, today()))
    if policy is None:
        raise NoPolicyInForce(f"No subsidy policy of {body.district.label} is in force on {body.filing_opens}.")
    terms = terms_of(policy)
    if body.filing_opens < terms.filing_opens or body.filing_closes > terms.filing_closes:
        raise RoundRefused(
            f"The round's window is to lie within the policy's, {terms.filing_opens} – {terms.filing_closes}."
        )
    row = SubsidyRound(
        id=f"{body.district.value}-{uuid.uuid4().hex[:12]}",
        district=body.district.value,
        policy_id=policy.id,
        title=body.title,
        filing_opens=body.filing_opens,
        filing_closes=body.filing_closes,
        created_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    await subsidy_claims.add_round(session, row)
    await append_audit(
        session, context.audit("subsidy_round.opened", "subsidy_round", row.id, body.model_dump(mode="json"))
    )
    return RoundRead.model_validate(row)


async def list_rounds(session: AsyncSession, district: District | None) -> list[RoundRead]:
    return [
        RoundRead.model_validate(r)
        for r in await subsidy_claims.list_rounds(session, district.value if district else None)
    ]
