"""Loans: open a case, advance each step through the loan's workflow, read the loan, its timeline and schedule."""
