"""`/organisations/{org_id}/webhook`: where an organisation receives its loan events, and the delivery log.

Any user of the organisation (or a platform admin) registers the URL; registering again replaces the URL and
rotates the secret, which is shown only in that answer. Each event is POSTed as JSON with
`X-Pledgeflow-Signature: sha256=<HMAC-SHA256 of the body with the secret>`, retried with backoff for about a day.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.api.dependencies import PrincipalDep, RequestContextDep, ResourcesDep, SessionDep
from services.api.errors import Unauthenticated, problem_responses
from services.api.organisations.exceptions import OrganisationNotFound
from services.api.params import IdFilter, IdPath
from services.api.webhooks import service
from services.api.webhooks.schemas import WebhookDeliveryRead, WebhookRead, WebhookRequest
from services.api.webhooks.service import UnsafeWebhookUrl

router = APIRouter(prefix="/organisations/{org_id}/webhook", tags=["webhooks"])


@router.put(
    "",
    response_model=WebhookRead,
    summary="Register (or replace) your organisation's webhook; the answer carries a new signing secret",
    responses=problem_responses(Unauthenticated, OrganisationNotFound, UnsafeWebhookUrl),
)
async def register_webhook(
    org_id: IdPath, body: WebhookRequest, session: SessionDep, context: RequestContextDep, resources: ResourcesDep
) -> WebhookRead:
    return await service.register_webhook(session, context, resources.settings.egress, org_id, str(body.url))


@router.get(
    "/deliveries",
    response_model=list[WebhookDeliveryRead],
    summary="The delivery log: every event sent to your webhook, its attempts and last answer (newest first)",
    responses=problem_responses(Unauthenticated, OrganisationNotFound),
)
async def list_deliveries(
    org_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    loan: IdFilter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[WebhookDeliveryRead]:
    return await service.list_deliveries(session, principal, org_id, loan, limit)
