"""Temporal workflows (a loan's lifecycle and servicing, its disposal, webhook delivery), activities and the worker."""
