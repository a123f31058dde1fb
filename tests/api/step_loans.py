"""Loans brought to a given stage over HTTP, each with a fresh IP asset of its own, for the per-endpoint step tests.

`new_loan(stack, "servicing")` opens a case and takes every step up to that stage as the right parties would.
`SkippingStack` is the same API and worker on the time-skipping test server, for the one step that needs months
to pass first (the guarantor's compensation, asked once a loan is 90 days past due).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.enums import Role
from contracts.identifiers import patent_check_digit
from services.domain.calendar import SHANGHAI, shanghai_date
from services.platform.embedded import EmbeddedPostgres
from tests.api.bodies import PROPOSAL, QUALIFIED
from tests.api.loan_stack import (
    ADMIN,
    APPROVER,
    GUARANTOR,
    OFFICER,
    SPECIALIST,
    VALUER,
    Stack,
    running_stack,
)

OTHER_GUARANTOR = (Role.GUARANTOR, "other-guarantee", None)
OTHER_VALUER = (Role.VALUER, "other-appraisal", None)


@dataclass
class Loan:
    stack: Stack
    id: str
    asset: str
    kind: str
    today: date  # Shanghai, by the clock of the loan's Temporal server

    @property
    def base(self) -> str:
        return f"/loans/{self.id}"

    def on(self, days: int = 0) -> str:
        return (self.today + timedelta(days=days)).isoformat()

    async def step(self, path: str, who: tuple[Role, str, Any], body: dict[str, Any]) -> dict[str, Any]:
        return await self.stack.post(f"{self.base}/{path}", who, body)


async def new_asset(stack: Stack, kind: str = "invention_patent") -> str:
    """A fresh invention patent (or trademark) of the demo enterprise: each loan pledges its own."""
    asset_id = f"step-{uuid.uuid4().hex[:10]}"
    if kind == "trademark":
        number = f"{uuid.uuid4().int % 10**8:08d}"
    else:
        digits = f"20241{uuid.uuid4().int % 10**7:07d}"  # year, type 1 (invention), serial
        number = f"{digits}.{patent_check_digit(digits)}"
    body = {
        "id": asset_id,
        "kind": kind,
        "number": number,
        "title": "按端点测试的质押知识产权",
        "owner_enterprise_id": "ent-guangming-demo",
        "expiry_date": "2045-12-31",
        "legal_status": "valid",
        "fees_paid": True,
    }
    await stack.post("/ip-assets", ADMIN, body, expect=201)
    return asset_id


# ---- the stages, each reached from the one before it ------------------------------------------------------------


async def _guidance(loan: Loan) -> None:
    """Just opened by the station: no bank yet."""


async def _qualified(loan: Loan) -> None:
    visit = {"visited_on": loan.on(), "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}
    await loan.step("visits", SPECIALIST, visit)
    await loan.step("qualification-review", SPECIALIST, QUALIFIED)


async def _valuation(loan: Loan) -> None:
    await _qualified(loan)
    await loan.step("application", SPECIALIST, application(loan))


async def _valued(loan: Loan) -> None:
    await _valuation(loan)
    await loan.step("valuations", VALUER, valuation(loan))


async def _approval(loan: Loan) -> None:
    await _valued(loan)
    assert (await loan.step("valuation-acceptance", OFFICER, {}))["stage"] == "approval"


async def _proposed(loan: Loan) -> None:
    await _approval(loan)
    await loan.step("proposal", OFFICER, PROPOSAL)


async def _registration(loan: Loan) -> None:
    await _proposed(loan)
    assert (await loan.step("approval-decision", APPROVER, {"approve": True, "reason": "同意"}))["stage"] == (
        "registration"
    )


async def _filed(loan: Loan) -> None:
    await _registration(loan)
    await loan.step("sign-offs", GUARANTOR, {"contract_number": "深担保字0001", "fee": "30000.00"})
    await loan.step("registrations", OFFICER, {"asset_id": loan.asset, "channel": "online", "filed_on": loan.on()})


async def _disbursement(loan: Loan) -> None:
    await _filed(loan)
    assert (await loan.step("registration-outcomes", OFFICER, registered(loan)))["stage"] == "disbursement"


async def _servicing(loan: Loan) -> None:
    await _disbursement(loan)
    assert (await loan.step("disbursement", OFFICER, disbursement(loan)))["stage"] == "servicing"


async def _release(loan: Loan) -> None:
    await _servicing(loan)
    assert (await loan.step("prepayments", OFFICER, await prepayment(loan)))["stage"] == "release"


async def _release_filed(loan: Loan) -> None:
    await _release(loan)
    await loan.step("releases", OFFICER, {"asset_id": loan.asset, "channel": "online", "filed_on": loan.on()})


async def _closed(loan: Loan) -> None:
    await _release_filed(loan)
    body = {"asset_id": loan.asset, "released": True, "release_date": loan.on(), "notice_number": "ZX-1"}
    assert (await loan.step("release-outcomes", OFFICER, body))["stage"] == "closed"


async def _default(loan: Loan) -> None:
    await _servicing(loan)
    body = {"declared_on": loan.on(), "reason": "企业停止经营"}
    assert (await loan.step("default", APPROVER, body))["stage"] == "default"
    # The disposal starts as a workflow of its own, which writes its start to the loan shortly after.
    await eventually(loan, lambda view, _: view["disposal"] is not None, "the disposal never started")


DISPOSAL_STEPS = ("valuation", "method", "listing", "sale", "release")


def disposal_body(step: str, loan: Loan) -> dict[str, Any]:
    return {
        "valuation": {"value": "1500000.00", "report_number": "处置评估-1", "base_date": loan.on()},
        "method": {"method": "auction", "note": "公开拍卖"},
        "listing": {"listed_on": loan.on(), "venue": "深圳联合产权交易所", "asking_price": "1500000.00"},
        "sale": {"buyer": "深圳某科技公司", "proceeds": "800000.00", "sold_on": loan.on(), "contract_number": "拍-1"},
        "release": {"release_date": loan.on(), "notice_number": "ZX-1"},
    }[step]


def _disposal_at(step: str) -> Callable[[Loan], Awaitable[None]]:
    async def reach(loan: Loan) -> None:
        await _default(loan)
        for done in DISPOSAL_STEPS[: DISPOSAL_STEPS.index(step)]:
            await loan.step(f"disposal/{done}", OFFICER, disposal_body(done, loan))

    return reach


async def _disposed(loan: Loan) -> None:
    """Defaulted, its IP sold and released; the proceeds (less than owed) applied: the remainder may be written off."""
    await _default(loan)
    for step in DISPOSAL_STEPS:
        await loan.step(f"disposal/{step}", OFFICER, disposal_body(step, loan))
    # The disposal signals the loan, which applies the proceeds in a step of its own.
    await eventually(loan, lambda _, state: state["servicing"]["disposal"] is not None, "the proceeds never came")


async def eventually(loan: Loan, done: Callable[[dict[str, Any], dict[str, Any]], bool], failure: str) -> None:
    """Wait (up to 10 s) until `done(the bank's view, the workflow's state)` of the loan."""
    for _ in range(200):
        if done(await loan.stack.get(loan.base, OFFICER), await loan.stack.state(loan.id)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{loan.id}: {failure}")


STAGES: dict[str, Callable[[Loan], Awaitable[None]]] = {
    "guidance": _guidance,
    "qualified": _qualified,
    "valuation": _valuation,
    "valued": _valued,
    "approval": _approval,
    "proposed": _proposed,
    "registration": _registration,
    "filed": _filed,
    "disbursement": _disbursement,
    "servicing": _servicing,
    "release": _release,
    "release filed": _release_filed,
    "closed": _closed,
    "default": _default,
    **{f"disposal at {step}": _disposal_at(step) for step in DISPOSAL_STEPS[1:]},
    "disposed": _disposed,
}


async def new_loan(stack: Stack, stage: str, *, kind: str = "invention_patent", today: date | None = None) -> Loan:
    """A case opened by the station for the demo enterprise, pledging a fresh asset, brought to `stage`."""
    asset = await new_asset(stack, kind)
    opened = await stack.post(
        "/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo", "note": "按端点测试"}, expect=201
    )
    loan = Loan(stack, str(opened["id"]), asset, kind, today or shanghai_date(datetime.now(UTC)))
    await STAGES[stage](loan)
    return loan


# ---- bodies of the steps taken on the way -----------------------------------------------------------------------


def application(loan: Loan) -> dict[str, Any]:
    return {
        "bank_id": "boc-shenzhen",
        "product_id": "boc-zhihuidai",
        "requested_amount": "3000000.00",
        "requested_term_months": 12,
        "asset_ids": [loan.asset],
        "valuer_id": "demo-appraisal",
    }


def valuation(loan: Loan) -> dict[str, Any]:
    """A report worth 10,000,000 dated today, valid for a year."""
    return {
        "asset_id": loan.asset,
        "method": "income",
        "value": "10000000.00",
        "base_date": loan.on(),
        "valid_until": loan.on(365),
        "report_number": f"深评[{loan.id}]",
        "agency": "演示资产评估有限公司",
        "fee": "20000.00",
    }


def registered(loan: Loan) -> dict[str, Any]:
    """The authority's registration; a trademark's pledge ends after half a year, before the 12-month loan does."""
    end = {"pledge_end_date": loan.on(180)} if loan.kind == "trademark" else {}
    return {
        "asset_id": loan.asset,
        "registered": True,
        "registration_number": f"Y{uuid.uuid4().int % 10**12:012d}",
        "effective_date": loan.on(),
        **end,
    }


def disbursement(loan: Loan) -> dict[str, Any]:
    return {"contract_number": "中银借字001", "amount": "3000000.00", "disbursed_on": loan.on(), "voucher": "V001"}


async def prepayment(loan: Loan) -> dict[str, Any]:
    """Repay everything early, at the bank's quote of today (a made-up total when the loan cannot be quoted)."""
    quote = await loan.stack.client.get(f"{loan.base}/prepayment-quote", headers=loan.stack.headers(OFFICER))
    total = quote.json()["total"] if quote.status_code == 200 else "1.00"
    return {"value_date": loan.on(), "expected_total": total, "reference": "提前结清"}


# ---- the stack on the time-skipping server ---------------------------------------------------------------------


@dataclass
class SkippingStack:
    stack: Stack
    env: WorkflowEnvironment
    loans: list[str]

    async def today(self) -> date:
        return (await self.env.get_current_time()).astimezone(SHANGHAI).date()

    async def asked_to_compensate(self) -> Loan:
        """A disbursed loan left unpaid until its guarantor is asked to compensate (90 days past due)."""
        loan = await new_loan(self.stack, "servicing", today=await self.today())
        self.loans.append(loan.id)
        for _ in range(20):
            await self.env.sleep(timedelta(days=10))
            servicing = (await self.stack.state(loan.id))["servicing"]
            if servicing["compensation_requested_on"] is not None:
                loan.today = await self.today()
                return loan
        raise AssertionError(f"{loan.id}: the guarantor was never asked to compensate")


@pytest.fixture(scope="module")
async def skipping_stack(
    postgres: EmbeddedPostgres, time_skipping_env: WorkflowEnvironment
) -> AsyncIterator[SkippingStack]:
    queue = f"step-endpoints-{uuid.uuid4().hex[:8]}"
    async with running_stack(postgres, time_skipping_env.client, task_queue=queue) as stack:
        skipping = SkippingStack(stack, time_skipping_env, [])
        try:
            yield skipping
        finally:
            # The shared time-skipping server would wait on these loans' timers, whose worker is gone.
            for loan_id in skipping.loans:
                for workflow_id in (f"loan-{loan_id}", f"disposal-{loan_id}"):
                    with contextlib.suppress(RPCError):
                        await time_skipping_env.client.get_workflow_handle(workflow_id).terminate("test finished")
