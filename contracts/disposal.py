"""Disposal of a defaulted loan's pledged IP (质物处置): the child workflow's input, steps and state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.base import Actor, Model, Recorded, StepInput
from contracts.enums import DisposalMethod, Stage
from contracts.loan_state import AssetSnapshot
from contracts.types import Money, ShortText, Text

DISPOSAL_WORKFLOW_NAME = "DisposalWorkflow"


def disposal_workflow_id(loan_id: str) -> str:
    return f"disposal-{loan_id}"


class DisposalInput(Model):
    loan_id: str
    bank_id: str
    enterprise_id: str
    assets: list[AssetSnapshot]
    owed: Decimal
    started: Recorded


class DisposalUpdate(StrEnum):
    UPDATE_VALUATION = "update_valuation"
    CHOOSE_METHOD = "choose_method"
    LIST_ASSETS = "list_assets"
    RECORD_SALE = "record_sale"
    RECORD_RELEASE = "record_release"


class DisposalValuationRequest(Model):
    value: Money
    report_number: ShortText
    base_date: date


class UpdateDisposalValuationInput(StepInput, DisposalValuationRequest):
    pass


class DisposalMethodRequest(Model):
    method: DisposalMethod
    note: Text | None = None


class ChooseDisposalMethodInput(StepInput, DisposalMethodRequest):
    pass


class DisposalListingRequest(Model):
    listed_on: date
    venue: ShortText
    asking_price: Money


class ListDisposalAssetsInput(StepInput, DisposalListingRequest):
    pass


class DisposalSaleRequest(Model):
    buyer: ShortText
    proceeds: Money
    sold_on: date
    contract_number: ShortText


class RecordDisposalSaleInput(StepInput, DisposalSaleRequest):
    pass


class DisposalReleaseRequest(Model):
    release_date: date
    notice_number: ShortText


class RecordDisposalReleaseInput(StepInput, DisposalReleaseRequest):
    pass


class DisposalState(Model):
    loan_id: str
    bank_id: str
    enterprise_id: str
    assets: list[AssetSnapshot]
    owed: Decimal
    started: Recorded
    step: Literal["valuation", "method", "listing", "sale", "release", "done"] = "valuation"
    valuation: DisposalValuationRequest | None = None
    method: DisposalMethod | None = None
    listing: DisposalListingRequest | None = None
    sale: DisposalSaleRequest | None = None
    release: DisposalReleaseRequest | None = None
    steps: list[Recorded] = Field(default_factory=list)
    loan_stage: Stage = Stage.DEFAULT


class DisposalStepResult(Model):
    loan_id: str
    event: str
    state: DisposalState


class RecordDisposalStepInput(Model):
    state: DisposalState
    key: str
    kind: str
    summary: str
    actor: Actor
    request_id: str | None = None
    payload_digest: str
    data: dict[str, object] | None = None
