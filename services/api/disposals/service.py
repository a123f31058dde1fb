"""Rules of the disposal endpoints: a step goes to the loan's DisposalWorkflow (started when the loan defaulted)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from contracts.base import StepInput
from contracts.disposal import DisposalStepResult, DisposalUpdate, disposal_workflow_id
from services.api.dependencies import RequestContext
from services.api.disposals.schemas import DisposalProgress, DisposalView
from services.api.loans.exceptions import NotYourStep
from services.api.workflow_updates import send_update
from services.domain.disposal_rules import not_the_disposer
from services.store import loans as repository
from services.store.tables import Loan


async def run_disposal_step(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    loan: Loan,
    update: DisposalUpdate,
    data: StepInput,
) -> DisposalView:
    who = not_the_disposer(data.actor, loan.bank_id)
    if who is not None:  # said before the stage: a loan not yet defaulted has no disposal to ask
        raise NotYourStep(who)
    await session.commit()  # release the connection while the workflow works
    result = await send_update(
        temporal,
        context,
        disposal_workflow_id(loan.id),
        update.value,
        data,
        DisposalStepResult,
        closed=lambda: _closed_detail(session, loan.id),
        what="disposal",
    )
    return DisposalView(loan_id=loan.id, event=result.event, disposal=DisposalProgress.of(result.state))


async def _closed_detail(session: AsyncSession, loan_id: str) -> str:
    loan = await repository.get_loan(session, loan_id)
    stage = loan.stage if loan is not None else "unknown"
    return (
        "Disposal steps are taken once the loan has defaulted and until the pledge is released; "
        f"current stage: {stage}."
    )
