"""The steps of a disbursed loan: repayments and early repayments, manual downgrade, default and the guarantor's
compensation, write-off, the release of the pledge and a trademark pledge's extension."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.base import Recorded, StepInput
    from contracts.enums import Stage
    from contracts.loan_activities import AuthorityReceipt, FileWithAuthorityInput
    from contracts.loan_state import Closure, Payment, Release, StepResult
    from contracts.loan_steps import (
        DeclareDefaultInput,
        DowngradeLoanInput,
        FileReleaseInput,
        PrepayLoanInput,
        RecordCompensationInput,
        RecordExtensionInput,
        RecordReleaseOutcomeInput,
        RecordRepaymentInput,
        WriteOffLoanInput,
    )
    from contracts.names import Activity
    from contracts.notifications import NotificationKind
    from contracts.servicing import Allocation
    from services.domain import loan_rules
    from services.domain import servicing as ledgers
    from services.domain.calendar import working_deadline
    from services.domain.loan_rules import LoanAction
from services.workflows.loan.children import DisposalLink
from services.workflows.loan.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
from services.workflows.loan.working_days import PROVISIONAL, WorkingDays


class ServicingSteps(DisposalLink, WorkingDays):
    # ---- servicing: steps -------------------------------------------------------------------------------------

    def _payment(self, data: StepInput, kind: str, amount: Decimal, value_date: date, reference: str,
                 payer: str, allocation: Allocation) -> Payment:  # fmt: skip
        payment = Payment(
            kind=kind,
            amount=amount,
            value_date=value_date,
            reference=reference,
            payer=payer,
            allocation=allocation,
            **self._recorded(data),
        )
        self._servicing.payments.append(payment)
        self._ledger_changed = True
        return payment

    async def _after_payment(self, data: StepInput, kind: str, summary: str) -> StepResult:
        servicing = self._servicing
        await self._reclassify(self._today())
        if servicing.ledger.repaid and self.state.stage is Stage.SERVICING:
            self.state.stage = Stage.RELEASE
            summary += "; repaid in full: the pledge must now be released"
        return await self._accepted(data, kind, summary)

    @staticmethod
    def _allocated(allocation: Allocation) -> str:
        return (
            f"penalty ¥{allocation.penalty:,.2f}, interest ¥{allocation.interest:,.2f}, "
            f"principal ¥{allocation.principal:,.2f}"
        )

    @workflow.update
    async def record_repayment(self, data: RecordRepaymentInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_REPAYMENT, data, handler=True)
            servicing = self._servicing
            servicing.ledger, allocation = ledgers.apply_payment(servicing.ledger, data.amount, data.value_date)
            self._payment(
                data, "repayment", data.amount, data.value_date, data.reference, self.state.enterprise_id, allocation
            )
            return await self._after_payment(
                data,
                "repayment_recorded",
                f"¥{data.amount:,.2f} received on {data.value_date} ({data.reference}): {self._allocated(allocation)}",
            )

    @record_repayment.validator
    def _validate_record_repayment(self, data: RecordRepaymentInput) -> None:
        self._check(LoanAction.RECORD_REPAYMENT, data)

    @workflow.update
    async def prepay(self, data: PrepayLoanInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.PREPAY, data, handler=True)
            servicing = self._servicing
            quote = ledgers.quote_prepayment(servicing.ledger, data.value_date, data.principal)
            servicing.ledger, allocation = ledgers.prepay(servicing.ledger, quote)
            self._payment(
                data, "prepayment", quote.total, data.value_date, data.reference, self.state.enterprise_id, allocation
            )
            what = "in full" if quote.full else f"¥{quote.principal:,.2f} of principal"
            return await self._after_payment(
                data,
                "prepayment_recorded",
                f"early repayment {what} on {data.value_date}: ¥{quote.total:,.2f} ({self._allocated(allocation)}); "
                f"¥{quote.remaining_principal:,.2f} remains",
            )

    @prepay.validator
    def _validate_prepay(self, data: PrepayLoanInput) -> None:
        self._check(LoanAction.PREPAY, data)

    @workflow.update
    async def downgrade(self, data: DowngradeLoanInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DOWNGRADE, data, handler=True)
            servicing = self._servicing
            previous = servicing.tier
            servicing.manual_tier = data.tier
            await self._reclassify(self._today(), by=data.actor, reason=data.reason)
            return await self._accepted(
                data, "tier_changed", f"classification {previous.label} → {data.tier.label} (manual: {data.reason})"
            )

    @downgrade.validator
    def _validate_downgrade(self, data: DowngradeLoanInput) -> None:
        self._check(LoanAction.DOWNGRADE, data)

    @workflow.update
    async def declare_default(self, data: DeclareDefaultInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DECLARE_DEFAULT, data, handler=True)
            await self._enter_default(data, data.declared_on, data.reason)
            owed = ledgers.total_owed(self._servicing.ledger, data.declared_on)
            return await self._accepted(
                data,
                "default_declared",
                f"default declared on {data.declared_on}: {data.reason}; ¥{owed:,.2f} falls due; disposal started",
            )

    @declare_default.validator
    def _validate_declare_default(self, data: DeclareDefaultInput) -> None:
        self._check(LoanAction.DECLARE_DEFAULT, data)

    @workflow.update
    async def record_compensation(self, data: RecordCompensationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_COMPENSATION, data, handler=True)
            servicing = self._servicing
            if self.state.stage is Stage.SERVICING:
                await self._enter_default(data, data.value_date, f"compensated by {data.actor.org_id}")
            servicing.ledger, allocation, _ = ledgers.settle_with(servicing.ledger, data.amount, data.value_date)
            servicing.compensation = self._payment(
                data, "compensation", data.amount, data.value_date, data.reference, data.actor.org_id, allocation
            )
            servicing.recourse_claim += data.amount
            await self._reclassify(self._today())
            return await self._accepted(
                data,
                "compensated",
                f"{data.actor.org_id} compensated ¥{data.amount:,.2f} on {data.value_date} "
                f"({self._allocated(allocation)}); its recourse claim is ¥{servicing.recourse_claim:,.2f}",
            )

    @record_compensation.validator
    def _validate_record_compensation(self, data: RecordCompensationInput) -> None:
        self._check(LoanAction.RECORD_COMPENSATION, data)

    @workflow.update
    async def write_off(self, data: WriteOffLoanInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.WRITE_OFF, data, handler=True)
            servicing = self._servicing
            today = self._today()
            servicing.ledger = ledgers.accrue(servicing.ledger, max(today, servicing.ledger.accrued_to))
            remainder = ledgers.total_owed(servicing.ledger, servicing.ledger.accrued_to)
            servicing.written_off = remainder
            self.state.stage = Stage.WRITTEN_OFF
            self.state.closure = Closure(outcome="written_off", reason=data.reason, **self._recorded(data))
            return await self._accepted(data, "written_off", f"¥{remainder:,.2f} written off: {data.reason}")

    @write_off.validator
    def _validate_write_off(self, data: WriteOffLoanInput) -> None:
        self._check(LoanAction.WRITE_OFF, data)

    # ---- release and extension --------------------------------------------------------------------------------

    @workflow.update
    async def file_release(self, data: FileReleaseInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.FILE_RELEASE, data, handler=True)
            servicing = self._servicing
            asset = self._asset(data.asset_id)
            previous = servicing.releases.get(asset.id)
            if previous is not None:
                servicing.release_history.append(previous)
            attempt = (previous.attempt + 1) if previous else 1
            await workflow.execute_activity(
                Activity.FILE_WITH_AUTHORITY,
                FileWithAuthorityInput(
                    loan_id=self.state.loan_id,
                    asset=asset,
                    channel=data.channel,
                    filed_on=data.filed_on,
                    attempt=attempt,
                    purpose="release",
                ),
                result_type=AuthorityReceipt,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            days = loan_rules.registration_working_days(self.state.config, asset.kind, data.channel)
            deadline = await self._with_calendar(lambda calendar: working_deadline(data.filed_on, days, calendar))
            release = Release(
                asset_id=asset.id,
                attempt=attempt,
                authority=asset.kind.authority,
                channel=data.channel,
                filed_on=data.filed_on,
                deadline=deadline.day,
                deadline_provisional=deadline.provisional,
                **self._recorded(data),
            )
            servicing.releases[asset.id] = release
            return await self._accepted(
                data,
                "release_filed",
                f"release of {asset.number} filed with {release.authority.value} ({data.channel.value}); "
                f"outcome due by {release.deadline}{PROVISIONAL if deadline.provisional else ''}",
            )

    @file_release.validator
    def _validate_file_release(self, data: FileReleaseInput) -> None:
        self._check(LoanAction.FILE_RELEASE, data)

    @workflow.update
    async def record_release_outcome(self, data: RecordReleaseOutcomeInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_RELEASE_OUTCOME, data, handler=True)
            servicing = self._servicing
            release = servicing.releases[data.asset_id]
            release.outcome_recorded = Recorded(**self._recorded(data))
            if not data.released:
                release.outcome = "refused"
                release.refusal_reason = data.refusal_reason
                return await self._accepted(
                    data, "release_refused", f"release of {data.asset_id} refused: {data.refusal_reason}"
                )
            release.outcome = "released"
            release.release_date = data.release_date
            release.notice_number = data.notice_number
            summary = f"pledge of {data.asset_id} released on {data.release_date} ({data.notice_number})"
            if all((r := servicing.releases.get(a)) and r.outcome == "released" for a in self.state.asset_ids):
                self.state.stage = Stage.CLOSED
                self.state.closure = Closure(
                    outcome="closed", reason="repaid in full; every pledge released", **self._recorded(data)
                )
                summary += "; loan closed"
                await self._notify(
                    "released",
                    NotificationKind.RELEASED,
                    summary,
                    {"asset_id": data.asset_id, "notice_number": data.notice_number},
                    [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
                )
            return await self._accepted(data, "released", summary)

    @record_release_outcome.validator
    def _validate_record_release_outcome(self, data: RecordReleaseOutcomeInput) -> None:
        self._check(LoanAction.RECORD_RELEASE_OUTCOME, data)

    @workflow.update
    async def record_extension(self, data: RecordExtensionInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_EXTENSION, data, handler=True)
            filing = self.state.filings[data.asset_id]
            previous = filing.pledge_end_date
            filing.pledge_end_date = data.new_end_date
            if data.asset_id in self._servicing.extension_reminded:
                self._servicing.extension_reminded.remove(data.asset_id)
            return await self._accepted(
                data,
                "extension_recorded",
                f"trademark pledge of {data.asset_id} extended: {previous} → {data.new_end_date}",
            )

    @record_extension.validator
    def _validate_record_extension(self, data: RecordExtensionInput) -> None:
        self._check(LoanAction.RECORD_EXTENSION, data)
