"""Errors of the organisations endpoints."""

from __future__ import annotations

from services.api.errors import Conflict, NotFound


class OrganisationNotFound(NotFound):
    type_slug = "organisation-not-found"
    title = "Organisation not found"

    def __init__(self, organisation_id: str) -> None:
        super().__init__(f"There is no organisation with id {organisation_id!r}.")


class OrganisationExists(Conflict):
    type_slug = "organisation-exists"
    title = "Organisation already exists"

    def __init__(self, organisation_id: str) -> None:
        super().__init__(f"An organisation with id {organisation_id!r} already exists; choose another id.")
