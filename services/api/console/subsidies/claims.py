"""The console's claim pages: the reviewer's queue by whose turn it is (with working-day ages and overdue flags),
a claim (its computation, materials with preview, timeline and the steps the caller may take now, each a form made
from the API's own request model and sent through the API's own step functions), a round (its notice list and
workbook, the notice and the funding plan), and documents served to those who may see them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.subsidy_claim import ClaimState
from contracts.types import TRUSTED
from services.api.console.frame import forms
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.dependencies import ResourcesDep, SessionDep, TemporalDep
from services.api.documents import service as documents
from services.api.documents.router import blob_store
from services.api.errors import ApiError
from services.api.params import IdPath
from services.api.subsidy_claims import round_steps, service
from services.api.subsidy_claims.router import CLAIM_ROUTES, ClaimIdPath, ClaimRoute, RoundIdPath
from services.api.subsidy_claims.schemas import FundingPlan, NoticeRequest
from services.domain.calendar import shanghai_date, working_days_between
from services.domain.subsidy.amounts import STEPS
from services.store import documents as documents_store
from services.store import subsidy_claims

router = APIRouter(prefix="/console", include_in_schema=False)

BY_UPDATE: dict[str, ClaimRoute] = {row.update.value: row for row in CLAIM_ROUTES}
GROUPS = (
    ("overdue", "review_overdue"),
    ("mine", "waiting_for_you"),
    ("filer", "waiting_for_filer"),
    (None, "all_claims"),
)


@dataclass(frozen=True)
class StepForm:
    """A step's form as drawn: its fields, what was sent, the problems and refusal, the Idempotency-Key."""

    fields: list[forms.Input]
    given: dict[str, str]
    chosen: dict[str, list[str]]
    problems: dict[str, str]
    refusal: str | None
    key: str


def _age(updated_at: datetime) -> int:
    return working_days_between(shanghai_date(updated_at), shanghai_date(datetime.now(UTC)))


@router.get("/subsidies/claims", response_class=HTMLResponse)
async def queue(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    """The claims the caller may see, by whose turn it is (overdue first), each with its age in working days since
    its last step and, when it waits for the district past its due day, an overdue flag."""
    assert viewer.principal is not None
    groups = []
    for turn, title in GROUPS:
        page = await service.list_claims(session, viewer.principal, subsidy_claims.ClaimFilter(), turn, None, 50)  # type: ignore[arg-type]
        rows = [(item, _age(item.updated_at)) for item in page.items]
        groups.append((title, rows))
    return render(request, "subsidies/claims.html", viewer, groups=groups)


async def _claim_page(
    request: Request,
    viewer: Viewer,
    session: Any,
    claim_id: str,
    *,
    action: str | None = None,
    values: dict[str, str] | None = None,
    chosen: dict[str, list[str]] | None = None,
    problems: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert viewer.principal is not None
    claim = await service.visible_claim(session, viewer.principal, claim_id)
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    view = await service.claim_view(session, viewer.principal, claim, state)
    offered = [(a, _fields(a)) for a in view.actions if a in BY_UPDATE]
    previews = await _previews(session, [m.document_id for m in state.current.materials if m.document_id])
    form = None
    if action is not None:
        form = StepForm(_fields(action) or [], values or {}, chosen or {}, problems or {}, refusal, uuid.uuid4().hex)
    return render(
        request,
        "subsidies/claim.html",
        viewer,
        status=status,
        claim=view,
        state=state,
        offered=offered,
        action=action,
        form=form,
        routes=BY_UPDATE,
        step_names=STEPS,
        previews=previews,
    )


# How a material is shown in place on the claim page: images as images, PDFs in the browser's own viewer; an OFD
# (which browsers do not read) is offered for download only.
_PREVIEW = {"image/png": "image", "image/jpeg": "image", "application/pdf": "pdf"}


async def _previews(session: Any, document_ids: list[str]) -> dict[str, str]:
    """document id → how it previews ("image", "pdf"); documents that do not preview are left out."""
    found = {}
    for document_id in document_ids:
        document = await documents_store.get_document(session, document_id)
        if document is not None and document.media_type in _PREVIEW:
            found[document_id] = _PREVIEW[document.media_type]
    return found


def _fields(action: str) -> list[forms.Input] | None:
    """The form of a step, or None when it has a field the console does not ask for (taken through the API)."""
    try:
        return forms.inputs_of(BY_UPDATE[action].request)
    except forms.Unsupported:
        return None


@router.get("/subsidies/claims/{claim_id}", response_class=HTMLResponse)
async def claim_page(
    request: Request, viewer: ViewerDep, session: SessionDep, claim_id: ClaimIdPath, step: str | None = None
) -> Response:
    if step is not None and (step not in BY_UPDATE or _fields(step) is None):
        step = None
    return await _claim_page(request, viewer, session, claim_id, action=step)


@router.post("/subsidies/claims/{claim_id}/steps/{action}", response_class=HTMLResponse)
async def take_step(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    session: SessionDep,
    temporal: TemporalDep,
    claim_id: ClaimIdPath,
    action: str,
) -> Response:
    """One step through the API's own function, with the Idempotency-Key the form was drawn with."""
    assert viewer.principal is not None
    row = BY_UPDATE.get(action)
    fields = _fields(action) if row is not None else None
    if row is None or fields is None:
        return await _claim_page(request, viewer, session, claim_id, status=404)
    claim = await service.visible_claim(session, viewer.principal, claim_id)
    form = await request.form()
    submitted = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}
    values = {name: v[0] if v else "" for name, v in submitted.items()}
    try:
        body = row.request.model_validate(forms.values_of(fields, submitted))
    except ValidationError as error:
        problems = forms.problems_of(error)
        return await _claim_page(
            request, viewer, session, claim_id, action=action, values=values, chosen=submitted, problems=problems,
            status=422,
        )  # fmt: skip
    key = values.get("idempotency_key") or None
    context = request_context(request, viewer.principal, resources, key)
    try:
        await row.run(session, temporal, context, claim, body)
    except ApiError as refused:
        await session.rollback()
        return await _claim_page(
            request, viewer, session, claim_id, action=action, values=values, chosen=submitted,
            refusal=refused.detail, status=refused.status,
        )  # fmt: skip
    return RedirectResponse(f"/console/subsidies/claims/{claim_id}", status_code=303)


async def _round_page(
    request: Request,
    viewer: Viewer,
    session: Any,
    round_id: str,
    *,
    plan: FundingPlan | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert viewer.principal is not None
    seen = await round_steps.overview(session, viewer.principal, round_id)
    return render(
        request, "subsidies/round.html", viewer, status=status, notice=seen.notice, approved=seen.approved,
        noticed=seen.noticed, may_act=seen.may_act, plan=plan, refusal=refusal,
    )  # fmt: skip


@router.get("/subsidies/rounds/{round_id}", response_class=HTMLResponse)
async def round_page(request: Request, viewer: ViewerDep, session: SessionDep, round_id: RoundIdPath) -> Response:
    """A round: its notice list (and workbook); for its district's reviewers, the notice and the funding plan."""
    return await _round_page(request, viewer, session, round_id)


@router.post("/subsidies/rounds/{round_id}/{what}", response_class=HTMLResponse)
async def round_step(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    session: SessionDep,
    temporal: TemporalDep,
    round_id: RoundIdPath,
    what: str,
) -> Response:
    """Publish the round's notice, or issue its funding plan (the API's own functions, their checks and refusals)."""
    assert viewer.principal is not None
    form = await request.form()
    key = form.get("idempotency_key")
    context = request_context(request, viewer.principal, resources, key if isinstance(key, str) else None)
    try:
        if what == "notice":
            await round_steps.publish_notice(session, temporal, context, round_id, NoticeRequest())
            return RedirectResponse(f"/console/subsidies/rounds/{round_id}", status_code=303)
        if what == "funding-plan":
            plan = await round_steps.issue_funding_plan(session, temporal, context, round_id)
            return await _round_page(request, viewer, session, round_id, plan=plan)
    except ApiError as refused:
        await session.rollback()
        return await _round_page(request, viewer, session, round_id, refusal=refused.detail, status=refused.status)
    return await _round_page(request, viewer, session, round_id, status=404)


@router.get("/subsidies/rounds/{round_id}/notice.xlsx")
async def round_workbook(_: ViewerDep, session: SessionDep, round_id: RoundIdPath) -> Response:
    notice = await round_steps.notice_list(session, round_id)
    return Response(
        round_steps.notice_workbook(notice),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="notice-{round_id}.xlsx"'},
    )


@router.get("/documents/{document_id}")
async def document(viewer: ViewerDep, session: SessionDep, resources: ResourcesDep, document_id: IdPath) -> Response:
    """A material, shown in the browser (PDF and images preview in place), to those who may read it."""
    assert viewer.principal is not None
    found = await documents.readable(session, viewer.principal, document_id)
    content = await documents.content_of(blob_store(resources), found)
    disposition = "inline" if found.media_type != "application/ofd" else "attachment"
    return Response(
        content,
        media_type=found.media_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
