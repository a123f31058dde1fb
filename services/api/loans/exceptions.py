"""Errors of the loans endpoints; workflow step rejections map here by their ApplicationError type."""

from __future__ import annotations

from services.api.errors import ApiError, Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable


class LoanNotFound(NotFound):
    type_slug = "loan-not-found"
    title = "Loan not found"

    def __init__(self, loan_id: str) -> None:
        super().__init__(f"There is no loan {loan_id!r} that you can see.")


class StepWrongStage(Conflict):
    type_slug = "wrong-stage"
    title = "Not possible in the loan's current stage"


class NotYourStep(Forbidden):
    type_slug = "not-your-step"
    title = "This step belongs to another party"


class NotInYourView(Forbidden):
    type_slug = "not-in-your-view"
    title = "Not part of what your role sees of the loan"


class StepRuleViolation(Conflict):
    type_slug = "rule-violation"
    title = "The step breaks a lending rule"


class UnknownReference(Unprocessable):
    type_slug = "unknown-reference"
    title = "The request names something that does not exist"


class CannotOpenLoan(Forbidden):
    type_slug = "cannot-open-loan"
    title = "Only a service station or a bank opens a case"


class WorkflowUnavailable(ServiceUnavailable):
    type_slug = "workflow-unavailable"
    title = "The loan's workflow could not be reached"


STEP_ERRORS: tuple[type[ApiError], ...] = (StepWrongStage, NotYourStep, StepRuleViolation)
