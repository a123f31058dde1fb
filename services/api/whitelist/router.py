"""Routes of `/whitelist`: the list, and its imports — upload (a multipart form with the file), the per-row review
(all rows, or the refused ones only), the refused rows as a workbook, the commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.responses import Response

from contracts.enums import District
from contracts.types import STORABLE
from contracts.whitelist import WhitelistCategory
from services.api.dependencies import PrincipalDep, RequestContextDep, ResourcesDep, SessionDep
from services.api.errors import (
    Forbidden,
    PayloadTooLarge,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
    problem_responses,
)
from services.api.params import BadCursor, CursorQuery, IdPath
from services.api.whitelist import service
from services.api.whitelist.schemas import EntryPage, ImportSummary, ImportView
from services.store.whitelist import EntryFilter

router = APIRouter(tags=["whitelist"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post(
    "/whitelist/imports",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportView,
    summary="Upload a white-list file (CSV in UTF-8 or GB18030, or Excel): every row checked, stored for review",
    responses=problem_responses(Unauthenticated, Forbidden, Unprocessable, UnsupportedMediaType, PayloadTooLarge),
)
async def upload_import(
    session: SessionDep,
    context: RequestContextDep,
    resources: ResourcesDep,
    file: Annotated[UploadFile, File(description="the white list: CSV or XLSX, a header row first")],
    district: Annotated[District, Form(description="the district whose list it is")],
) -> ImportView:
    limit = resources.settings.max_document_bytes
    content = await file.read(limit + 1)
    return await service.upload(session, context, content, file.filename, district, limit)


@router.get(
    "/whitelist/imports",
    response_model=list[ImportSummary],
    summary="The latest imports (a reviewer's own district; administrators any)",
    responses=problem_responses(Unauthenticated, Forbidden),
)
async def list_imports(
    session: SessionDep, principal: PrincipalDep, district: Annotated[District | None, Query()] = None
) -> list[ImportSummary]:
    return await service.list_imports(session, principal, district)


@router.get(
    "/whitelist/imports/{import_id}",
    response_model=ImportView,
    summary="An import with its result per row (`rejected=true`: the refused rows only; `after`: the next page)",
    responses=problem_responses(Unauthenticated, service.ImportNotFound),
)
async def get_import(
    import_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    rejected: Annotated[bool, Query(description="the refused rows only")] = False,
    after: Annotated[int | None, Query(ge=0, le=10_000_000, description="`next_after` of the previous page")] = None,
) -> ImportView:
    return await service.view(session, principal, import_id, rejected_only=rejected, after=after)


@router.get(
    "/whitelist/imports/{import_id}/errors.xlsx",
    response_class=Response,
    summary="The refused rows as a workbook, the reason beside each",
    responses={
        200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(Unauthenticated, service.ImportNotFound),
    },
)
async def errors_workbook(import_id: IdPath, session: SessionDep, principal: PrincipalDep) -> Response:
    name, content = await service.errors_workbook(session, principal, import_id)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post(
    "/whitelist/imports/{import_id}/commit",
    response_model=ImportView,
    summary="Write the import's new and updated rows to the list (once)",
    responses=problem_responses(Unauthenticated, service.ImportNotFound, service.ImportCommitted),
)
async def commit_import(import_id: IdPath, session: SessionDep, context: RequestContextDep) -> ImportView:
    return await service.commit(session, context, import_id)


@router.get(
    "/whitelist",
    response_model=EntryPage,
    summary="A district's white list, filtered (category, financing need, IP holdings, an open case or none, name or "
    "credit code)",
    responses=problem_responses(Unauthenticated, Forbidden, BadCursor),
)
async def list_entries(
    session: SessionDep,
    principal: PrincipalDep,
    district: Annotated[District | None, Query()] = None,
    category: Annotated[WhitelistCategory | None, Query()] = None,
    financing_need: Annotated[bool | None, Query()] = None,
    min_ip: Annotated[int | None, Query(ge=0, le=1_000_000, description="at least this many IP rights")] = None,
    open_case: Annotated[
        bool | None, Query(description="false: only enterprises without an open case in pledgeflow (to push)")
    ] = None,
    q: Annotated[
        Annotated[str, STORABLE] | None,
        Query(min_length=1, max_length=100, description="part of the name, or the credit code"),
    ] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EntryPage:
    flt = EntryFilter(
        district=district.value if district else None,
        category=category.value if category else None,
        financing_need=financing_need,
        min_ip=min_ip,
        search=q,
        open_case=open_case,
    )
    return await service.list_entries(session, principal, flt, cursor, limit)
