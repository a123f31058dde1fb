"""Temporal workflows (loan lifecycle, repayment, subsidy claim, disposal), their activities and the worker."""
