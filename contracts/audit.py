"""Models exchanged between workflows and the audit activity."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RecordAuditInput(BaseModel):
    """One audit record a workflow asks an activity to append (who did what to which target)."""

    actor_sub: str
    actor_role: str
    actor_org: str
    action: str = Field(max_length=100)
    target_type: str = Field(max_length=50)
    target_id: str = Field(max_length=200)
    payload_digest: str = Field(min_length=64, max_length=64)
    request_id: str | None = None
    details: dict[str, Any] | None = None
    dedup_key: str | None = Field(
        default=None, description="Makes a retried activity append once (e.g. the workflow update id)."
    )


class AuditRecordResult(BaseModel):
    chain: str
    seq: int
    hash: str
