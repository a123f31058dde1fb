"""The SubsidyClaimWorkflow on the time-skipping server with its real activity: each step's rules (who, when, four
eyes), refused steps changing nothing, and every accepted step written once with its audit record."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from temporalio import workflow
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from contracts.base import StepInput
from contracts.subsidy_claim import (
    AcceptClaimInput,
    ClaimState,
    ClaimStatus,
    ClaimUpdate,
    ConfirmClaimInput,
    ConfirmReviewInput,
    CorrectClaimInput,
    ProposeAmountInput,
    RejectClaimInput,
    ReturnClaimInput,
    claim_workflow_id,
)
from services.store.subsidy_tables import SubsidyClaim, SubsidyClaimEvent
from services.store.tables import AuditRecord
from services.workflows.subsidy_claim import SubsidyClaimWorkflow
from tests.workflows import claim_steps as c
from tests.workflows.conftest import Loans

Handle = WorkflowHandle[SubsidyClaimWorkflow, ClaimState]


async def start(loans: Loans, *, drafted: bool = False) -> Handle:
    data = c.claim_input(await c.a_round(loans.sessions), await loans.env.get_current_time(), drafted=drafted)
    handle = await loans.env.client.start_workflow(
        SubsidyClaimWorkflow.run, data, id=claim_workflow_id(data.claim_id), task_queue=loans.queue
    )
    loans.handles.append(handle)  # type: ignore[arg-type]  # ended with the test's loans
    await handle.execute_update(SubsidyClaimWorkflow.claim_filed, StepInput(actor=c.SPECIALIST))
    return handle


async def written(loans: Loans, claim_id: str) -> tuple[str, list[str], int]:
    """(the row's status, the timeline's kinds, the audit records) as the database holds them."""
    async with loans.sessions() as session:
        row = await session.get(SubsidyClaim, claim_id)
        assert row is not None
        await session.refresh(row)
        kinds = (
            (
                await session.execute(
                    select(col(SubsidyClaimEvent.kind))
                    .where(col(SubsidyClaimEvent.claim_id) == claim_id)
                    .order_by(col(SubsidyClaimEvent.id))
                )
            )
            .scalars()
            .all()
        )
        audits = (
            await session.execute(select(func.count()).where(col(AuditRecord.chain) == f"subsidy_claim:{claim_id}"))
        ).scalar_one()
        return row.status, list(kinds), int(audits)


async def refused(handle: Handle, update: object, data: object, kind: str, words: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, data)  # type: ignore[call-overload]
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, words in cause.message) == (kind, True), cause.message


async def returned_then_approved(loans: Loans) -> Handle:
    """A claim returned for correction, corrected, accepted, and approved by a second reviewer after the first
    tried to confirm their own proposal (also recorded for the replay tests)."""
    handle = await start(loans)
    returned = await handle.execute_update(
        SubsidyClaimWorkflow.return_claim,
        ReturnClaimInput(actor=c.REVIEWER, reason="不清晰", items=["tax_certificate"]),
    )
    assert returned.state.waiting_on() == [c.ENTERPRISE.role, c.SPECIALIST.role]
    now = await loans.env.get_current_time()
    await handle.execute_update(
        SubsidyClaimWorkflow.correct_claim, CorrectClaimInput(actor=c.SPECIALIST, revision=c.revision(2, now))
    )
    await handle.execute_update(SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.REVIEWER))
    proposal = ProposeAmountInput(actor=c.REVIEWER, amount=c.COMPUTED, computation=c.computation())
    await handle.execute_update(SubsidyClaimWorkflow.propose_amount, proposal)
    own = ConfirmReviewInput(actor=c.REVIEWER, agree=True)
    await refused(handle, SubsidyClaimWorkflow.confirm_review, own, "StepRuleViolation", "second reviewer")
    await handle.execute_update(
        SubsidyClaimWorkflow.confirm_review, ConfirmReviewInput(actor=c.SECOND_REVIEWER, agree=True)
    )
    return handle


async def test_returned_corrected_accepted_and_approved_by_a_second_reviewer(loans: Loans) -> None:
    handle = await returned_then_approved(loans)
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert (state.status, state.approved_amount) == (ClaimStatus.APPROVED, c.COMPUTED)
    assert await written(loans, handle.id.removeprefix("subsidy-claim-")) == (
        "approved",
        ["filed", "returned", "corrected", "accepted", "amount_proposed", "approved"],
        6,
    )


async def test_refused_steps_change_nothing(loans: Loans) -> None:
    handle = await start(loans)
    claim_id = handle.id.removeprefix("subsidy-claim-")
    before = await written(loans, claim_id)
    await refused(handle, SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.SPECIALIST),
                  "StepNotYourStep", "district_reviewer")  # fmt: skip
    await refused(handle, SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.NANSHAN_REVIEWER),
                  "StepNotYourStep", "another district")  # fmt: skip
    await refused(handle, SubsidyClaimWorkflow.propose_amount,
                  ProposeAmountInput(actor=c.REVIEWER, amount=c.COMPUTED, computation=c.computation()),
                  "StepWrongStage", "accepted")  # fmt: skip
    unknown = ReturnClaimInput(actor=c.REVIEWER, reason="x", items=["lottery"])
    await refused(handle, SubsidyClaimWorkflow.return_claim, unknown, "StepRuleViolation", "lottery")
    await handle.execute_update(SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.REVIEWER))
    too_much = ProposeAmountInput(actor=c.REVIEWER, amount=c.COMPUTED + Decimal("0.01"), computation=c.computation())
    await refused(handle, SubsidyClaimWorkflow.propose_amount, too_much, "StepRuleViolation", "above")
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert (state.status, state.proposal) == (ClaimStatus.ACCEPTED, None)
    assert (await written(loans, claim_id))[1] == [*before[1], "accepted"]


async def test_a_drafted_claim_waits_for_the_enterprise_and_a_rejection_ends_it(loans: Loans) -> None:
    handle = await start(loans, drafted=True)
    await refused(handle, SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.REVIEWER),
                  "StepWrongStage", "drafted")  # fmt: skip
    await handle.execute_update(SubsidyClaimWorkflow.confirm_claim, ConfirmClaimInput(actor=c.ENTERPRISE))
    await handle.execute_update(SubsidyClaimWorkflow.reject_claim, RejectClaimInput(actor=c.REVIEWER, reason="重复"))
    result = await handle.result()
    assert result.status is ClaimStatus.REJECTED
    assert (await written(loans, handle.id.removeprefix("subsidy-claim-")))[1] == ["drafted", "confirmed", "rejected"]


def test_the_handlers_are_named_as_the_api_sends_them() -> None:
    definition = workflow._Definition.from_class(SubsidyClaimWorkflow)  # the SDK's own reading of the class
    assert definition is not None
    assert set(definition.updates) == {u.value for u in ClaimUpdate}
