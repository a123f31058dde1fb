"""Request and response bodies of the organisations endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.enums import District, OrganisationKind
from contracts.types import STORABLE, Id


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id = Field(description="Stable id, e.g. `boc-shenzhen`.")
    kind: OrganisationKind
    name: Annotated[str, Field(min_length=2, max_length=200), STORABLE]
    branch: Annotated[str, Field(max_length=200), STORABLE] | None = None
    district: District | None = None

    @model_validator(mode="after")
    def _district_where_needed(self) -> OrganisationCreate:
        if self.kind in (OrganisationKind.SERVICE_STATION, OrganisationKind.DISTRICT_OFFICE) and self.district is None:
            raise ValueError("a service station or district office belongs to a district")
        return self


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: OrganisationKind
    kind_label: str
    name: str
    branch: str | None
    district: District | None
    district_label: str | None
    created_at: datetime


class OrganisationPage(BaseModel):
    items: list[OrganisationRead]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")
