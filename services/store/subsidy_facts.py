"""A claim's amount from what the database holds: the loan's facts (its state, the enterprise's size class, the
assets' pledge history), the enterprise's other approved claims of the year, and the policy version's terms —
gathered here and computed by services/domain/subsidy/amounts (pure). Shared by the API (filing, correction, review)
and the worker (claims drafted for 免申即享), so that both compute a claim the same way."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.enums import SizeClass
from contracts.loan_state import LoanState
from contracts.subsidy_claim import ClaimState, Computation, ComputedLine
from contracts.subsidy_policy import PolicyTerms, SubsidyKind
from contracts.types import TRUSTED
from services.domain.subsidy.amounts import Granted, compute
from services.domain.subsidy.facts import Period, facts_of
from services.store import loans, reference, subsidy_claims
from services.store.subsidy_tables import SubsidyClaim, SubsidyPolicy
from services.store.tables import Loan


class EnterpriseMissing(LookupError):
    """The loan's enterprise is not registered (never so: enterprises are never deleted)."""


def terms_of(row: SubsidyPolicy) -> PolicyTerms:
    return PolicyTerms.model_validate(row.terms, context=TRUSTED)


def computation_of(policy: SubsidyPolicy, result: Any) -> Computation:
    return Computation(
        policy_id=policy.id,
        lines=[ComputedLine(step=x.step, amount=x.amount, how=x.how) for x in result.lines],
        amount=result.amount,
        refusals=result.refusals,
    )


async def compute_claim(
    session: AsyncSession,
    loan: Loan,
    policy: SubsidyPolicy,
    kind: SubsidyKind,
    period: Period,
    claimed: Decimal | None,
    other_subsidy: bool,
    *,
    excluding: str | None,
) -> Computation:
    """The claim's amount under `policy` from the loan's facts as they stand, the enterprise's other approved claims
    of the year counted against the caps (`excluding` the claim itself). Raises NotClaimable (not disbursed) and
    EnterpriseMissing."""
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    enterprise = await reference.get_enterprise(session, state.enterprise_id)
    if enterprise is None:
        raise EnterpriseMissing(f"The enterprise {state.enterprise_id!r} of loan {loan.id} is not registered.")
    first = not await loans.pledged_elsewhere_before(session, state.asset_ids, loan.id)
    facts = replace(
        facts_of(state, SizeClass(enterprise.size_class), period, first_pledge=first), other_subsidy=other_subsidy
    )
    this_kind, all_kinds = await subsidy_claims.granted_in_year(
        session, state.enterprise_id, state.district.value, period.end.year, kind.value, excluding=excluding
    )
    return computation_of(policy, compute(terms_of(policy), kind, facts, Granted(this_kind, all_kinds), claimed))


async def reusable_documents(session: AsyncSession, enterprise_id: str) -> dict[str, str]:
    """material code → the latest document the enterprise's earlier claims used for it (pledgeflow holds it: a
    drafted claim links it instead of asking for it again)."""
    query = (
        select(col(SubsidyClaim.state))
        .where(col(SubsidyClaim.enterprise_id) == enterprise_id)
        .order_by(col(SubsidyClaim.updated_at).desc())
        .limit(50)
    )
    found: dict[str, str] = {}
    for (raw,) in (await session.execute(query)).all():
        for link in ClaimState.model_validate(raw, context=TRUSTED).current.materials:
            if link.document_id is not None:
                found.setdefault(link.code, link.document_id)
    return found
