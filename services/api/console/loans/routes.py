"""The console's loan pages: the case list (filters, sort and page in the URL) and the loan page (parties, stage,
the caller's party view, the steps the caller may take now and those not yet with the API's reason, the timeline
and the schedule). Reads through the same service functions and visibility policy as `GET /loans`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.enums import Stage
from contracts.loan_state import LoanState
from contracts.types import TRUSTED
from services.api.console.frame.render import render
from services.api.console.frame.session import ViewerDep
from services.api.console.loans import forms
from services.api.dependencies import RequestContext, ResourcesDep, actor_of
from services.api.errors import ApiError
from services.api.loans import party_views, service, views
from services.api.loans.dependencies import get_visible_loan_and_names
from services.api.loans.exceptions import LoanNotFound, NotInYourView
from services.api.loans.schemas import ScheduleLineView
from services.api.loans.steps import STEP_ROUTES, StepRoute
from services.api.params import IdPath
from services.domain.loan_rules import actions_of_party
from services.store import loans as repository

router = APIRouter(prefix="/console/loans", include_in_schema=False)

PAGE_SIZE = 25
StageParam = Annotated[Stage | None, Query()]


@router.get("", response_class=HTMLResponse)
async def case_list(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    stage: StageParam = None,
    enterprise: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._-]*$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The caller's cases, newest first, a page at a time (the page is the API's cursor, kept in the URL)."""
    assert viewer.principal is not None
    flt = repository.LoanFilter(stage=stage.value if stage else None, enterprise_id=enterprise or None)
    async with resources.sessions() as session:
        page = await service.list_loans(session, viewer.principal, flt, cursor, PAGE_SIZE)
    query = {"stage": stage.value if stage else "", "enterprise": enterprise or ""}
    template = "loans/_rows.html" if request.headers.get("HX-Request") else "loans/list.html"
    return render(request, template, viewer, page=page, stages=list(Stage), query=query, cursor=cursor)


@router.get("/{loan_id}", response_class=HTMLResponse)
async def loan_page(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    loan_id: IdPath,
) -> Response:
    assert viewer.principal is not None
    principal = viewer.principal
    async with resources.sessions() as session:
        try:
            loan, names = await get_visible_loan_and_names(loan_id, session, principal)
        except LoanNotFound:
            return render(
                request, "frame/error.html", viewer, status=404, title_key="not_found", text_key="not_found_text"
            )
        timeline = await views.timeline(session, principal, loan)
        schedule: list[ScheduleLineView] | None
        try:
            schedule = await views.schedule(session, principal, loan)
        except NotInYourView:
            schedule = None
    view = party_views.loan_view(principal, loan, names)
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    offered = actions_of_party(actor_of(principal), state)
    shown: dict[str, Any] = view.model_dump()
    return render(
        request,
        "loans/page.html",
        viewer,
        loan=shown,
        view=view,
        offered=offered,
        in_console=set(STEPS),
        timeline=timeline,
        schedule=schedule,
    )


STEPS: dict[str, StepRoute] = {row.update.value: row for row in STEP_ROUTES}
# Steps that cannot be undone: the form asks to confirm.
IRREVERSIBLE = {"disburse", "withdraw", "reject", "declare_default", "write_off", "decide_approval"}


def _step_of(action: str) -> StepRoute:
    step = STEPS.get(action)
    if step is None:
        raise StepNotInConsole(action)
    return step


class StepNotInConsole(LoanNotFound):
    """A step the console has no form for (the application and the proposal look things up: API only for now)."""


@router.get("/{loan_id}/steps/{action}", response_class=HTMLResponse)
async def step_form(
    request: Request, viewer: ViewerDep, resources: ResourcesDep, loan_id: IdPath, action: str
) -> Response:
    """The form of one step (loaded into the loan page by htmx, or as a page of its own without JavaScript)."""
    assert viewer.principal is not None
    async with resources.sessions() as session:
        try:
            await get_visible_loan_and_names(loan_id, session, viewer.principal)
            step = _step_of(action)
            fields = forms.inputs_of(step.request)
        except (LoanNotFound, forms.Unsupported):
            return render(
                request, "frame/error.html", viewer, status=404, title_key="not_found", text_key="not_found_text"
            )
    return _form(request, viewer, loan_id, step, fields, {}, {}, None, uuid.uuid4().hex)


def _form(
    request: Request,
    viewer: Any,
    loan_id: str,
    step: StepRoute,
    fields: list[forms.Input],
    values: dict[str, str],
    problems: dict[str, str],
    refusal: str | None,
    key: str,
    status: int = 200,
) -> HTMLResponse:
    template = "loans/_step_form.html" if request.headers.get("HX-Request") else "loans/step_page.html"
    return render(
        request,
        template,
        viewer,
        status=status,
        loan_id=loan_id,
        action=step.update.value,
        fields=fields,
        values=values,
        problems=problems,
        refusal=refusal,
        key=key,
        confirm=step.update.value in IRREVERSIBLE,
    )


@router.post("/{loan_id}/steps/{action}", response_class=HTMLResponse)
async def take_step(
    request: Request, viewer: ViewerDep, resources: ResourcesDep, loan_id: IdPath, action: str
) -> Response:
    """Take the step: the form's fields validated by the API's model, the step sent by the API's own service with
    the form's Idempotency-Key (a double click, or a retry after a lost answer, acts once)."""
    assert viewer.principal is not None
    principal = viewer.principal
    submitted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    key = submitted.get("idempotency_key", "")[:64] or uuid.uuid4().hex
    async with resources.sessions() as session:
        try:
            loan, names = await get_visible_loan_and_names(loan_id, session, principal)
            step = _step_of(action)
            fields = forms.inputs_of(step.request)
        except (LoanNotFound, forms.Unsupported):
            return render(
                request, "frame/error.html", viewer, status=404, title_key="not_found", text_key="not_found_text"
            )
        try:
            body = step.request.model_validate(forms.values_of(step.request, submitted))
        except ValidationError as error:
            problems = forms.problems_of(error)
            return _form(request, viewer, loan_id, step, fields, submitted, problems, None, key, status=422)
        context = RequestContext(
            principal=principal,
            request_id=request.scope.get("state", {}).get("request_id"),
            trace_id=request.scope.get("state", {}).get("trace_id"),
            idempotency_key=f"console:{key}",
            step_timeout=resources.settings.step_timeout_seconds,
        )
        data = step.input(actor=actor_of(principal), request_id=context.request_id, **body.model_dump())
        try:
            await service.run_step(session, resources.temporal, context, loan, step.update, data, names)
        except ApiError as refused:
            return _form(request, viewer, loan_id, step, fields, submitted, {}, refused.detail, key, refused.status)
    location = f"/console/loans/{loan_id}"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)
