"""The loan's simple steps as a table a reader can scan: the path under `/loans/{id}/`, the body a caller sends, the
input the workflow's update receives, the update, who takes the step, and the summary in the OpenAPI.

A simple step's input is its body plus who acts; steps that look things up first (the application, the proposal)
have routes of their own in `router.py`. Who may take a step is decided by the workflow
(services/domain/loan_rules/access.py), which answers 403 to anybody else; `who` here says it to the reader and the
docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from contracts.base import StepInput
from contracts.loan_steps import (
    AcceptValuationInput,
    AcceptValuationRequest,
    CloseCaseInput,
    CloseCaseRequest,
    CompensationRequest,
    DecideApprovalInput,
    DecideApprovalRequest,
    DeclareDefaultInput,
    DeclareDefaultRequest,
    DeclineSignOffInput,
    DeclineSignOffRequest,
    DisburseLoanInput,
    DisburseRequest,
    DowngradeLoanInput,
    DowngradeRequest,
    ExtensionRequest,
    FileRegistrationInput,
    FileRegistrationRequest,
    FileReleaseInput,
    FileReleaseRequest,
    LogVisitInput,
    LogVisitRequest,
    PrepayLoanInput,
    PrepaymentRequest,
    QualificationReviewRequest,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordRegistrationOutcomeInput,
    RecordReleaseOutcomeInput,
    RecordRepaymentInput,
    RegistrationOutcomeRequest,
    ReleaseOutcomeRequest,
    RepaymentRequest,
    ReviewQualificationInput,
    SignOffInput,
    SignOffRequest,
    SubmitValuationInput,
    SubmitValuationRequest,
    TickChecklistInput,
    TickChecklistRequest,
    WriteOffLoanInput,
    WriteOffRequest,
)
from contracts.loans import LoanUpdate

OFFICER = "bank officer"
APPROVER = "bank approver"
STATION_OR_BANK = "station specialist or bank officer"
CASE_PARTIES = "bank, station or enterprise"


@dataclass(frozen=True)
class StepRoute:
    path: str
    request: type[BaseModel]
    input: type[StepInput]
    update: LoanUpdate
    who: str
    summary: str


STEP_ROUTES: tuple[StepRoute, ...] = (
    # path                   body                         workflow input                  update
    StepRoute("visits", LogVisitRequest, LogVisitInput, LoanUpdate.LOG_VISIT, STATION_OR_BANK,
              "Log a door-to-door visit"),
    StepRoute("checklist", TickChecklistRequest, TickChecklistInput, LoanUpdate.TICK_CHECKLIST, STATION_OR_BANK,
              "Tick an item of the guidance checklist"),
    StepRoute("qualification-review", QualificationReviewRequest, ReviewQualificationInput,
              LoanUpdate.REVIEW_QUALIFICATION, STATION_OR_BANK, "Record the qualification review (资质审查)"),
    StepRoute("valuations", SubmitValuationRequest, SubmitValuationInput, LoanUpdate.SUBMIT_VALUATION,
              "the appraisal agency named in the application, else the bank in-house",
              "Submit a valuation report for one pledged asset"),
    StepRoute("valuation-acceptance", AcceptValuationRequest, AcceptValuationInput, LoanUpdate.ACCEPT_VALUATION,
              OFFICER, "Accept the valuation: sets the maximum loan (valuation → approval)"),
    StepRoute("approval-decision", DecideApprovalRequest, DecideApprovalInput, LoanUpdate.DECIDE_APPROVAL,
              f"{APPROVER}, not the proposer", "Approve or reject the proposed terms"),
    StepRoute("sign-offs", SignOffRequest, SignOffInput, LoanUpdate.SIGN_OFF,
              "the guarantee company or insurer named in the terms",
              "Sign off the guarantee or insurance named in the approved terms"),
    StepRoute("sign-off-declines", DeclineSignOffRequest, DeclineSignOffInput, LoanUpdate.DECLINE_SIGN_OFF,
              "the guarantee company or insurer named in the terms",
              "Decline the guarantee or insurance (the loan goes back to approval)"),
    StepRoute("registrations", FileRegistrationRequest, FileRegistrationInput, LoanUpdate.FILE_REGISTRATION,
              OFFICER, "File the pledge registration of one asset; starts its deadline"),
    StepRoute("registration-outcomes", RegistrationOutcomeRequest, RecordRegistrationOutcomeInput,
              LoanUpdate.RECORD_REGISTRATION_OUTCOME, OFFICER,
              "Record the authority's outcome: registration number and effective date, or refusal"),
    StepRoute("disbursement", DisburseRequest, DisburseLoanInput, LoanUpdate.DISBURSE, OFFICER,
              "Disburse: generates the repayment schedule (disbursement → servicing)"),
    StepRoute("withdrawal", CloseCaseRequest, CloseCaseInput, LoanUpdate.WITHDRAW, CASE_PARTIES,
              "Withdraw the case before disbursement (frees its assets)"),
    StepRoute("rejection", CloseCaseRequest, CloseCaseInput, LoanUpdate.REJECT, "the bank",
              "Reject the loan before disbursement"),
    StepRoute("repayments", RepaymentRequest, RecordRepaymentInput, LoanUpdate.RECORD_REPAYMENT, OFFICER,
              "Record a repayment: applied to penalty interest, then interest, then principal"),
    StepRoute("prepayments", PrepaymentRequest, PrepayLoanInput, LoanUpdate.PREPAY, OFFICER,
              "Execute an early repayment as quoted; the remaining schedule is recomputed"),
    StepRoute("classification-downgrades", DowngradeRequest, DowngradeLoanInput, LoanUpdate.DOWNGRADE, "the bank",
              "Downgrade the loan's classification by hand, with a reason"),
    StepRoute("default", DeclareDefaultRequest, DeclareDefaultInput, LoanUpdate.DECLARE_DEFAULT, APPROVER,
              "Declare default: the loan falls due at once and disposal of the pledged IP starts"),
    StepRoute("compensation", CompensationRequest, RecordCompensationInput, LoanUpdate.RECORD_COMPENSATION,
              "the guarantee company on the loan",
              "Record the guarantor's compensation (代偿), once asked; leaves its recourse claim on the loan"),
    StepRoute("releases", FileReleaseRequest, FileReleaseInput, LoanUpdate.FILE_RELEASE, OFFICER,
              "File the release of a pledge (注销) once the loan is repaid; starts its deadline"),
    StepRoute("release-outcomes", ReleaseOutcomeRequest, RecordReleaseOutcomeInput, LoanUpdate.RECORD_RELEASE_OUTCOME,
              OFFICER, "Record the release outcome (date and notice number, or refusal); the last closes the loan"),
    StepRoute("extensions", ExtensionRequest, RecordExtensionInput, LoanUpdate.RECORD_EXTENSION, OFFICER,
              "Record the extension of a trademark pledge registration that would end before the loan"),
    StepRoute("write-off", WriteOffRequest, WriteOffLoanInput, LoanUpdate.WRITE_OFF, APPROVER,
              "Write off what disposal did not recover, with a reason"),
)  # fmt: skip
