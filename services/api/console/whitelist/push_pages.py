"""`/console/whitelist/pushes`: for a district's office, pushing the enterprises checked on the list to banks and the
pushes with their answers (overdue flagged) and each bank's conversion; for a bank, the pushes waiting for its answer,
each with accept and decline (with the reason). Every action goes through the API's own push service."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.enums import District, Role
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.dependencies import ResourcesDep, SessionDep, TemporalDep
from services.api.errors import ApiError
from services.api.params import IdPath
from services.api.whitelist import pushes
from services.api.whitelist.schemas import AnswerRequest, PushRequest

router = APIRouter(prefix="/console/whitelist/pushes", include_in_schema=False)

BANK_ROLES = (Role.BANK_OFFICER, Role.BANK_APPROVER)


async def _page(
    request: Request, viewer: Viewer, session: Any, *, refusal: str | None = None, status: int = 200
) -> HTMLResponse:
    assert viewer.principal is not None
    principal = viewer.principal
    listed = await pushes.list_pushes(session, principal, principal.district, None)
    bank = principal.role in BANK_ROLES
    conversion = [] if bank else await pushes.conversion(session, principal, principal.district)
    return render(
        request, "whitelist/pushes.html", viewer, status=status, pushes=listed, bank=bank, conversion=conversion,
        refusal=refusal, keys={p.id: uuid.uuid4().hex for p in listed},
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def pushes_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    return await _page(request, viewer, session)


@router.post("", response_class=HTMLResponse)
async def push(
    request: Request, viewer: ViewerDep, session: SessionDep, temporal: TemporalDep, resources: ResourcesDep
) -> Response:
    """The enterprises checked on the list pushed to the banks chosen."""
    assert viewer.principal is not None
    form = await request.form()
    key = form.get("idempotency_key")
    context = request_context(request, viewer.principal, resources, key if isinstance(key, str) else None)
    district = form.get("district")
    try:
        body = PushRequest(
            credit_codes=[str(v) for v in form.getlist("code")],
            bank_ids=[str(v) for v in form.getlist("bank")],
            district=District(str(district)) if district else None,
        )
    except (ValidationError, ValueError):
        refusal = (
            "请勾选要推送的企业（最多20家）并选择银行（最多5家）。"
            if viewer.lang == "zh"
            else ("Check the enterprises to push (at most 20) and choose the banks (at most 5).")
        )
        return await _page(request, viewer, session, refusal=refusal, status=422)
    try:
        await pushes.push(session, temporal, context, resources.settings, body)
    except ApiError as refused:
        await session.rollback()
        return await _page(request, viewer, session, refusal=refused.detail, status=refused.status)
    return RedirectResponse("/console/whitelist/pushes", status_code=303)


@router.post("/{push_id}/answer", response_class=HTMLResponse)
async def answer(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    temporal: TemporalDep,
    resources: ResourcesDep,
    push_id: IdPath,
) -> Response:
    """The bank's answer: accept (the case opens) or decline with the reason."""
    assert viewer.principal is not None
    form = await request.form()
    key = form.get("idempotency_key")
    context = request_context(request, viewer.principal, resources, key if isinstance(key, str) else None)
    reason = str(form.get("reason") or "").strip() or None
    try:
        body = AnswerRequest(accept=form.get("accept") == "true", reason=reason)
        await pushes.answer(session, temporal, context, resources.settings, push_id, body)
    except ValidationError as error:
        return await _page(request, viewer, session, refusal=error.errors()[0]["msg"], status=422)
    except ApiError as refused:
        await session.rollback()
        return await _page(request, viewer, session, refusal=refused.detail, status=refused.status)
    return RedirectResponse("/console/whitelist/pushes", status_code=303)
