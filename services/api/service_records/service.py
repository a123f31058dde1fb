"""An enterprise's service record (服务记录): every touch of its station — visits, steps taken on its behalf, claim
steps filed for it, documents collected — newest first, with the counts a district reports: the visits (家次) and the
trips the enterprise did not have to make (each step and document the specialist took care of). Seen by the
enterprise, its district's stations and office, and the administrators; anyone else is told it does not exist."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.platform.auth import Principal
from services.store import reference, service_records


class TouchView(BaseModel):
    source: str = Field(description="loan, claim or document")
    kind: str = Field(description="the step (visit_logged, application_submitted, filed, …) or document_collected")
    summary: str
    by: str
    station: str
    at: datetime
    subject: str = Field(description="the loan, claim or document")


class ServiceRecord(BaseModel):
    enterprise_id: str
    enterprise_name: str
    visits: int = Field(description="visits logged (家次)")
    trips_saved: int = Field(description="steps taken and documents collected on the enterprise's behalf")
    touches: list[TouchView]


async def service_record(session: AsyncSession, principal: Principal, enterprise_id: str) -> ServiceRecord:
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None or not _sees(principal, enterprise_id, enterprise.district):
        raise EnterpriseNotFound(f"There is no enterprise {enterprise_id!r} whose service record you can see.")
    found = await service_records.touches(session, enterprise_id)
    visits = sum(1 for t in found if t.kind == "visit_logged")
    return ServiceRecord(
        enterprise_id=enterprise.id,
        enterprise_name=enterprise.name,
        visits=visits,
        trips_saved=len(found) - visits,
        touches=[TouchView(**t.__dict__) for t in found],
    )


def _sees(principal: Principal, enterprise_id: str, district: str) -> bool:
    if principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        return True
    if principal.role is Role.ENTERPRISE:
        return principal.org_id == enterprise_id
    if principal.role in (Role.STATION_SPECIALIST, Role.DISTRICT_REVIEWER):
        return principal.district is not None and principal.district.value == district
    return False
