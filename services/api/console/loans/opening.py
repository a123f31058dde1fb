"""Opening a case from the console: a station specialist for an enterprise of their district, a bank officer for
their bank (the API's `open_loan` decides and answers; the form only offers the enterprises the person may see).
The form's Idempotency-Key names the new loan, so a double click opens one case."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.enterprises import service as enterprises
from services.api.errors import ApiError
from services.api.loans import service
from services.api.loans.schemas import OpenLoanRequest

router = APIRouter(prefix="/console/loans", include_in_schema=False)

CHOICES = 200


async def _form(
    request: Request, viewer: Viewer, session: AsyncSession, refusal: str | None = None, status: int = 200
) -> HTMLResponse:
    assert viewer.principal is not None
    page = await enterprises.list_enterprises(
        session,
        viewer.principal,
        district=viewer.principal.district.value if viewer.principal.district else None,
        cursor=None,
        limit=CHOICES,
    )
    return render(
        request,
        "loans/open.html",
        viewer,
        status=status,
        enterprises=page.items,
        refusal=refusal,
        key=uuid.uuid4().hex,
    )


@router.get("/new", response_class=HTMLResponse)
async def open_form(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    return await _form(request, viewer, session)


@router.post("/new", response_class=HTMLResponse)
async def open_case(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    session: SessionDep,
    enterprise_id: Annotated[str, Form(max_length=64)],
    idempotency_key: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    assert viewer.principal is not None
    try:
        body = OpenLoanRequest(enterprise_id=enterprise_id, note=note.strip() or None)
    except ValidationError:
        return await _form(request, viewer, session, refusal="请选择企业。", status=422)
    context = request_context(request, viewer.principal, resources, f"console-open:{idempotency_key}")
    try:
        opened = await service.open_loan(session, resources.temporal, context, body, resources.settings)
    except ApiError as refused:
        return await _form(request, viewer, session, refusal=refused.detail, status=refused.status)
    return RedirectResponse(f"/console/loans/{opened.id}", status_code=303)
