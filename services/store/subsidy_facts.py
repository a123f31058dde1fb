"""A claim's amount from what the database holds: the loan's facts (its state, the enterprise's size class, the
assets' pledge history), the enterprise's other approved claims of the year, and the policy version's terms —
gathered here and computed by services/domain/subsidy/amounts (pure). Shared by the API (filing, correction, review)
and the worker (claims drafted for 免申即享), so that both compute a claim the same way. A bank's own claim is
computed from the loans it made in the district, a securitisation claim from the amount its vouchers show."""

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
from services.domain.subsidy.institution import BankLoan, compute_bank, compute_securitisation
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
        session, ("enterprise_id", state.enterprise_id), state.district.value, period.end.year, kind.value,
        excluding=excluding,
    )  # fmt: skip
    return computation_of(policy, compute(terms_of(policy), kind, facts, Granted(this_kind, all_kinds), claimed))


async def bank_loans(session: AsyncSession, bank_id: str, district: str, period: Period) -> list[BankLoan]:
    """The IP pledge loans `bank_id` disbursed in `district` during `period`, as pledgeflow holds them."""
    query = select(Loan).where(
        col(Loan.bank_id) == bank_id, col(Loan.district) == district, col(Loan.disbursed_amount).is_not(None)
    )
    found = []
    for loan in (await session.execute(query.order_by(col(Loan.id)))).scalars():
        state = LoanState.model_validate(loan.state, context=TRUSTED)
        disbursement, proposal, application = state.disbursement, state.proposal, state.application
        if disbursement is None or proposal is None or application is None:
            continue
        if disbursement.disbursed_on not in period:
            continue
        found.append(
            BankLoan(
                loan_id=loan.id,
                disbursed_on=disbursement.disbursed_on,
                principal=disbursement.amount,
                ip_kinds=frozenset(a.kind for a in application.assets),
                term_months=proposal.term_months,
                first_pledge=not await loans.pledged_elsewhere_before(session, state.asset_ids, loan.id),
            )
        )
    return found


async def compute_bank_claim(
    session: AsyncSession,
    bank_id: str,
    district: str,
    policy: SubsidyPolicy,
    period: Period,
    claimed: Decimal | None,
    *,
    excluding: str | None,
) -> Computation:
    """A bank's own claim (bank-institution support) under `policy`, from its loans in the district and period."""
    kind = SubsidyKind.BANK_INSTITUTION
    made = await bank_loans(session, bank_id, district, period)
    granted, _ = await subsidy_claims.granted_in_year(
        session, ("bank_id", bank_id), district, period.end.year, kind.value, excluding=excluding
    )
    return computation_of(policy, compute_bank(terms_of(policy), made, granted, claimed))


async def compute_securitisation_claim(
    session: AsyncSession,
    enterprise_id: str,
    district: str,
    policy: SubsidyPolicy,
    period: Period,
    claimed: Decimal,
    other_subsidy: bool,
    *,
    excluding: str | None,
) -> Computation:
    """An enterprise's securitisation claim under `policy`, the amount as its vouchers show."""
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None:
        raise EnterpriseMissing(f"The enterprise {enterprise_id!r} is not registered.")
    kind = SubsidyKind.SECURITISATION
    this_kind, all_kinds = await subsidy_claims.granted_in_year(
        session, ("enterprise_id", enterprise_id), district, period.end.year, kind.value, excluding=excluding
    )
    result = compute_securitisation(
        terms_of(policy),
        SizeClass(enterprise.size_class),
        Granted(this_kind, all_kinds),
        claimed,
        other_subsidy=other_subsidy,
    )
    return computation_of(policy, result)


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
