"""`/organisations/{org_id}/webhook`: where an organisation receives its loan events, and the delivery log.

Any user of the organisation (or a platform admin) registers the URL; registering again replaces the URL and
rotates the secret, which is shown only in that answer. Each event is POSTed as JSON with
`X-Pledgeflow-Signature: sha256=<HMAC-SHA256 of the body with the secret>`, retried with backoff for about a day.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from contracts.enums import Role
from contracts.notifications import SIGNATURE_HEADER
from services.api.dependencies import PrincipalDep, RequestContextDep, ResourcesDep, SessionDep
from services.api.errors import Unauthenticated, Unprocessable, problem_responses
from services.api.organisations.exceptions import OrganisationNotFound
from services.api.params import IdFilter, IdPath
from services.api.webhooks.schemas import WebhookDeliveryRead, WebhookRead, WebhookRequest
from services.platform.auth import Principal
from services.platform.egress import UnsafeDestination
from services.store import organisations
from services.store.audit import append_audit
from services.store.tables import WebhookDelivery, WebhookEndpoint

router = APIRouter(prefix="/organisations/{org_id}/webhook", tags=["webhooks"])


class UnsafeWebhookUrl(Unprocessable):
    type_slug = "unsafe-webhook-url"
    title = "Webhooks go to public https addresses only"


OrgId = IdPath


def _own(principal: Principal, org_id: str) -> None:
    """An organisation's webhook is its own business: others get 404, as for any object they cannot see."""
    if principal.role is not Role.PLATFORM_ADMIN and principal.org_id != org_id:
        raise OrganisationNotFound(org_id)


@router.put(
    "",
    response_model=WebhookRead,
    summary="Register (or replace) your organisation's webhook; the answer carries a new signing secret",
    responses=problem_responses(Unauthenticated, OrganisationNotFound, UnsafeWebhookUrl),
)
async def register_webhook(
    org_id: OrgId, body: WebhookRequest, session: SessionDep, context: RequestContextDep, resources: ResourcesDep
) -> WebhookRead:
    _own(context.principal, org_id)
    if await organisations.get_organisation(session, org_id) is None:
        raise OrganisationNotFound(org_id)
    try:
        await resources.settings.egress.address_of(str(body.url))
    except UnsafeDestination as error:
        raise UnsafeWebhookUrl(f"This webhook URL is not accepted: {error}.") from None
    now = datetime.now(UTC)
    secret = secrets.token_urlsafe(32)
    endpoint = await session.get(WebhookEndpoint, org_id)
    if endpoint is None:
        endpoint = WebhookEndpoint(org_id=org_id, url=str(body.url), secret=secret, created_at=now, updated_at=now)
        session.add(endpoint)
    else:
        endpoint.url, endpoint.secret, endpoint.updated_at = str(body.url), secret, now
    await append_audit(session, context.audit("webhook.registered", "organisation", org_id, {"url": str(body.url)}))
    await session.commit()
    return WebhookRead(org_id=org_id, url=str(body.url), secret=secret, signature_header=SIGNATURE_HEADER)


@router.get(
    "/deliveries",
    response_model=list[WebhookDeliveryRead],
    summary="The delivery log: every event sent to your webhook, its attempts and last answer (newest first)",
    responses=problem_responses(Unauthenticated, OrganisationNotFound),
)
async def list_deliveries(
    org_id: OrgId,
    session: SessionDep,
    principal: PrincipalDep,
    loan: IdFilter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[WebhookDeliveryRead]:
    _own(principal, org_id)
    query = select(WebhookDelivery).where(col(WebhookDelivery.org_id) == org_id)
    if loan is not None:
        query = query.where(col(WebhookDelivery.loan_id) == loan)
    rows = (await session.execute(query.order_by(col(WebhookDelivery.id).desc()).limit(limit))).scalars()
    return [WebhookDeliveryRead.model_validate(row, from_attributes=True) for row in rows]
