"""Outbound notifications: queue one webhook delivery per organisation, then deliver it, signed.

The body is JSON; the signature header is `X-Pledgeflow-Signature: sha256=<hex HMAC-SHA256 of the raw body with
the organisation's secret>`. A receiver recomputes it over the exact bytes it got and compares in constant time.
A delivery that does not get a 2xx answer raises, so Temporal retries it with backoff (WebhookDeliveryWorkflow);
every attempt is written to the delivery log (`GET /organisations/{id}/webhook/deliveries`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.names import Activity
from contracts.notifications import SIGNATURE_HEADER, DeliverInput, NotifyInput
from services.platform.egress import EgressPolicy, UnsafeDestination, pinned_request
from services.store import webhooks

DELIVERY_TIMEOUT_SECONDS = 10.0


def event_body(data: NotifyInput, org_id: str) -> str:
    """The JSON an organisation receives for one event; its `id` is the same on every retry."""
    event = {
        "id": f"{data.key}:{org_id}",
        "event": data.kind.value,
        "loan_id": data.loan_id,
        "summary": data.summary,
        "occurred_at": data.occurred_at.isoformat(),
        "data": data.data,
    }
    return json.dumps(event, ensure_ascii=False, sort_keys=True)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class NotificationActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient | None = None,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.http = http
        self.egress = egress or EgressPolicy()

    @activity.defn(name=Activity.QUEUE_NOTIFICATIONS)
    async def queue_notifications(self, data: NotifyInput) -> list[int]:
        """One delivery row per organisation with a webhook; a retry returns the same rows."""
        if not data.org_ids:
            return []
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            ids = [
                await webhooks.queue_delivery(
                    session,
                    event_key=data.key,
                    org_id=endpoint.org_id,
                    loan_id=data.loan_id,
                    kind=data.kind.value,
                    url=endpoint.url,
                    body=event_body(data, endpoint.org_id),
                    now=now,
                )
                for endpoint in await webhooks.endpoints_of(session, data.org_ids)
            ]
            return sorted(ids)

    @activity.defn(name=Activity.DELIVER_WEBHOOK)
    async def deliver_webhook(self, data: DeliverInput) -> None:
        async with self.sessions() as session:
            pending = await webhooks.pending_delivery(session, data.delivery_id)
        if pending is None:
            return
        delivery, secret = pending
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            "X-Pledgeflow-Delivery": str(data.delivery_id),
            "X-Pledgeflow-Event": delivery.kind,
        }
        status_code: int | None = None
        error: str | None = None
        try:
            # Checked again now (a name may resolve elsewhere since it was registered), and the connection goes to
            # the address checked; redirects are never followed (services/platform/egress.py).
            url, address = await self.egress.address_of(delivery.url)
            target, host, extensions = pinned_request(url, address)
            request = {"content": body, "headers": {**headers, **host}, "extensions": extensions}
            if self.http is not None:
                response = await self.http.post(target, follow_redirects=False, **request)  # type: ignore[arg-type]
            else:
                async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_SECONDS) as client:
                    response = await client.post(target, follow_redirects=False, **request)  # type: ignore[arg-type]
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"the receiver answered {status_code}"
        except UnsafeDestination as exc:
            error = f"refused: {exc}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        async with self.sessions() as session, session.begin():
            await webhooks.record_attempt(
                session, data.delivery_id, status_code=status_code, error=error, now=datetime.now(UTC)
            )
        if error:
            raise ApplicationError(f"webhook {data.delivery_id} to {delivery.url}: {error}")

    @activity.defn(name=Activity.GIVE_UP_WEBHOOK)
    async def give_up_webhook(self, data: DeliverInput) -> None:
        async with self.sessions() as session, session.begin():
            await webhooks.mark_failed(session, data.delivery_id)
