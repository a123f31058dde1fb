"""Rules of an organisation's webhook: only its own users (or a platform admin) see or change it, the URL must be a
public https address (checked again at every delivery), and registering rotates the signing secret."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from contracts.notifications import SIGNATURE_HEADER
from services.api.dependencies import RequestContext
from services.api.errors import Unprocessable
from services.api.organisations.exceptions import OrganisationNotFound
from services.api.webhooks.schemas import WebhookDeliveryRead, WebhookRead
from services.platform.auth import Principal
from services.platform.egress import EgressPolicy, UnsafeDestination
from services.store import organisations
from services.store import webhooks as repository
from services.store.audit import append_audit


class UnsafeWebhookUrl(Unprocessable):
    type_slug = "unsafe-webhook-url"
    title = "Webhooks go to public https addresses only"


def _own(principal: Principal, org_id: str) -> None:
    """An organisation's webhook is its own business: others get 404, as for any object they cannot see."""
    if principal.role is not Role.PLATFORM_ADMIN and principal.org_id != org_id:
        raise OrganisationNotFound(org_id)


async def register_webhook(
    session: AsyncSession, context: RequestContext, egress: EgressPolicy, org_id: str, url: str
) -> WebhookRead:
    _own(context.principal, org_id)
    if await organisations.get_organisation(session, org_id) is None:
        raise OrganisationNotFound(org_id)
    try:
        await egress.address_of(url)
    except UnsafeDestination as error:
        raise UnsafeWebhookUrl(f"This webhook URL is not accepted: {error}.") from None
    secret = secrets.token_urlsafe(32)
    await repository.save_endpoint(session, org_id, url, secret, datetime.now(UTC))
    await append_audit(session, context.audit("webhook.registered", "organisation", org_id, {"url": url}))
    await session.commit()  # the secret is shown once: it must be stored before the answer carries it
    return WebhookRead(org_id=org_id, url=url, secret=secret, signature_header=SIGNATURE_HEADER)


async def list_deliveries(
    session: AsyncSession, principal: Principal, org_id: str, loan_id: str | None, limit: int
) -> list[WebhookDeliveryRead]:
    _own(principal, org_id)
    rows = await repository.list_deliveries(session, org_id, loan_id=loan_id, limit=limit)
    return [WebhookDeliveryRead.model_validate(row, from_attributes=True) for row in rows]
