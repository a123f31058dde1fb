"""Who may upload and read a document, and how an upload is checked: its size, and its type from its bytes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from services.api.dependencies import RequestContext
from services.api.errors import (
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unprocessable,
    UnsupportedMediaType,
)
from services.api.visibility import scope_of
from services.domain.documents import ACCEPTED, media_type_of
from services.platform.auth import Principal
from services.store import documents, reference, subsidy_claims
from services.store.audit import append_audit
from services.store.blobs import BlobStore, BlobUnavailable
from services.store.subsidy_tables import Document

# Who files or reviews claims, and so uploads their materials.
UPLOADERS = (
    Role.ENTERPRISE,
    Role.STATION_SPECIALIST,
    Role.DISTRICT_REVIEWER,
    Role.BANK_OFFICER,
    Role.CITY_ADMIN,
    Role.PLATFORM_ADMIN,
)


class DocumentStoreUnavailable(ServiceUnavailable):
    type_slug = "document-store-unavailable"
    title = "The document store is unavailable"


async def content_of(blobs: BlobStore, document: Document) -> bytes:
    """A document's bytes; the store out of reach is a 503 the client may retry."""
    try:
        return await blobs.get(document.sha256)
    except BlobUnavailable as error:
        raise DocumentStoreUnavailable("The document cannot be read right now. Try again in a moment.") from error


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\\\]")


class DocumentNotFound(NotFound):
    type_slug = "document-not-found"
    title = "No such document"


def clean_filename(name: str | None) -> str:
    """The file's own name, without any folder, control character or slash, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("", base).strip()[:200]
    return cleaned or "document"


async def _district_of(session: AsyncSession, enterprise_id: str | None) -> str | None:
    if enterprise_id is None:
        return None
    enterprise = await reference.get_enterprise(session, enterprise_id)
    return enterprise.district if enterprise is not None else None


async def _may_act_for(session: AsyncSession, principal: Principal, enterprise_id: str | None) -> bool:
    """Whether the caller may upload for (or read the documents of) the enterprise `enterprise_id`."""
    if principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        return True
    if principal.role is Role.ENTERPRISE:
        return enterprise_id == principal.org_id
    if principal.role in (Role.STATION_SPECIALIST, Role.DISTRICT_REVIEWER):
        district = await _district_of(session, enterprise_id)
        return district is not None and principal.district is not None and district == principal.district.value
    return principal.role is Role.BANK_OFFICER and enterprise_id is None  # a bank's own claims


async def upload(
    session: AsyncSession,
    blobs: BlobStore,
    context: RequestContext,
    content: bytes,
    filename: str | None,
    enterprise_id: str | None,
    max_bytes: int,
) -> Document:
    principal = context.principal
    if principal.role not in UPLOADERS:
        raise Forbidden(f"Documents are uploaded by those who file or review claims, not by a {principal.role.label}.")
    if enterprise_id is not None and await reference.get_enterprise(session, enterprise_id) is None:
        raise Unprocessable(f"There is no enterprise {enterprise_id!r}.")
    if not await _may_act_for(session, principal, enterprise_id):
        raise Forbidden("You may upload documents for your own organisation, or for the enterprises of your district.")
    if not content:
        raise Unprocessable("The file is empty.")
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"The file is {len(content):,} bytes; a document may be at most {max_bytes:,}.")
    media_type = media_type_of(content)
    if media_type is None:
        raise UnsupportedMediaType(
            f"The file is not one of {', '.join(ACCEPTED)} (told from its content, whatever its name says)."
        )
    try:
        sha256 = await blobs.put(content)  # first the bytes, then the row: no row ever points at a missing blob
    except BlobUnavailable as error:
        raise DocumentStoreUnavailable(
            "The document could not be stored right now; nothing was kept. Try again."
        ) from error
    document = Document(
        id=uuid.uuid4().hex,
        sha256=sha256,
        size=len(content),
        media_type=media_type,
        filename=clean_filename(filename),
        enterprise_id=enterprise_id,
        uploaded_by=principal.sub,
        uploader_role=principal.role.value,
        uploader_org=principal.org_id,
        created_at=datetime.now(UTC),
    )
    await documents.add_document(session, document)
    entry = context.audit("document.uploaded", "document", document.id, {"sha256": sha256, "size": len(content)})
    await append_audit(session, entry)
    return document


async def _in_a_claim_seen_by(session: AsyncSession, principal: Principal, document_id: str) -> bool:
    """The document is a material of a claim the caller may see (the district reviewing a bank's own claim)."""
    scope = scope_of(principal)
    return any(scope.allows(claim) for claim in await subsidy_claims.citing(session, document_id))


async def readable(session: AsyncSession, principal: Principal, document_id: str) -> Document:
    """The document, if the caller may read it: its uploader's organisation, the enterprise it concerns, that
    enterprise's district (its reviewers and station), the city's and the platform's administrators, and whoever
    may see a claim it is a material of. Anyone else is told it does not exist."""
    document = await documents.get_document(session, document_id)
    if document is None or not (
        document.uploader_org == principal.org_id
        or (document.enterprise_id is not None and await _may_act_for(session, principal, document.enterprise_id))
        or principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN)
        or await _in_a_claim_seen_by(session, principal, document_id)
    ):
        raise DocumentNotFound(f"There is no document {document_id!r} that you can see.")
    return document
