"""Every step endpoint of a loan, one row of a table each, over real HTTP on the real stack: anonymous 401, a party
not on the loan 404, a party of the loan whose step it is not 403, the right party in a stage where the step is not
possible 409, and the right party in the right stage 200 with the step taken. A refused step changes nothing."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from contracts.enums import District, Role
from services.api.disposals.router import DISPOSAL_ROUTES
from services.api.loans.steps import STEP_ROUTES
from services.store.tables import AuditRecord
from tests.api.bodies import PROPOSAL, QUALIFIED
from tests.api.loan_stack import (
    ADMIN,
    APPROVER,
    ENTERPRISE,
    GUARANTOR,
    OFFICER,
    OTHER_OFFICER,
    REVIEWER,
    SPECIALIST,
    VALUER,
    Stack,
)
from tests.api.step_loans import (
    OTHER_GUARANTOR,
    OTHER_VALUER,
    STAGES,
    Loan,
    SkippingStack,
    application,
    disbursement,
    disposal_body,
    new_loan,
    prepayment,
    registered,
    valuation,
)

pytestmark = pytest.mark.e2e

Who = tuple[Role, str, District | None]
Body = Callable[[Loan], dict[str, Any] | Awaitable[dict[str, Any]]]
BANK_OFFICER = "a bank officer of the loan's bank"
BANK_APPROVER = "a bank approver of the loan's bank"
SIGN_OFF_PARTY = "the guarantee company or insurer named in the approved terms"
GUIDANCE_PARTY = "a service-station specialist of the district or the bank's officer"
DISPOSAL_OFFICER = "disposal steps are for a bank officer of boc-shenzhen"


@dataclass(frozen=True)
class Row:
    path: str  # under /loans/{id}/
    body: Body
    who: Who  # whose step it is
    stage: str  # a stage of tests/api/step_loans.STAGES in which `who` may take it
    expect: tuple[str, Any]  # a field of the caller's view after the step (dotted path) and its value
    wrong_role: Who  # a party who sees the loan but may not take the step
    named: str  # who may take it, as the 403 says
    wrong_stage: str  # a stage in which `who` may not take it
    outsider: Who = OTHER_OFFICER  # a party not on the loan
    seen_at: str = ""  # the loan refused to outsiders and wrong roles, when not one in `stage`
    kind: str = "invention_patent"  # of the pledged asset
    after_months: bool = False  # the step needs months to pass first: taken on the time-skipping server

    @property
    def refused_at(self) -> str:
        return self.seen_at or self.stage


def disposal(step: str, stage: str, next_step: str) -> Row:
    return Row(f"disposal/{step}", lambda loan: disposal_body(step, loan), OFFICER, stage, ("disposal.step", next_step),
               APPROVER, DISPOSAL_OFFICER, "servicing", seen_at="default")  # fmt: skip


ROWS: tuple[Row, ...] = (
    # path, body, who, stage, expect, wrong role, who it names, wrong stage, [outsider, seen at, ...]
    Row("visits", lambda loan: {"visited_on": loan.on(), "people": ["周光明"], "place": "光明区", "outcome": "回访"},
        SPECIALIST, "guidance", ("visits.0.outcome", "回访"), ENTERPRISE, GUIDANCE_PARTY, "closed"),
    Row("checklist", lambda _: {"item": "policy_briefing", "note": "已宣讲"},
        SPECIALIST, "guidance", ("checklist.0.item", "policy_briefing"), ENTERPRISE, GUIDANCE_PARTY, "servicing"),
    Row("qualification-review", lambda _: QUALIFIED,
        SPECIALIST, "guidance", ("qualification.passed", True), ENTERPRISE, GUIDANCE_PARTY, "valuation"),
    Row("application", application,
        SPECIALIST, "qualified", ("stage", "valuation"), ENTERPRISE, GUIDANCE_PARTY, "valuation", seen_at="guidance"),
    Row("valuations", valuation,
        VALUER, "valuation", ("valuations.0.value", "10000000.00"), OFFICER, "the appraisal agency on the loan",
        "approval", outsider=OTHER_VALUER),
    Row("valuation-acceptance", lambda _: {"note": "报告有效"},
        OFFICER, "valued", ("stage", "approval"), SPECIALIST, BANK_OFFICER, "approval", seen_at="valuation"),
    Row("proposal", lambda _: PROPOSAL,
        OFFICER, "approval", ("terms.amount", "3000000.00"), APPROVER, BANK_OFFICER, "valuation"),
    Row("approval-decision", lambda _: {"approve": True, "reason": "同意"},
        APPROVER, "proposed", ("stage", "registration"), OFFICER, BANK_APPROVER, "valuation", seen_at="approval"),
    Row("sign-offs", lambda _: {"contract_number": "深担保字0002", "fee": "30000.00"},
        GUARANTOR, "registration", ("sign_off.contract_number", "深担保字0002"), OFFICER, SIGN_OFF_PARTY, "servicing",
        outsider=OTHER_GUARANTOR),
    Row("sign-off-declines", lambda _: {"reason": "反担保不足"},
        GUARANTOR, "registration", ("stage", "approval"), OFFICER, SIGN_OFF_PARTY, "servicing",
        outsider=OTHER_GUARANTOR),
    Row("registrations", lambda loan: {"asset_id": loan.asset, "channel": "paper", "filed_on": loan.on()},
        OFFICER, "registration", ("filings.0.outcome", "pending"), SPECIALIST, BANK_OFFICER, "approval"),
    Row("registration-outcomes", registered,
        OFFICER, "filed", ("stage", "disbursement"), SPECIALIST, BANK_OFFICER, "approval", seen_at="registration"),
    Row("disbursement", disbursement,
        OFFICER, "disbursement", ("stage", "servicing"), APPROVER, BANK_OFFICER, "registration",
        seen_at="registration"),
    Row("withdrawal", lambda _: {"reason": "企业改用其他融资"},
        ENTERPRISE, "guidance", ("stage", "withdrawn"), REVIEWER, "the bank, the station or the enterprise",
        "servicing"),
    Row("rejection", lambda _: {"reason": "不符合授信条件"},
        OFFICER, "valuation", ("stage", "rejected"), SPECIALIST, "the loan's bank", "servicing"),
    Row("repayments", lambda loan: {"amount": "100.00", "value_date": loan.on(), "reference": "回单1"},
        OFFICER, "servicing", ("servicing.payments.0.amount", "100.00"), ENTERPRISE, BANK_OFFICER, "registration"),
    Row("prepayments", prepayment,
        OFFICER, "servicing", ("stage", "release"), APPROVER, BANK_OFFICER, "registration"),
    Row("classification-downgrades", lambda _: {"tier": "special_mention", "reason": "主要客户流失"},
        APPROVER, "servicing", ("classification", "special_mention"), GUARANTOR, "the loan's bank", "registration"),
    Row("default", lambda loan: {"declared_on": loan.on(), "reason": "企业停止经营"},
        APPROVER, "servicing", ("stage", "default"), OFFICER, BANK_APPROVER, "registration"),
    Row("compensation", lambda loan: {"amount": "100000.00", "value_date": loan.on(), "reference": "代偿-1"},
        GUARANTOR, "asked to compensate", ("risk.compensation.amount", "100000.00"), OFFICER,
        "the guarantee company on the loan", "registration", outsider=OTHER_GUARANTOR, seen_at="servicing",
        after_months=True),
    Row("releases", lambda loan: {"asset_id": loan.asset, "channel": "online", "filed_on": loan.on()},
        OFFICER, "release", ("servicing.releases.0.outcome", "pending"), ENTERPRISE, BANK_OFFICER, "servicing"),
    Row("release-outcomes",
        lambda loan: {"asset_id": loan.asset, "released": True, "release_date": loan.on(), "notice_number": "ZX-1"},
        OFFICER, "release filed", ("stage", "closed"), APPROVER, BANK_OFFICER, "servicing", seen_at="release"),
    Row("extensions", lambda loan: {"asset_id": loan.asset, "new_end_date": loan.on(400)},
        OFFICER, "servicing", ("filings.0.pledge_end_date", lambda loan: loan.on(400)), SPECIALIST, BANK_OFFICER,
        "registration", kind="trademark"),
    Row("write-off", lambda _: {"reason": "处置完毕，余额核销"},
        APPROVER, "disposed", ("stage", "written_off"), OFFICER, BANK_APPROVER, "servicing", seen_at="default"),
    disposal("valuation", "default", "method"),
    disposal("method", "disposal at method", "listing"),
    disposal("listing", "disposal at listing", "sale"),
    disposal("sale", "disposal at sale", "release"),
    disposal("release", "disposal at release", "done"),
)  # fmt: skip


async def body_of(row: Row, loan: Loan) -> dict[str, Any]:
    body = row.body(loan)
    return await body if inspect.isawaitable(body) else body


def dig(answer: Any, path: str) -> Any:
    for key in path.split("."):
        answer = answer[int(key)] if isinstance(answer, list) else answer[key]
    return answer


class Loans:
    """One loan per stage, shared by the refused cases (which change nothing); a valid step gets a fresh loan."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.loans: dict[str, Loan] = {}

    async def at(self, stage: str) -> Loan:
        if stage not in self.loans:
            self.loans[stage] = await new_loan(self.stack, stage)
        return self.loans[stage]


@pytest.fixture(scope="module")
def loans(stack: Stack) -> Loans:
    return Loans(stack)


async def unchanged(stack: Stack, loan_id: str) -> tuple[Any, ...]:
    """What a refused step must not touch: the loan as the platform sees it, its timeline, steps and audit trail."""
    view = await stack.get(f"/loans/{loan_id}", ADMIN)
    timeline = await stack.get(f"/loans/{loan_id}/timeline", ADMIN)
    state = await stack.state(loan_id)
    return view, len(timeline), state["step_count"], await stack.count(AuditRecord, loan_id)


async def refused(row: Row, loan: Loan, who: Who | None, status: int, slug: str) -> dict[str, Any]:
    """Send the row's step as `who` (nobody: no Authorization) and return the problem, checking nothing changed."""
    stack = loan.stack
    body = await body_of(row, loan)
    before = await unchanged(stack, loan.id)
    headers = stack.headers(who) if who is not None else {}
    response = await stack.client.post(f"{loan.base}/{row.path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"].endswith(f"/{slug}"), problem
    assert await unchanged(stack, loan.id) == before
    return problem


def rows(*, after_months: bool | None = None) -> pytest.MarkDecorator:
    chosen = [row for row in ROWS if after_months is None or row.after_months == after_months]
    return pytest.mark.parametrize("row", chosen, ids=lambda row: row.path)


async def taken(row: Row, loan: Loan) -> None:
    """The right party takes the step on a loan in the right stage: 200, and the step is in the answer."""
    before = await unchanged(loan.stack, loan.id)
    answer = await loan.step(row.path, row.who, await body_of(row, loan))
    field, value = row.expect
    assert dig(answer, field) == (value(loan) if callable(value) else value), answer
    after = await unchanged(loan.stack, loan.id)
    assert after[1] > before[1]  # on the timeline


class TestStepEndpoint:
    @rows()
    async def test_anonymous(self, row: Row, loans: Loans) -> None:
        await refused(row, await loans.at(row.refused_at), None, 401, "unauthenticated")

    @rows()
    async def test_not_a_party(self, row: Row, loans: Loans) -> None:
        loan = await loans.at(row.refused_at)
        problem = await refused(row, loan, row.outsider, 404, "loan-not-found")
        assert problem["detail"] == f"There is no loan {loan.id!r} that you can see."

    @rows()
    async def test_wrong_role(self, row: Row, loans: Loans) -> None:
        problem = await refused(row, await loans.at(row.refused_at), row.wrong_role, 403, "not-your-step")
        role, org, _ = row.wrong_role
        assert row.named in problem["detail"], problem["detail"]
        assert f"you are {role.value} of {org}" in problem["detail"], problem["detail"]

    @rows()
    async def test_wrong_stage(self, row: Row, loans: Loans) -> None:
        problem = await refused(row, await loans.at(row.wrong_stage), row.who, 409, "wrong-stage")
        assert f"current stage: {row.wrong_stage}" in problem["detail"], problem["detail"]

    @rows(after_months=False)
    async def test_valid(self, row: Row, stack: Stack) -> None:
        await taken(row, await new_loan(stack, row.stage, kind=row.kind))

    @rows(after_months=True)
    async def test_valid_after_months(self, row: Row, skipping_stack: SkippingStack) -> None:
        await taken(row, await skipping_stack.asked_to_compensate())


async def test_every_step_endpoint_has_a_row(stack: Stack) -> None:
    """A step route added without a row here fails this test: the table covers every POST under /loans/{id}/."""
    table = [row.path for row in ROWS]
    assert len(set(table)) == len(table)
    for row in ROWS:  # every stage a row names is one tests/api/step_loans can build
        assert {row.refused_at, row.wrong_stage} <= STAGES.keys(), row.path
        assert row.after_months or row.stage in STAGES, row.path
    routes = {step.path for step in STEP_ROUTES} | {"application", "proposal"}
    routes |= {f"disposal/{step.path}" for step in DISPOSAL_ROUTES}
    assert set(table) == routes
    openapi = (await stack.client.get("/openapi.json")).json()
    prefix = "/loans/{loan_id}/"
    posted = {
        path.removeprefix(prefix) for path, ops in openapi["paths"].items() if path.startswith(prefix) and "post" in ops
    }
    assert posted == set(table)


async def test_disposal_step_by_a_wrong_role_before_default(loans: Loans) -> None:
    """Who may is said before when: a loan not yet defaulted has no disposal workflow to ask, the API knows."""
    row = next(row for row in ROWS if row.path == "disposal/valuation")
    await refused(row, await loans.at("servicing"), row.wrong_role, 403, "not-your-step")
