"""The inputs and answers of the loan workflow's activities: the write of a step (`RecordLoanStepInput`), the
holding of assets, the filing with the registration authority."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from contracts.base import Actor, Model
from contracts.enums import (
    FilingChannel,
)
from contracts.loan_state import AssetSnapshot, LoanState, LoanSummary, with_summary
from contracts.servicing import ZERO


class ScheduleLineModel(Model):
    seq: int
    period_start: date
    due_date: date
    principal: Decimal
    interest: Decimal
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO


class LoanEventRecord(Model):
    """One timeline entry, keyed so that a retried activity records it once."""

    key: str
    kind: str
    summary: str
    actor: Actor
    at: datetime
    request_id: str | None = None
    payload_digest: str
    data: dict[str, object] | None = None


class RecordLoanStepInput(Model):
    """Persist an accepted step: the loan's state, the timeline event, its audit record (and a schedule)."""

    state: LoanState
    summary: LoanSummary = Field(description="the state's summary, computed by the workflow: the read model's columns")
    event: LoanEventRecord
    schedule: list[ScheduleLineModel] | None = None
    earlier_events: list[LoanEventRecord] = Field(
        default_factory=list, description="events the same step caused before its own (a change of tier), in order"
    )

    @model_validator(mode="before")
    @classmethod
    def _older_write(cls, data: Any, info: ValidationInfo) -> Any:
        """A write scheduled before steps carried their summary (its task picked up by a worker of this release,
        during a rolling deployment) is made whole from its state: it is written, not refused."""
        return with_summary(data, info)


class HoldAssetsInput(Model):
    loan_id: str
    asset_ids: list[str]


ASSET_ALREADY_PLEDGED = "AssetAlreadyPledged"


class FileWithAuthorityInput(Model):
    """A pledge registration handed to the registration authority's adapter."""

    loan_id: str
    asset: AssetSnapshot
    channel: FilingChannel
    filed_on: date
    attempt: int
    purpose: Literal["pledge", "release"] = "pledge"


class AuthorityReceipt(Model):
    """What the authority's adapter answers when a filing is handed over."""

    adapter: str
    reference: str | None = None
    outcome_entered_manually: bool = True
