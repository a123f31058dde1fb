"""The console's step forms: every step of the API's step table, and the application and the proposal (which look
things up first), each drawn from the API's own request model and sent through the API's own service.

A form carries an Idempotency-Key made when it was drawn: a double click, or the same form sent again after a lost
answer, reaches the workflow as one update (services/api/workflow_updates.update_id) and acts once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.base import StepInput
from contracts.loan_state import LoanState
from contracts.loans import LoanUpdate
from contracts.types import TRUSTED
from services.api.console.frame import forms
from services.api.console.frame.i18n import action_label
from services.api.console.frame.render import Viewer, not_found, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.console.loans.choices import with_choices
from services.api.dependencies import RequestContext, ResourcesDep, SessionDep, actor_of
from services.api.errors import ApiError
from services.api.loans import service
from services.api.loans.dependencies import get_visible_loan_and_names
from services.api.loans.exceptions import LoanNotFound
from services.api.loans.schemas import ApplicationRequest, ProposalRequest
from services.api.loans.steps import STEP_ROUTES, StepRoute
from services.api.params import IdPath
from services.store.tables import Loan

router = APIRouter(prefix="/console/loans", include_in_schema=False)

Build = Callable[[AsyncSession, RequestContext, Any], Awaitable[StepInput]]


@dataclass(frozen=True)
class ConsoleStep:
    update: LoanUpdate
    request: type[BaseModel]
    build: Build  # the update's input from the validated body, as the API's route makes it


def _from_table(row: StepRoute) -> ConsoleStep:
    async def build(_: AsyncSession, context: RequestContext, body: BaseModel) -> StepInput:
        return row.input(actor=actor_of(context.principal), request_id=context.request_id, **body.model_dump())

    return ConsoleStep(row.update, row.request, build)


CONSOLE_STEPS: dict[str, ConsoleStep] = {row.update.value: _from_table(row) for row in STEP_ROUTES} | {
    LoanUpdate.SUBMIT_APPLICATION.value: ConsoleStep(
        LoanUpdate.SUBMIT_APPLICATION, ApplicationRequest, service.application_input
    ),
    LoanUpdate.PROPOSE_TERMS.value: ConsoleStep(LoanUpdate.PROPOSE_TERMS, ProposalRequest, service.proposal_input),
}
# Steps that cannot be undone: the form asks to confirm.
IRREVERSIBLE = {"disburse", "withdraw", "reject", "declare_default", "write_off", "decide_approval"}


@router.get("/{loan_id}/steps/{action}", response_class=HTMLResponse)
async def step_form(request: Request, viewer: ViewerDep, session: SessionDep, loan_id: IdPath, action: str) -> Response:
    """The form of one step (loaded into the loan page by htmx, or as a page of its own without JavaScript)."""
    assert viewer.principal is not None
    step = CONSOLE_STEPS.get(action)
    try:
        loan, _ = await get_visible_loan_and_names(loan_id, session, viewer.principal)
    except LoanNotFound:
        return not_found(request, viewer)
    if step is None:
        return not_found(request, viewer)
    fields = await _fields(session, viewer, loan, step)
    return _form(request, viewer, loan_id, step, fields, {}, {}, None, uuid.uuid4().hex)


async def _fields(session: AsyncSession, viewer: Viewer, loan: Loan, step: ConsoleStep) -> list[forms.Input]:
    assert viewer.principal is not None
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    return await with_choices(session, viewer.principal, state, forms.inputs_of(step.request))


def _form(
    request: Request,
    viewer: Viewer,
    loan_id: str,
    step: ConsoleStep,
    fields: list[forms.Input],
    values: dict[str, list[str]],
    problems: dict[str, str],
    refusal: str | None,
    key: str,
    status: int = 200,
) -> HTMLResponse:
    template = "frame/_form.html" if request.headers.get("HX-Request") else "loans/step_page.html"
    return render(
        request,
        template,
        viewer,
        status=status,
        loan_id=loan_id,
        action=step.update.value,
        form_action=f"/console/loans/{loan_id}/steps/{step.update.value}",
        form_title=action_label(step.update.value, viewer.lang),
        form_target="step",
        cancel_href=f"/console/loans/{loan_id}",
        fields=fields,
        values={name: given[0] if given else "" for name, given in values.items()},
        chosen=values,
        problems=problems,
        refusal=refusal,
        key=key,
        confirm=step.update.value in IRREVERSIBLE,
    )


@router.post("/{loan_id}/steps/{action}", response_class=HTMLResponse)
async def take_step(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    session: SessionDep,
    loan_id: IdPath,
    action: str,
) -> Response:
    """Take the step: the form's fields validated by the API's model, the step sent by the API's own service with
    the form's Idempotency-Key."""
    assert viewer.principal is not None
    principal = viewer.principal
    form = await request.form()
    submitted = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}
    key = (submitted.get("idempotency_key") or [""])[0][:64] or uuid.uuid4().hex
    step = CONSOLE_STEPS.get(action)
    try:
        loan, names = await get_visible_loan_and_names(loan_id, session, principal)
    except LoanNotFound:
        return not_found(request, viewer)
    if step is None:
        return not_found(request, viewer)
    fields = await _fields(session, viewer, loan, step)
    try:
        body = step.request.model_validate(forms.values_of(fields, submitted))
    except ValidationError as error:
        problems = forms.problems_of(error)
        return _form(request, viewer, loan_id, step, fields, submitted, problems, None, key, status=422)
    context = request_context(request, principal, resources, f"console:{key}")
    try:
        data = await step.build(session, context, body)
        await service.run_step(session, resources.temporal, context, loan, step.update, data, names)
    except ApiError as refused:
        return _form(request, viewer, loan_id, step, fields, submitted, {}, refused.detail, key, refused.status)
    location = f"/console/loans/{loan_id}"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)
