"""A service station's roster — its specialists (知识产权金融服务专员) and the partner banks' account managers who
go on visits with them — and an enterprise's assignment to a station and one of its specialists."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.base import Model
from contracts.types import ShortText


class MemberKind(StrEnum):
    SPECIALIST = "specialist"
    ACCOUNT_MANAGER = "account_manager"

    @property
    def label(self) -> str:
        return {MemberKind.SPECIALIST: "金融服务专员", MemberKind.ACCOUNT_MANAGER: "银行客户经理"}[self]


Phone = Field(default=None, pattern=r"^\+?[0-9][0-9 ()-]{4,19}$", description="digits, spaces, -, ( ), a leading +")


class MemberRequest(Model):
    name: ShortText
    kind: MemberKind
    sub: str | None = Field(
        default=None, min_length=1, max_length=200, description="a specialist's sign-in subject (the token's `sub`)"
    )
    bank_id: str | None = Field(default=None, min_length=1, max_length=64, description="an account manager's bank")
    phone: str | None = Phone
    active: bool = True


class AssignmentRequest(Model):
    station_id: str = Field(min_length=1, max_length=64)
    specialist_id: str | None = Field(default=None, min_length=1, max_length=64, description="a member of the station")
