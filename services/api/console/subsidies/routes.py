"""`/console/subsidies`: the districts' policy versions, one version's terms, its revision form (for the district's
reviewers and the city's administrators), and `/console/loans/{id}/subsidy`, the calculator of a loan. Every page
reads and writes through the subsidy API's own service functions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from contracts.enums import District, Role, SizeClass
from contracts.subsidy_policy import NewPolicyVersion, SubsidyKind
from contracts.types import Money
from services.api.console.frame import forms
from services.api.console.frame.i18n import word
from services.api.console.frame.render import Viewer, not_found, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.console.subsidies.revision import SizesIncomplete, prefilled, revised, revision_model
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.errors import ApiError, Unprocessable
from services.api.loans.dependencies import get_visible_loan_and_names
from services.api.loans.exceptions import LoanNotFound
from services.api.params import IdPath
from services.api.subsidies import service
from services.api.subsidies.router import PolicyIdPath
from services.api.subsidies.schemas import PolicyVersionRead

router = APIRouter(include_in_schema=False)
_MONEY: TypeAdapter[Decimal] = TypeAdapter(Money)


def may_revise(viewer: Viewer, policy: PolicyVersionRead) -> bool:
    """As the API's rule (services/api/subsidies/service.publish_version): the district's reviewers, the city's
    administrators."""
    principal = viewer.principal
    assert principal is not None
    return principal.role is Role.CITY_ADMIN or (
        principal.role is Role.DISTRICT_REVIEWER and principal.district is policy.district
    )


@router.get("/console/subsidies", response_class=HTMLResponse)
async def policy_list(
    request: Request, viewer: ViewerDep, session: SessionDep, district: Annotated[District | None, Query()] = None
) -> Response:
    policies = await service.list_policies(session, district, None)
    return render(
        request, "subsidies/list.html", viewer, policies=policies, districts=list(District), district=district
    )


@router.get("/console/subsidies/{policy_id}", response_class=HTMLResponse)
async def policy_page(request: Request, viewer: ViewerDep, session: SessionDep, policy_id: PolicyIdPath) -> Response:
    policy = await service.get_policy(session, policy_id)
    return render(
        request,
        "subsidies/policy.html",
        viewer,
        policy=policy,
        sizes=list(SizeClass),
        may_revise=may_revise(viewer, policy),
    )


async def _revision_page(
    request: Request,
    viewer: Viewer,
    policy: PolicyVersionRead,
    *,
    values: dict[str, str] | None = None,
    chosen: dict[str, list[str]] | None = None,
    problems: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    start_values, start_chosen = prefilled(policy.terms)
    partial = request.method == "POST" and request.headers.get("HX-Request")  # a refused form, in place
    return render(
        request,
        "frame/_form.html" if partial else "subsidies/revise.html",
        viewer,
        status=status,
        policy=policy,
        fields=forms.inputs_of(revision_model(policy.terms)),
        values=start_values if values is None else values,
        chosen=start_chosen if chosen is None else chosen,
        problems=problems or {},
        refusal=refusal,
        key="",
        confirm=False,
        form_action=f"/console/subsidies/{policy.id}/revise",
        form_title=word("revise", viewer.lang),
        form_target="revise",
        cancel_href=f"/console/subsidies/{policy.id}",
    )


@router.get("/console/subsidies/{policy_id}/revise", response_class=HTMLResponse)
async def revision_form(request: Request, viewer: ViewerDep, session: SessionDep, policy_id: PolicyIdPath) -> Response:
    policy = await service.get_policy(session, policy_id)
    if not may_revise(viewer, policy):
        return await _revision_page(request, viewer, policy, refusal=_not_yours(viewer), status=403)
    return await _revision_page(request, viewer, policy)


def _not_yours(viewer: Viewer) -> str:
    return word("revise_not_yours", viewer.lang)


@router.post("/console/subsidies/{policy_id}/revise", response_class=HTMLResponse)
async def revise(
    request: Request, viewer: ViewerDep, resources: ResourcesDep, session: SessionDep, policy_id: PolicyIdPath
) -> Response:
    """Publish the revision through the API's own service: its checks (the district, no day in the past), its
    audit record; the same revision sent twice publishes one version."""
    assert viewer.principal is not None
    policy = await service.get_policy(session, policy_id)
    form = await request.form()
    submitted = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}
    values = {name: v[0] if v else "" for name, v in submitted.items()}
    if not may_revise(viewer, policy):
        return await _revision_page(request, viewer, policy, refusal=_not_yours(viewer), status=403)
    fields = forms.inputs_of(revision_model(policy.terms))
    base = NewPolicyVersion(
        district=policy.district,
        year=policy.year,
        effective_from=policy.effective_from,
        terms=policy.terms,
        reason=policy.reason,
    )
    try:
        body = revised(base, revision_model(policy.terms).model_validate(forms.values_of(fields, submitted)))
    except ValidationError as error:
        return await _revision_page(
            request, viewer, policy, values=values, chosen=submitted, problems=forms.problems_of(error), status=422
        )
    except SizesIncomplete as error:
        return await _revision_page(
            request, viewer, policy, values=values, chosen=submitted, refusal=str(error), status=422
        )
    context = request_context(request, viewer.principal, resources, None)
    try:
        async with session.begin_nested():  # a refusal half-way leaves nothing behind
            published = await service.publish_version(session, context, body)
    except ApiError as refused:
        return await _revision_page(
            request, viewer, policy, values=values, chosen=submitted, refusal=refused.detail, status=refused.status
        )
    location = f"/console/subsidies/{published.id}"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


@router.get("/console/loans/{loan_id}/subsidy", response_class=HTMLResponse)
async def calculator(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    loan_id: IdPath,
    kind: Annotated[SubsidyKind, Query()] = SubsidyKind.INTEREST,
    claimed: Annotated[str, Query(max_length=30)] = "",
) -> Response:
    """What a claim of `kind` would yield, line by line (the API's calculator); the kind and amount in the URL (an
    amount left blank: the evidence)."""
    assert viewer.principal is not None
    try:
        amount = _MONEY.validate_python(claimed.strip()) if claimed.strip() else None
    except ValidationError as error:
        raise Unprocessable(f"claimed: {forms.problems_of(error).get('', 'not an amount')}") from error
    try:
        loan, _ = await get_visible_loan_and_names(loan_id, session, viewer.principal)
    except LoanNotFound:
        return not_found(request, viewer)
    estimate = await service.estimate(session, viewer.principal, loan, kind, None, None, amount)
    template = "subsidies/_estimate.html" if request.headers.get("HX-Request") else "subsidies/estimate.html"
    return render(
        request,
        template,
        viewer,
        loan_id=loan.id,
        estimate=estimate,
        kinds=[k for k in SubsidyKind if k.for_a_loan],
        claimed=claimed.strip(),
    )
