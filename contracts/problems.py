"""The error body every pledgeflow endpoint returns (RFC 9457 problem details)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://pledgeflow.dev/problems/"


class FieldError(BaseModel):
    """One rejected field of a malformed request."""

    field: str = Field(description="Where the problem is, e.g. `body.amount`.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists field problems of a malformed request."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="A short, human-readable summary of the kind of problem.")
    status: int
    detail: str = Field(description="What went wrong with this request, in words a bank clerk understands.")
    instance: str = Field(description="The request path and request id this problem belongs to.")
    request_id: str | None = None
    errors: list[FieldError] | None = None
