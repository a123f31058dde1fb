"""Fixtures of the API tests: the loans stack (module-scoped: each module gets its own database)."""

from tests.api.loan_stack import stack

__all__ = ["stack"]
