"""Fixtures of the API tests: the loans stack (module-scoped: each module gets its own database), and the same on
the time-skipping server for steps that wait months."""

from tests.api.loan_stack import stack
from tests.api.step_loans import skipping_stack

__all__ = ["skipping_stack", "stack"]
