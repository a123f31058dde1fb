"""Routes of `/documents`: upload (a multipart form with the file) and download."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, UploadFile, status
from fastapi.responses import Response

from services.api.dependencies import PrincipalDep, RequestContextDep, ResourcesDep, SessionDep
from services.api.documents import service
from services.api.documents.schemas import DocumentRead
from services.api.errors import (
    Forbidden,
    PayloadTooLarge,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
    problem_responses,
)
from services.api.params import IdPath
from services.domain.documents import ACCEPTED
from services.store.blobs import BlobStore

router = APIRouter(tags=["documents"])


def blob_store(resources: ResourcesDep) -> BlobStore:
    return resources.blobs


BlobsDep = Annotated[BlobStore, Depends(blob_store)]


@router.post(
    "/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentRead,
    summary="Upload a document (PDF, JPEG, PNG or OFD, told from its content) for a claim's materials",
    responses=problem_responses(
        Unauthenticated,
        Forbidden,
        Unprocessable,
        UnsupportedMediaType,
        PayloadTooLarge,
        service.DocumentStoreUnavailable,
    ),
)
async def upload_document(
    session: SessionDep,
    context: RequestContextDep,
    resources: ResourcesDep,
    blobs: BlobsDep,
    file: Annotated[UploadFile, File(description="the document")],
    enterprise_id: Annotated[str | None, Form(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", max_length=64)] = None,
) -> DocumentRead:
    limit = resources.settings.max_document_bytes
    content = await file.read(limit + 1)  # one byte past the limit is enough to refuse it
    document = await service.upload(session, blobs, context, content, file.filename, enterprise_id, limit)
    return DocumentRead.model_validate(document)


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    summary="A document's content (for those who may see it)",
    responses={
        200: {"content": {media: {"schema": {"type": "string", "format": "binary"}} for media in ACCEPTED}},
        **problem_responses(Unauthenticated, service.DocumentNotFound, service.DocumentStoreUnavailable),
    },
)
async def download_document(
    document_id: IdPath, session: SessionDep, principal: PrincipalDep, blobs: BlobsDep
) -> Response:
    document = await service.readable(session, principal, document_id)
    content = await service.content_of(blobs, document)
    return Response(
        content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/documents/{document_id}/meta",
    response_model=DocumentRead,
    summary="A document's metadata",
    responses=problem_responses(Unauthenticated, service.DocumentNotFound),
)
async def document_meta(document_id: IdPath, session: SessionDep, principal: PrincipalDep) -> DocumentRead:
    return DocumentRead.model_validate(await service.readable(session, principal, document_id))
