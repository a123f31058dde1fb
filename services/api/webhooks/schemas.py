"""Bodies of the webhook endpoints of an organisation."""

from __future__ import annotations

from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookRequest(_Body):
    url: AnyHttpUrl = Field(description="Where events are POSTed; each body is signed with HMAC-SHA256.")


class WebhookRead(BaseModel):
    org_id: str
    url: str
    secret: str | None = Field(
        default=None, description="Shown once, when the webhook is registered or its secret rotated."
    )
    signature_header: str


class WebhookDeliveryRead(BaseModel):
    id: int
    event_key: str
    loan_id: str
    kind: str
    url: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
