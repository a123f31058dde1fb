"""Outbound notifications: what the loan workflow hands to the webhook deliverer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

WEBHOOK_WORKFLOW_NAME = "WebhookDeliveryWorkflow"
SIGNATURE_HEADER = "X-Pledgeflow-Signature"


class NotificationKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    TIER_CHANGED = "tier_changed"
    COMPENSATION_REQUESTED = "compensation_requested"
    RELEASED = "released"
    DISPOSED = "disposed"


class NotifyInput(BaseModel):
    """One event for the loan's parties; `key` makes queueing it idempotent."""

    model_config = ConfigDict(extra="forbid")

    key: str
    loan_id: str
    kind: NotificationKind
    summary: str
    org_ids: list[str]
    occurred_at: datetime
    data: dict[str, object]


class DeliverInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_id: int
