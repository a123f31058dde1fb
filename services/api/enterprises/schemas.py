"""Bodies of the enterprise and IP-asset endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.enums import District, IPKind, LegalStatus, SizeClass

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="Stable id, e.g. `ent-guangming-demo`.")
    name: str = Field(min_length=2, max_length=200)
    credit_code: str = Field(min_length=1, max_length=18, description="统一社会信用代码 (18 characters).")
    credit_code_override_reason: str | None = Field(
        default=None,
        min_length=5,
        max_length=500,
        description="Platform admins only: accept a code that fails the check (early pilot codes), with the reason.",
    )
    district: District
    size_class: SizeClass
    legal_person: str = Field(min_length=1, max_length=100)
    contact_name: str = Field(min_length=1, max_length=100)
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

    id: str = Field(pattern=ID_PATTERN)
    kind: IPKind
    number: str = Field(min_length=1, max_length=64, description="Patent ZL number, trademark number, or SR number.")
    title: str = Field(min_length=1, max_length=500)
    owner_enterprise_id: str
    co_owners: list[str] = Field(default_factory=list, max_length=20)
    expiry_date: date
    legal_status: LegalStatus = LegalStatus.VALID
    fees_paid: bool = True


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
