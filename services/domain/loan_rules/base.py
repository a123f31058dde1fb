"""What every loan rule shares: a step's name (`LoanAction`), the refusal it raises (`StepRejected`) and `rule`,
which raises it when a condition of the step's content does not hold."""

from __future__ import annotations

from contracts.base import STEP_RULE_VIOLATION
from contracts.loans import LoanUpdate

# A step is named like the workflow update that takes it.
LoanAction = LoanUpdate


class StepRejected(Exception):
    """A step that may not happen; `kind` is one of contracts.base.STEP_*."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def rule(condition: bool, message: str) -> None:
    """Refuse the step (409) with `message`, said to a bank clerk, unless `condition` holds."""
    if not condition:
        raise StepRejected(STEP_RULE_VIOLATION, message)
