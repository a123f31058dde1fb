"""The loan's child workflow: default starts the disposal of the pledged IP (`DisposalWorkflow`, abandoned on
close so it outlives the loan's continue-as-new), which signals the loan when the IP is sold and released."""

from __future__ import annotations

from datetime import date

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from contracts.base import Recorded, StepInput
    from contracts.disposal import DISPOSAL_WORKFLOW_NAME, DisposalInput, disposal_workflow_id
    from contracts.enums import Stage
    from contracts.loan_state import Closure, DisposalOutcome, Payment, Release
    from contracts.names import Signal
    from contracts.notifications import NotificationKind
    from contracts.servicing import Allocation
    from services.domain import loan_timers as timers
    from services.domain import servicing as ledgers
from services.workflows.loan.core import SYSTEM
from services.workflows.loan.standing import LoanStanding


class DisposalLink(LoanStanding):
    async def _enter_default(self, data: StepInput, on: date, reason: str) -> None:
        servicing = self._servicing
        servicing.ledger = ledgers.accelerate(servicing.ledger, on)
        servicing.default = Recorded(**self._recorded(data))
        servicing.default_reason = reason
        self._ledger_changed = True
        self.state.stage = Stage.DEFAULT
        assert self.state.application is not None
        disposal = DisposalInput(
            loan_id=self.state.loan_id,
            bank_id=self.state.bank_id or "",
            enterprise_id=self.state.enterprise_id,
            assets=self.state.application.assets,
            owed=ledgers.total_owed(servicing.ledger, on),
            started=Recorded(**self._recorded(data)),
        )

        async def start_disposal() -> None:
            await workflow.start_child_workflow(
                DISPOSAL_WORKFLOW_NAME,
                disposal,
                id=disposal_workflow_id(self.state.loan_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

        if self._in_step:
            self._after_write.append(start_disposal)  # once the default is written
        else:
            await start_disposal()

    @workflow.signal(name=Signal.DISPOSAL_FINISHED)
    async def disposal_finished(self, outcome: DisposalOutcome) -> None:
        """From the DisposalWorkflow: the pledged IP is sold and the pledge released; apply the proceeds."""
        async with self._lock:
            servicing = self.state.servicing
            if servicing is None or self.state.stage is not Stage.DEFAULT or servicing.disposal is not None:
                return
            servicing.disposal = outcome
            owed = ledgers.total_owed(servicing.ledger, outcome.sold_on)
            split = timers.waterfall(outcome.proceeds, owed, servicing.recourse_claim)
            to_bank, to_guarantor = split.to_bank, split.to_guarantor
            allocation = Allocation()
            if to_bank > 0:
                servicing.ledger, allocation, _ = ledgers.settle_with(servicing.ledger, to_bank, outcome.sold_on)
            servicing.recourse_claim -= to_guarantor
            servicing.surplus = split.surplus
            system = Recorded(by=SYSTEM, at=workflow.now())
            servicing.payments.append(
                Payment(
                    kind="disposal",
                    amount=outcome.proceeds,
                    value_date=outcome.sold_on,
                    reference=f"{outcome.method.value}:{outcome.buyer}",
                    payer=outcome.buyer,
                    allocation=allocation,
                    **system.model_dump(),
                )
            )
            self._ledger_changed = True
            for asset_id in self.state.asset_ids:
                servicing.releases[asset_id] = Release(
                    asset_id=asset_id,
                    attempt=1,
                    authority=self._asset(asset_id).kind.authority,
                    channel=self.state.filings[asset_id].channel,
                    filed_on=outcome.released_on,
                    deadline=outcome.released_on,
                    outcome="released",
                    release_date=outcome.released_on,
                    **system.model_dump(),
                )
            summary = (
                f"disposal by {outcome.method.value} to {outcome.buyer}: ¥{outcome.proceeds:,.2f} on "
                f"{outcome.sold_on}; ¥{to_bank:,.2f} to the bank, ¥{to_guarantor:,.2f} to the guarantor's recourse"
            )
            if servicing.ledger.repaid:
                self.state.stage = Stage.DISPOSED
                self.state.closure = Closure(outcome="disposed", reason=summary, **system.model_dump())
            await self._reclassify(self._today())
            self.state.step_count += 1
            self._upsert_search_attributes()
            self._changed = True
            await self._event(
                "disposed",
                NotificationKind.DISPOSED,
                summary,
                {"proceeds": str(outcome.proceeds), "to_bank": str(to_bank), "stage": self.state.stage.value},
                [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
            )
