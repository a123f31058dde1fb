"""Errors of the subsidy endpoints."""

from __future__ import annotations

from services.api.errors import Conflict, NotFound, Unprocessable


class PolicyNotFound(NotFound):
    type_slug = "subsidy-policy-not-found"
    title = "No such subsidy policy"


class NoPolicyInForce(NotFound):
    type_slug = "no-subsidy-policy-in-force"
    title = "No subsidy policy in force"


class PolicyDateRefused(Unprocessable):
    type_slug = "subsidy-policy-date"
    title = "The policy's dates are not accepted"


class NothingToClaim(Conflict):
    type_slug = "nothing-to-claim"
    title = "The loan has nothing to claim yet"
