"""Routes of `/subsidy-policies` and the calculator `GET /loans/{id}/subsidy-estimate`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from contracts.enums import District
from contracts.subsidy_policy import NewPolicyVersion, SubsidyKind
from contracts.types import Money
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep, require_roles
from services.api.errors import Forbidden, Unauthenticated, Unprocessable, problem_responses
from services.api.loans.dependencies import LoanDep
from services.api.loans.exceptions import LoanNotFound, NotInYourView
from services.api.subsidies import service
from services.api.subsidies.exceptions import (
    NoPolicyInForce,
    NothingToClaim,
    PolicyDateRefused,
    PolicyNotFound,
)
from services.api.subsidies.schemas import PolicyVersionRead, PolicyVersionSummary, SubsidyEstimate

router = APIRouter(tags=["subsidies"])

PolicyIdPath = Annotated[str, Path(pattern=r"^[a-z]{2,16}-\d{4}-v\d{1,4}$", max_length=30)]


@router.get(
    "/subsidy-policies",
    response_model=list[PolicyVersionSummary],
    summary="The districts' subsidy policy versions (published: any signed-in caller may read them)",
    responses=problem_responses(Unauthenticated),
)
async def list_policies(
    session: SessionDep,
    _: PrincipalDep,
    district: Annotated[District | None, Query()] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[PolicyVersionSummary]:
    return await service.list_policies(session, district, year)


@router.get(
    "/subsidy-policies/{policy_id}",
    response_model=PolicyVersionRead,
    summary="One policy version with its terms: each kind's ratios and caps by size class, conditions and materials",
    responses=problem_responses(Unauthenticated, PolicyNotFound),
)
async def get_policy(policy_id: PolicyIdPath, session: SessionDep, _: PrincipalDep) -> PolicyVersionRead:
    return await service.get_policy(session, policy_id)


@router.post(
    "/subsidy-policies",
    status_code=status.HTTP_201_CREATED,
    response_model=PolicyVersionRead,
    summary="Publish a district's policy for a year, or a revision of it (the district's reviewer, a city admin)",
    dependencies=[Depends(require_roles(*service.POLICY_PUBLISHERS))],
    responses=problem_responses(Unauthenticated, Forbidden, PolicyDateRefused),
)
async def publish_policy(body: NewPolicyVersion, session: SessionDep, context: RequestContextDep) -> PolicyVersionRead:
    return await service.publish_version(session, context, body)


@router.get(
    "/loans/{loan_id}/subsidy-estimate",
    response_model=SubsidyEstimate,
    summary="What a subsidy claim for the loan would yield under the policy in force today, line by line",
    responses=problem_responses(
        Unauthenticated, LoanNotFound, NotInYourView, NoPolicyInForce, NothingToClaim, PolicyDateRefused, Unprocessable
    ),
)
async def subsidy_estimate(
    loan: LoanDep,
    session: SessionDep,
    principal: PrincipalDep,
    kind: Annotated[SubsidyKind, Query()] = SubsidyKind.INTEREST,
    claimed: Annotated[Money | None, Query(description="the amount to claim; the evidence when left out")] = None,
    period_start: Annotated[date | None, Query(description="first day covered; the disbursement by default")] = None,
    period_end: Annotated[date | None, Query(description="last day covered; today by default")] = None,
) -> SubsidyEstimate:
    return await service.estimate(session, principal, loan, kind, period_start, period_end, claimed)
