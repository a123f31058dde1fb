"""`/console/whitelist`: a district's white list (filtered as the API filters it) with the import form, and an
import's review page — its counts, the rows (all, or those with errors only), the refused rows as a workbook, and the
commit. Every action goes through the API's own white-list service, its checks and its refusals."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from contracts.enums import District, OrganisationKind
from contracts.whitelist import CATEGORY_LABELS, RowResult, WhitelistCategory
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.errors import ApiError, Forbidden
from services.api.params import CursorQuery, IdPath
from services.api.whitelist import service
from services.store import organisations
from services.store.whitelist import EntryFilter

router = APIRouter(prefix="/console/whitelist", include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _district(viewer: Viewer, asked: District | None) -> District:
    assert viewer.principal is not None
    if viewer.principal.district is not None:
        return viewer.principal.district
    return asked or District.GUANGMING


async def _list_page(
    request: Request,
    viewer: Viewer,
    session: Any,
    district: District,
    flt: EntryFilter,
    cursor: str | None,
    *,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert viewer.principal is not None
    if not service.may_manage(viewer.principal, district):
        raise Forbidden(f"{district.label}'s white list is kept by its district office.")
    page = await service.list_entries(session, viewer.principal, flt, cursor, 50)
    imports = await service.list_imports(session, viewer.principal, district)
    banks = [
        b
        for b in await organisations.list_organisations(session, kind=OrganisationKind.BANK, limit=200)
        if b.district in (None, district)
    ]
    return render(
        request, "whitelist/list.html", viewer, status=status, district=district, page=page, imports=imports[:10],
        flt=flt, categories=CATEGORY_LABELS, refusal=refusal, key=uuid.uuid4().hex, banks=banks,
        push_key=uuid.uuid4().hex,
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def whitelist_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    district: Annotated[District | None, Query()] = None,
    category: Annotated[WhitelistCategory | None, Query()] = None,
    need: Annotated[bool | None, Query()] = None,
    min_ip: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    open_case: Annotated[bool | None, Query()] = None,
    cursor: CursorQuery = None,
) -> Response:
    """The list, filtered in the query string (category, financing need, IP holdings, an open case or none), and
    the import form."""
    chosen = _district(viewer, district)
    flt = EntryFilter(
        district=chosen.value, category=category.value if category else None, financing_need=need, min_ip=min_ip,
        open_case=open_case,
    )  # fmt: skip
    return await _list_page(request, viewer, session, chosen, flt, cursor)


@router.post("/imports", response_class=HTMLResponse)
async def upload(request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep) -> Response:
    """The file uploaded through the API's import; its review page next (or the list with the refusal)."""
    assert viewer.principal is not None
    form = await request.form()
    try:
        district = _district(viewer, District(str(form.get("district") or "guangming")))
        file = form.get("file")
        key = form.get("idempotency_key")
        context = request_context(request, viewer.principal, resources, key if isinstance(key, str) else None)
        if not isinstance(file, UploadFile) or not file.filename:
            refusal = "请选择要导入的文件（CSV 或 Excel）。" if viewer.lang == "zh" else "Choose a file to import."
            return await _list_page(
                request, viewer, session, district, EntryFilter(district=district.value), None,
                refusal=refusal, status=422,
            )  # fmt: skip
        limit = resources.settings.max_document_bytes
        content = await file.read(limit + 1)
        try:
            report = await service.upload(session, context, content, file.filename, district, limit)
        except ApiError as refused:
            await session.rollback()
            return await _list_page(
                request, viewer, session, district, EntryFilter(district=district.value), None,
                refusal=refused.detail, status=refused.status,
            )  # fmt: skip
    finally:
        await form.close()
    return RedirectResponse(f"/console/whitelist/imports/{report.id}", status_code=303)


@router.get("/imports/{import_id}", response_class=HTMLResponse)
async def import_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    import_id: IdPath,
    errors: Annotated[bool, Query(description="rows with errors only")] = False,
    after: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    assert viewer.principal is not None
    report = await service.view(session, viewer.principal, import_id, rejected_only=errors, after=after)
    return render(
        request, "whitelist/import.html", viewer, report=report, errors=errors, results=list(RowResult),
        key=uuid.uuid4().hex,
    )  # fmt: skip


@router.get("/imports/{import_id}/errors.xlsx")
async def errors_workbook(viewer: ViewerDep, session: SessionDep, import_id: IdPath) -> Response:
    assert viewer.principal is not None
    name, content = await service.errors_workbook(session, viewer.principal, import_id)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/imports/{import_id}/commit", response_class=HTMLResponse)
async def commit(
    request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep, import_id: IdPath
) -> Response:
    assert viewer.principal is not None
    form = await request.form()
    key = form.get("idempotency_key")
    context = request_context(request, viewer.principal, resources, key if isinstance(key, str) else None)
    try:
        report = await service.commit(session, context, import_id)
    except ApiError as refused:
        await session.rollback()
        report = await service.view(session, viewer.principal, import_id)
        return render(
            request, "whitelist/import.html", viewer, status=refused.status, report=report, errors=False,
            results=list(RowResult), key=uuid.uuid4().hex, refusal=refused.detail,
        )  # fmt: skip
    return render(
        request, "whitelist/import.html", viewer, report=report, errors=False, results=list(RowResult),
        key=uuid.uuid4().hex,
    )  # fmt: skip
