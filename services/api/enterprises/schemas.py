"""Bodies of the enterprise and IP-asset endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.enums import District, IPKind, LegalStatus, SizeClass
from contracts.types import STORABLE, Flag, Id, ShortText


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id = Field(description="Stable id, e.g. `ent-guangming-demo`.")
    name: Annotated[str, Field(min_length=2, max_length=200), STORABLE]
    credit_code: Annotated[str, Field(min_length=1, max_length=18, description="统一社会信用代码 (18 characters).")]
    credit_code_override_reason: Annotated[str, STORABLE] | None = Field(
        default=None,
        min_length=5,
        max_length=500,
        description="Platform admins only: accept a code that fails the check (early pilot codes), with the reason.",
    )
    district: District
    size_class: SizeClass
    legal_person: Annotated[str, Field(min_length=1, max_length=100), STORABLE]
    contact_name: Annotated[str, Field(min_length=1, max_length=100), STORABLE]
    contact_phone: str = Field(pattern=r"^[0-9+\- ]{5,32}$")


class EnterpriseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    credit_code: str
    credit_code_override_reason: str | None
    district: District
    size_class: SizeClass
    legal_person: str
    contact_name: str
    contact_phone: str
    created_at: datetime


class EnterprisePage(BaseModel):
    items: list[EnterpriseRead]
    next_cursor: str | None


class IpAssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    kind: IPKind
    number: Annotated[str, STORABLE] = Field(
        min_length=1, max_length=64, description="Patent ZL number, trademark number, or SR number."
    )
    title: Annotated[str, Field(min_length=1, max_length=500), STORABLE]
    owner_enterprise_id: Id
    co_owners: list[ShortText] = Field(default_factory=list, max_length=20, description="co-owners, by name")
    expiry_date: date
    legal_status: LegalStatus = LegalStatus.VALID
    fees_paid: Flag = True


class IpAssetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: IPKind
    number: str
    title: str
    owner_enterprise_id: str
    co_owners: list[str]
    expiry_date: date
    legal_status: LegalStatus
    fees_paid: bool
    pledged_in_loan: str | None = Field(default=None, description="The open loan that holds this asset, if any.")


class IpAssetPage(BaseModel):
    items: list[IpAssetRead]
    next_cursor: str | None
