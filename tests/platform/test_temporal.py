"""The shared Pydantic payload converter: built once, the same conversions as the stock one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import WorkflowSerializationContext

from contracts.base import Actor
from contracts.enums import District, Role
from contracts.loan_steps import LogVisitInput
from services.platform.temporal import SharedPydanticPayloadConverter, data_converter


def test_instances_share_converters_and_convert_like_the_stock_one() -> None:
    first, second = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert first.converters is second.converters, "each activation would build its own converters again"
    visit = LogVisitInput(
        actor=Actor(sub="周", role=Role.STATION_SPECIALIST, org_id="station-guangming", district=District.GUANGMING),
        visited_on=date(2026, 11, 20),
        people=["周"],
        place="光明",
        outcome="资质初审",
    )
    values = [visit, Decimal("12500.00"), {"a": 1}]
    ours = data_converter.payload_converter.to_payloads(values)
    stock = pydantic_data_converter.payload_converter.to_payloads(values)
    assert [p.data for p in ours] == [p.data for p in stock]
    back = data_converter.payload_converter.from_payloads(ours, [LogVisitInput, Decimal, dict])
    assert back == values


def test_with_context_leaves_the_shared_converters_alone() -> None:
    shared = SharedPydanticPayloadConverter()
    before = dict(shared.converters)
    context = WorkflowSerializationContext(namespace="default", workflow_id="loan-x")
    shared.with_context(context)
    assert SharedPydanticPayloadConverter().converters == before
