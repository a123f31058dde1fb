"""Errors of the subsidy claim endpoints."""

from __future__ import annotations

from services.api.errors import Conflict, NotFound, Unprocessable


class RoundNotFound(NotFound):
    type_slug = "subsidy-round-not-found"
    title = "No such claim round"


class ClaimNotFound(NotFound):
    type_slug = "subsidy-claim-not-found"
    title = "Claim not found"

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"There is no subsidy claim {claim_id!r} that you can see.")


class FilingClosed(Conflict):
    type_slug = "filing-closed"
    title = "The round does not take claims now"


class ClaimNotEligible(Conflict):
    type_slug = "claim-not-eligible"
    title = "The claim does not meet the policy"


class ClaimOverlaps(Conflict):
    type_slug = "claim-overlaps"
    title = "A claim already covers this period"


class MaterialsMissing(Unprocessable):
    type_slug = "materials-missing"
    title = "Materials are missing"


class RoundRefused(Unprocessable):
    type_slug = "subsidy-round-refused"
    title = "The round is not accepted"
