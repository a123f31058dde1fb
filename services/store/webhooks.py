"""Repository of webhook endpoints and their delivery log: every query the webhook routes and the notification
activities need, and nothing they decide."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.tables import WebhookDelivery, WebhookEndpoint


async def save_endpoint(session: AsyncSession, org_id: str, url: str, secret: str, now: datetime) -> None:
    """Register the organisation's webhook, or replace its URL and secret."""
    await session.execute(
        insert(WebhookEndpoint)
        .values(org_id=org_id, url=url, secret=secret, created_at=now, updated_at=now)
        .on_conflict_do_update(index_elements=["org_id"], set_={"url": url, "secret": secret, "updated_at": now})
    )


async def endpoints_of(session: AsyncSession, org_ids: Sequence[str]) -> Sequence[WebhookEndpoint]:
    """The webhooks registered by these organisations (those without one are absent)."""
    query = select(WebhookEndpoint).where(col(WebhookEndpoint.org_id).in_(org_ids))
    query = query.order_by(col(WebhookEndpoint.org_id))
    return (await session.execute(query)).scalars().all()


async def queue_delivery(
    session: AsyncSession, *, event_key: str, org_id: str, loan_id: str, kind: str, url: str, body: str, now: datetime
) -> int:
    """The delivery of one event to one organisation; queuing it again returns the same row's id."""
    await session.execute(
        insert(WebhookDelivery)
        .values(
            event_key=event_key,
            org_id=org_id,
            loan_id=loan_id,
            kind=kind,
            url=url,
            body=body,
            status="queued",
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(constraint="uq_webhook_delivery_event_org")
    )
    query = select(col(WebhookDelivery.id)).where(
        col(WebhookDelivery.event_key) == event_key, col(WebhookDelivery.org_id) == org_id
    )
    delivery_id = (await session.execute(query)).scalar_one()
    assert delivery_id is not None  # the row was just inserted, or already there
    return delivery_id


async def pending_delivery(session: AsyncSession, delivery_id: int) -> tuple[WebhookDelivery, str] | None:
    """A delivery still to be sent, with its organisation's current signing secret ("" if the webhook is gone)."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status == "delivered":
        return None
    endpoint = await session.get(WebhookEndpoint, delivery.org_id)
    return delivery, endpoint.secret if endpoint is not None else ""


async def record_attempt(
    session: AsyncSession, delivery_id: int, *, status_code: int | None, error: str | None, now: datetime
) -> None:
    """One more attempt in the log: delivered when there is no error, retrying otherwise."""
    await session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id)
        .values(
            attempts=WebhookDelivery.attempts + 1,
            last_status_code=status_code,
            last_error=error,
            last_attempt_at=now,
            status="retrying" if error else "delivered",
            delivered_at=None if error else now,
        )
    )


async def mark_failed(session: AsyncSession, delivery_id: int) -> None:
    """Retries are exhausted: failed, unless an attempt got through meanwhile."""
    await session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.status) != "delivered")
        .values(status="failed")
    )


async def list_deliveries(
    session: AsyncSession, org_id: str, *, loan_id: str | None, limit: int
) -> Sequence[WebhookDelivery]:
    """The organisation's delivery log, newest first, optionally of one loan."""
    query = select(WebhookDelivery).where(col(WebhookDelivery.org_id) == org_id)
    if loan_id is not None:
        query = query.where(col(WebhookDelivery.loan_id) == loan_id)
    return (await session.execute(query.order_by(col(WebhookDelivery.id).desc()).limit(limit))).scalars().all()
