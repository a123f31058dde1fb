"""Pledge registration (质押登记): filing with the registration authority, with the deadline of its outcome counted
in working days, and the outcome (the pledge registered, or refused)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.base import Recorded
    from contracts.enums import Stage
    from contracts.loan_activities import AuthorityReceipt, FileWithAuthorityInput
    from contracts.loan_state import Filing, StepResult
    from contracts.loan_steps import FileRegistrationInput, RecordRegistrationOutcomeInput
    from contracts.names import Activity
    from services.domain import loan_rules
    from services.domain.calendar import working_deadline
    from services.domain.loan_rules import LoanAction
from services.workflows.loan.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
from services.workflows.loan.working_days import PROVISIONAL, WorkingDays


class RegistrationSteps(WorkingDays):
    @workflow.update
    async def file_registration(self, data: FileRegistrationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.FILE_REGISTRATION, data, handler=True)
            assert self.state.application is not None
            asset = next(a for a in self.state.application.assets if a.id == data.asset_id)
            days = loan_rules.registration_working_days(self.state.config, asset.kind, data.channel)
            previous = self.state.filings.get(asset.id)
            if previous is not None:
                self.state.filing_history.append(previous)
            attempt = (previous.attempt + 1) if previous else 1
            receipt = await workflow.execute_activity(
                Activity.FILE_WITH_AUTHORITY,
                FileWithAuthorityInput(
                    loan_id=self.state.loan_id,
                    asset=asset,
                    channel=data.channel,
                    filed_on=data.filed_on,
                    attempt=attempt,
                ),
                result_type=AuthorityReceipt,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            deadline = await self._with_calendar(lambda calendar: working_deadline(data.filed_on, days, calendar))
            filing = Filing(
                asset_id=asset.id,
                attempt=attempt,
                authority=asset.kind.authority,
                adapter=receipt.adapter,
                authority_reference=receipt.reference,
                channel=data.channel,
                filed_on=data.filed_on,
                deadline=deadline.day,
                deadline_provisional=deadline.provisional,
                **self._recorded(data),
            )
            self.state.filings[asset.id] = filing
            return await self._accepted(
                data,
                "registration_filed",
                f"{asset.number} filed with {filing.authority.value} ({data.channel.value}); "
                f"outcome due by {filing.deadline}{PROVISIONAL if deadline.provisional else ''}",
            )

    @file_registration.validator
    def _validate_file_registration(self, data: FileRegistrationInput) -> None:
        self._check(LoanAction.FILE_REGISTRATION, data)

    @workflow.update
    async def record_registration_outcome(self, data: RecordRegistrationOutcomeInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_REGISTRATION_OUTCOME, data, handler=True)
            filing = self.state.filings[data.asset_id]
            filing.outcome_recorded = Recorded(**self._recorded(data))
            if data.registered:
                filing.outcome = "registered"
                filing.registration_number = data.registration_number
                filing.effective_date = data.effective_date
                filing.pledge_end_date = data.pledge_end_date
                if all(
                    (f := self.state.filings.get(a)) is not None and f.outcome == "registered"
                    for a in self.state.asset_ids
                ):
                    self.state.stage = Stage.DISBURSEMENT
                return await self._accepted(
                    data,
                    "registered",
                    f"pledge of {data.asset_id} registered: {data.registration_number}, "
                    f"effective {data.effective_date}",
                )
            filing.outcome = "refused"
            filing.refusal_reason = data.refusal_reason
            return await self._accepted(
                data, "registration_refused", f"registration of {data.asset_id} refused: {data.refusal_reason}"
            )

    @record_registration_outcome.validator
    def _validate_record_registration_outcome(self, data: RecordRegistrationOutcomeInput) -> None:
        self._check(LoanAction.RECORD_REGISTRATION_OUTCOME, data)
