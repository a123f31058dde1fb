"""Subsidy policies: who may publish a version, and the calculator over a loan's facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District, Role, SizeClass
from contracts.loan_state import LoanState
from contracts.subsidy_policy import NewPolicyVersion, SubsidyKind
from contracts.types import TRUSTED
from services.api.dependencies import RequestContext
from services.api.errors import Forbidden, Unprocessable
from services.api.loans.exceptions import NotInYourView
from services.api.subsidies.exceptions import (
    NoPolicyInForce,
    NothingToClaim,
    PolicyDateRefused,
    PolicyNotFound,
)
from services.api.subsidies.schemas import EstimateLine, PolicyVersionRead, PolicyVersionSummary, SubsidyEstimate
from services.domain.calendar import shanghai_date
from services.domain.subsidy.amounts import STEPS, Granted, compute
from services.domain.subsidy.facts import NotClaimable, Period, facts_of
from services.platform.auth import Principal
from services.store import loans, reference, subsidy_policies
from services.store.audit import append_audit
from services.store.subsidy_facts import terms_of
from services.store.subsidy_tables import SubsidyPolicy
from services.store.tables import Loan

# Who publishes a district's policy versions: its reviewers for their district, the city's administrators for any.
POLICY_PUBLISHERS = (Role.DISTRICT_REVIEWER, Role.CITY_ADMIN)


def today() -> date:
    return shanghai_date(datetime.now(UTC))


def _read(row: SubsidyPolicy) -> PolicyVersionRead:
    return PolicyVersionRead.model_validate(
        {**PolicyVersionSummary.model_validate(row).model_dump(), "terms": terms_of(row)}
    )


async def list_policies(
    session: AsyncSession, district: District | None, year: int | None
) -> list[PolicyVersionSummary]:
    rows = await subsidy_policies.list_versions(session, district=district.value if district else None, year=year)
    return [PolicyVersionSummary.model_validate(row) for row in rows]


async def get_policy(session: AsyncSession, policy_id: str) -> PolicyVersionRead:
    row = await subsidy_policies.get_version(session, policy_id)
    if row is None:
        raise PolicyNotFound(f"There is no subsidy policy version {policy_id!r}.")
    return _read(row)


async def publish_version(session: AsyncSession, context: RequestContext, body: NewPolicyVersion) -> PolicyVersionRead:
    """A new version of the district's policy for the year. It takes effect today or later: a claim already filed
    stays under the version it was evaluated by, so no version may reach into the past. The same version sent again
    (the latest one, with the same day, terms and reason) publishes nothing new and answers with it."""
    principal = context.principal
    if principal.role is Role.DISTRICT_REVIEWER and principal.district is not body.district:
        raise Forbidden(
            f"A district reviewer publishes the policies of their own district, not of {body.district.value}."
        )
    if body.effective_from < today():
        raise PolicyDateRefused(
            f"A version takes effect today ({today()}) or later, not on {body.effective_from}: claims already filed "
            "keep the version they were evaluated under."
        )
    if body.effective_from.year != body.year:
        raise PolicyDateRefused(
            f"The {body.year} policy takes effect within {body.year}, not on {body.effective_from}."
        )
    # Publishers of one district's year take turns (until this request's transaction ends), so a version sent twice
    # at the same moment finds the first one published when its turn comes.
    await subsidy_policies.lock_policy_year(session, body.district.value, body.year)
    latest = await subsidy_policies.latest_version(session, body.district.value, body.year)
    if latest is not None and subsidy_policies.same_content(latest, body):
        return _read(latest)  # sent again (a double click, a retry): it is published already, once
    row = await subsidy_policies.add_version(session, body, principal.sub, datetime.now(UTC))
    entry = context.audit("subsidy_policy.published", "subsidy_policy", row.id, body.model_dump(mode="json"))
    await append_audit(session, entry)
    return _read(row)


async def estimate(
    session: AsyncSession,
    principal: Principal,
    loan: Loan,
    kind: SubsidyKind,
    start: date | None,
    end: date | None,
    claimed: Decimal | None,
) -> SubsidyEstimate:
    """What a claim of `kind` for `loan` would yield under the version in force today (the policy calculator), for
    the period from `start` (the disbursement by default) to `end` (today by default)."""
    if principal.role is Role.VALUER:
        raise NotInYourView("An appraisal agency's view of a loan holds no amounts, and so no subsidy estimate.")
    if not kind.for_a_loan:
        raise Unprocessable(f"{kind.label} is not claimed against a loan: a loan's calculator covers its costs.")
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    if state.disbursement is None:
        raise NothingToClaim(f"Loan {loan.id} is not disbursed yet: there is no interest or fee to claim on.")
    day = today()
    period = Period(start or state.disbursement.disbursed_on, end or day)
    if period.start < state.disbursement.disbursed_on or period.end > day or period.start > period.end:
        raise PolicyDateRefused(
            f"The period is to lie between the disbursement ({state.disbursement.disbursed_on}) and today ({day}), "
            "its start not after its end."
        )
    policy = await subsidy_policies.in_force(session, state.district.value, day)
    if policy is None:
        raise NoPolicyInForce(f"No subsidy policy of {state.district.label} is in force today ({day}).")
    enterprise = await reference.get_enterprise(session, state.enterprise_id)
    if enterprise is None:  # a loan is opened for a registered enterprise, and enterprises are never deleted
        raise NothingToClaim(f"The enterprise {state.enterprise_id!r} of loan {loan.id} is not registered.")
    size = SizeClass(enterprise.size_class)
    first = not await loans.pledged_elsewhere_before(session, state.asset_ids, loan.id)
    try:
        facts = facts_of(state, size, period, first_pledge=first)
    except NotClaimable as error:
        raise NothingToClaim(str(error)) from error
    result = compute(terms_of(policy), kind, facts, Granted(), claimed)
    return SubsidyEstimate(
        loan_id=loan.id,
        kind=kind,
        kind_label=kind.label,
        policy_id=policy.id,
        policy_title=policy.title,
        period_start=period.start,
        period_end=period.end,
        size_class=size,
        eligible=result.eligible,
        refusals=result.refusals,
        lines=[EstimateLine(step=x.step, label=STEPS[x.step], amount=x.amount, how=x.how) for x in result.lines],
        amount=result.amount,
    )
