"""An enterprise's service record (服务记录): every touch of its station — visits, steps taken on its behalf, claim
steps filed for it, documents collected — newest first, with the counts a district reports: the visits (家次) and the
trips the enterprise did not have to make (each step and document the specialist took care of). Seen by the
enterprise, its district's stations and office, and the administrators; anyone else is told it does not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from contracts.visits import RecordTouchRequest, TouchKind
from services.api.dependencies import RequestContext
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Forbidden, Unprocessable
from services.api.stations.roster import AssignmentView, assignment_of
from services.api.subsidies.service import today
from services.api.visits.schemas import RecordedTouch
from services.platform.auth import Principal
from services.store import loans, reference, service_records, visits
from services.store.audit import append_audit


class TouchRefused(Unprocessable):
    type_slug = "touch-refused"
    title = "The touch was refused"


class TouchView(BaseModel):
    source: str = Field(description="loan, claim, document, visit (not logged on a case) or touch (by hand)")
    kind: str = Field(
        description="the step (visit_logged, application_submitted, filed, …), document_collected, visit_incident, "
        "or a touch's kind (call, message, meeting, other)"
    )
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
    contacts: int = Field(description="calls, messages and meetings recorded by hand, and failed visits")
    assignment: AssignmentView | None = Field(description="the station and specialist serving the enterprise")
    touches: list[TouchView]


async def service_record(session: AsyncSession, principal: Principal, enterprise_id: str) -> ServiceRecord:
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None or not _sees(principal, enterprise_id, enterprise.district):
        raise EnterpriseNotFound(f"There is no enterprise {enterprise_id!r} whose service record you can see.")
    found = await service_records.touches(session, enterprise_id)
    visits = sum(1 for t in found if t.kind == "visit_logged")
    contacts = sum(1 for t in found if t.source == "touch" or t.kind == "visit_incident")
    return ServiceRecord(
        enterprise_id=enterprise.id,
        enterprise_name=enterprise.name,
        visits=visits,
        trips_saved=len(found) - visits - contacts,
        contacts=contacts,
        assignment=await assignment_of(session, enterprise_id),
        touches=[TouchView(**t.__dict__) for t in found],
    )


async def record_touch(
    session: AsyncSession, context: RequestContext, enterprise_id: str, body: RecordTouchRequest, *, touch_id: str
) -> RecordedTouch:
    """A touch recorded by hand by a specialist of the enterprise's district (a call, a message, a meeting), on the
    day it took place (not in the future, at most a year back), optionally on one of the station's cases."""
    principal = context.principal
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None or not _sees(principal, enterprise_id, enterprise.district):
        raise EnterpriseNotFound(f"There is no enterprise {enterprise_id!r} whose service record you can see.")
    if principal.role is not Role.STATION_SPECIALIST:
        raise Forbidden("Touches are recorded by the specialists of a service station.")
    day = today()
    if not day - timedelta(days=366) <= body.occurred_on <= day:
        raise TouchRefused(f"A touch is dated today or in the past year ({body.occurred_on}; today is {day}).")
    if body.loan_id is not None:
        loan = await loans.get_loan(session, body.loan_id)
        if loan is None or loan.station_id != principal.org_id or loan.enterprise_id != enterprise_id:
            raise TouchRefused(f"Loan {body.loan_id!r} is not a case of your station for this enterprise.")
    row = await visits.add_touch(
        session,
        {
            "id": touch_id, "station_id": principal.org_id, "enterprise_id": enterprise_id, "loan_id": body.loan_id,
            "kind": body.kind.value, "occurred_on": body.occurred_on, "summary": body.summary,
            "recorded_by": principal.sub, "recorded_at": datetime.now(UTC),
        },
    )  # fmt: skip
    await append_audit(session, context.audit("touch.recorded", "station_touch", row.id, body.model_dump(mode="json")))
    await session.commit()
    return RecordedTouch(**row.model_dump(), kind_label=TouchKind(row.kind).label)


def _sees(principal: Principal, enterprise_id: str, district: str) -> bool:
    if principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        return True
    if principal.role is Role.ENTERPRISE:
        return principal.org_id == enterprise_id
    if principal.role in (Role.STATION_SPECIALIST, Role.DISTRICT_REVIEWER):
        return principal.district is not None and principal.district.value == district
    return False
