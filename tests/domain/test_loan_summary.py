"""The loan's one projection (`LoanState.summary`): what it says at each stage, and a step's answer and write
carrying it — including an answer recorded, or a write scheduled, before they carried it."""

from __future__ import annotations

import json
from decimal import Decimal

from contracts.enums import RiskTier, Stage
from contracts.loan_activities import RecordLoanStepInput
from contracts.loan_state import LoanState, LoanSummary, StepResult
from contracts.types import TRUSTED
from tests.domain.loan_states import AMOUNT, BANK, GUARANTOR_ORG, INSURER_ORG, VALUER_ORG, approved, disbursed, opened


class TestSummary:
    def test_an_opened_case_has_only_its_stage(self) -> None:
        assert opened().summary() == LoanSummary(
            stage=Stage.GUIDANCE,
            bank_id=None,
            valuer_id=None,
            guarantor_id=None,
            insurer_id=None,
            requested_amount=None,
            max_loan=None,
            approved_amount=None,
            disbursed_amount=None,
            outstanding_principal=None,
            classification=None,
            overdue_since=None,
        )

    def test_an_approved_loan_names_its_parties_and_the_approved_amount(self) -> None:
        summary = approved().summary()
        assert (summary.bank_id, summary.valuer_id, summary.guarantor_id, summary.insurer_id) == (
            BANK,
            VALUER_ORG,
            GUARANTOR_ORG,
            INSURER_ORG,
        )
        assert summary.approved_amount == AMOUNT
        assert summary.disbursed_amount is None

    def test_a_refused_proposal_approves_no_amount(self) -> None:
        state = approved()
        assert state.decision is not None
        state.decision.approved = False
        assert state.summary().approved_amount is None

    def test_a_disbursed_loan_owes_its_principal_and_is_normal(self) -> None:
        summary = disbursed().summary()
        assert (summary.stage, summary.disbursed_amount) == (Stage.SERVICING, AMOUNT)
        assert summary.outstanding_principal == AMOUNT
        assert (summary.classification, summary.overdue_since) == (RiskTier.NORMAL, None)


class TestStepResult:
    def test_an_answer_carries_the_summary_the_workflow_sent(self) -> None:
        state = disbursed()
        sent = state.summary().model_copy(update={"outstanding_principal": Decimal("1.00")})
        answer = {"loan_id": state.loan_id, "stage": "servicing", "event": "x", "state": state, "summary": sent}
        # Taken as sent, not computed again on the way in.
        assert StepResult.model_validate(answer).summary.outstanding_principal == Decimal("1.00")

    def test_an_answer_recorded_before_answers_carried_a_summary_is_made_whole_from_its_state(self) -> None:
        state = disbursed()
        older = {"loan_id": state.loan_id, "stage": "servicing", "event": "x", "state": state.model_dump(mode="json")}
        result = StepResult.model_validate_json(json.dumps(older), context=TRUSTED)  # as the API reads an answer
        assert result.summary == state.summary()
        assert isinstance(result.state, LoanState)

    def test_a_write_scheduled_before_writes_carried_a_summary_is_written_whole(self) -> None:
        """Its task may be picked up by a worker of the newer release during a rolling deployment."""
        state = disbursed()
        event = {
            "key": "k",
            "kind": "repayment_recorded",
            "summary": "¥1.00 received",
            "actor": {"sub": "li@boc", "role": "bank_officer", "org_id": BANK},
            "at": "2026-04-20T02:00:00Z",
            "payload_digest": "d" * 64,
        }
        older = {"state": state.model_dump(mode="json"), "event": event}
        write = RecordLoanStepInput.model_validate_json(json.dumps(older), context=TRUSTED)
        assert write.summary == state.summary()
