"""`/console/reference/{kind}`: a reference list with its registration form (for those who may register)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.console.frame import forms
from services.api.console.frame.i18n import word
from services.api.console.frame.render import Viewer, not_found, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.console.reference.kinds import KINDS, ReferenceKind
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.errors import ApiError

router = APIRouter(prefix="/console/reference", include_in_schema=False)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(getattr(v, "label", v)) for v in value)
    return "—" if value is None else str(getattr(value, "label", value))


async def _page(
    request: Request,
    viewer: Viewer,
    session: AsyncSession,
    kind: ReferenceKind,
    *,
    values: dict[str, list[str]] | None = None,
    problems: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert viewer.principal is not None
    rows = await kind.rows(session, viewer.principal)
    table = [[_cell(getattr(row, column, None)) for column in kind.columns] for row in rows]
    given = values or {}
    partial = request.method == "POST" and request.headers.get("HX-Request")  # a refused form, in place
    return render(
        request,
        "frame/_form.html" if partial else "reference/page.html",
        viewer,
        status=status,
        kind=kind,
        kinds=list(KINDS.values()),
        table=table,
        may_register=viewer.principal.role in kind.registrars,
        fields=forms.inputs_of(kind.model),
        values={name: v[0] if v else "" for name, v in given.items()},
        chosen=given,
        problems=problems or {},
        refusal=refusal,
        key=uuid.uuid4().hex,
        confirm=False,
        form_action=f"/console/reference/{kind.slug}",
        form_title=word("register", viewer.lang),
        form_target="register",
        cancel_href=f"/console/reference/{kind.slug}",
    )


@router.get("/{slug}", response_class=HTMLResponse)
async def reference_page(request: Request, viewer: ViewerDep, session: SessionDep, slug: str) -> Response:
    kind = KINDS.get(slug)
    if kind is None:
        return not_found(request, viewer)
    return await _page(request, viewer, session, kind)


@router.post("/{slug}", response_class=HTMLResponse)
async def register(
    request: Request, viewer: ViewerDep, resources: ResourcesDep, session: SessionDep, slug: str
) -> Response:
    """Register one entry with the reference API's own service (its checks, its audit record)."""
    kind = KINDS.get(slug)
    if kind is None:
        return not_found(request, viewer)
    assert viewer.principal is not None
    form = await request.form()
    submitted = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}
    if viewer.principal.role not in kind.registrars:
        allowed = ", ".join(role.label for role in kind.registrars)
        return await _page(request, viewer, session, kind, refusal=f"只有{allowed}可以登记。", status=403)
    try:
        body = kind.model.model_validate(forms.values_of(forms.inputs_of(kind.model), submitted))
    except ValidationError as error:
        problems = forms.problems_of(error)
        return await _page(request, viewer, session, kind, values=submitted, problems=problems, status=422)
    context = request_context(request, viewer.principal, resources, None)
    try:
        async with session.begin_nested():  # a refusal half-way leaves nothing behind
            await kind.create(session, context, body)
    except ApiError as refused:
        return await _page(
            request, viewer, session, kind, values=submitted, refusal=refused.detail, status=refused.status
        )
    location = f"/console/reference/{kind.slug}"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)
