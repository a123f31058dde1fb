"""The console's correction of a returned claim (补正): the checklist of the claim's kind, each item as the claim
holds it (pledgeflow's own fact, or the document given) with a file to give or replace — the items the reviewer
asked to fix marked — sent as one form: the files are uploaded through the documents service, then the correction
goes through the API's own step (checked and computed again, a new revision)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from temporalio.client import Client

from contracts.subsidy_claim import ClaimState
from contracts.types import TRUSTED
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, request_context
from services.api.dependencies import RequestContext, ResourcesDep, SessionDep, TemporalDep
from services.api.documents import service as documents
from services.api.documents.router import blob_store
from services.api.errors import ApiError
from services.api.state import AppResources
from services.api.subsidy_claims import service, steps
from services.api.subsidy_claims.router import ClaimIdPath
from services.api.subsidy_claims.schemas import Materials
from services.store import subsidy_policies
from services.store.subsidy_facts import terms_of
from services.store.subsidy_tables import SubsidyClaim

router = APIRouter(prefix="/console/subsidies/claims", include_in_schema=False)


async def _page(
    request: Request, viewer: Viewer, session: Any, claim_id: str, *, refusal: str | None = None, status: int = 200
) -> HTMLResponse:
    assert viewer.principal is not None
    claim = await service.visible_claim(session, viewer.principal, claim_id)
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    policy = await subsidy_policies.get_version(session, claim.policy_id)
    assert policy is not None  # a claim names the version it was filed under
    checklist = terms_of(policy).kinds[state.kind].materials
    held = {link.code: link for link in state.current.materials}
    to_fix = set(state.returns[-1].items) if state.returns else set()
    return render(
        request, "subsidies/correction.html", viewer, status=status, claim=claim, state=state, checklist=checklist,
        held=held, to_fix=to_fix, refusal=refusal, key=uuid.uuid4().hex,
    )  # fmt: skip


@router.get("/{claim_id}/correction", response_class=HTMLResponse)
async def correction_form(request: Request, viewer: ViewerDep, session: SessionDep, claim_id: ClaimIdPath) -> Response:
    return await _page(request, viewer, session, claim_id)


@router.post("/{claim_id}/correction", response_class=HTMLResponse)
async def correct(
    request: Request,
    viewer: ViewerDep,
    resources: ResourcesDep,
    session: SessionDep,
    temporal: TemporalDep,
    claim_id: ClaimIdPath,
) -> Response:
    assert viewer.principal is not None
    claim = await service.visible_claim(session, viewer.principal, claim_id)
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    form = await request.form()
    key = form.get("idempotency_key")
    context = request_context(request, viewer.principal, resources, key if isinstance(key, str) else None)
    limit = resources.settings.max_document_bytes
    given = {link.code: link.document_id for link in state.current.materials if link.document_id is not None}
    try:
        await _upload_and_correct(session, temporal, resources, context, claim, form, given, limit)
    except ApiError as refused:
        await session.rollback()
        return await _page(request, viewer, session, claim_id, refusal=refused.detail, status=refused.status)
    finally:
        await form.close()  # the uploaded files' temporary files
    return RedirectResponse(f"/console/subsidies/claims/{claim_id}", status_code=303)


async def _upload_and_correct(
    session: AsyncSession,
    temporal: Client,
    resources: AppResources,
    context: RequestContext,
    claim: SubsidyClaim,
    form: FormData,
    given: dict[str, str],
    limit: int,
) -> None:
    """Upload the files given (each a material's new document), then send the correction with every document."""
    for name, value in form.multi_items():
        if not (name.startswith("file.") and isinstance(value, UploadFile) and value.filename):
            continue
        content = await value.read(limit + 1)
        document = await documents.upload(
            session, blob_store(resources), context, content, value.filename, claim.enterprise_id, limit
        )
        given[name.removeprefix("file.")] = document.id
    await steps.correct(session, temporal, context, claim, Materials(documents=given))
