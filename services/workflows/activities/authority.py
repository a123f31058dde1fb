"""The registration authorities (CNIPA, the copyright protection centre) behind one interface.

Today the only adapter is `ManualAuthority`: the bank files at the authority itself and enters the outcome
through the API. A connector to the authority's online system implements `RegistrationAuthority` (hand over
the filing, return its reference) and is chosen in the worker; the workflow does not change.
"""

from __future__ import annotations

from typing import Protocol

from temporalio import activity

from contracts.loan_activities import AuthorityReceipt, FileWithAuthorityInput
from contracts.names import Activity


class RegistrationAuthority(Protocol):
    name: str

    async def file(self, filing: FileWithAuthorityInput) -> AuthorityReceipt: ...


class ManualAuthority:
    """The bank files on paper or online itself; the outcome is entered by the bank (manual adapter)."""

    name = "manual"

    async def file(self, filing: FileWithAuthorityInput) -> AuthorityReceipt:
        activity.logger.info(
            "filing recorded for manual follow-up", extra={"loan_id": filing.loan_id, "asset": filing.asset.number}
        )
        return AuthorityReceipt(adapter=self.name, reference=None, outcome_entered_manually=True)


class AuthorityActivities:
    def __init__(self, authority: RegistrationAuthority) -> None:
        self.authority = authority

    @activity.defn(name=Activity.FILE_WITH_AUTHORITY)
    async def file_with_authority(self, data: FileWithAuthorityInput) -> AuthorityReceipt:
        return await self.authority.file(data)
