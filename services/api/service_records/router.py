"""Routes of an enterprise's service record."""

from __future__ import annotations

from fastapi import APIRouter, status

from contracts.visits import RecordTouchRequest
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Forbidden, Unauthenticated, problem_responses
from services.api.params import IdPath
from services.api.service_records import service
from services.api.service_records.service import ServiceRecord
from services.api.visits.schemas import RecordedTouch

router = APIRouter(tags=["stations"])


@router.get(
    "/enterprises/{enterprise_id}/service-record",
    response_model=ServiceRecord,
    summary="Every touch of the station with the enterprise — visits, steps taken and documents collected on its "
    "behalf — with the visits (家次) and the trips it did not have to make",
    responses=problem_responses(Unauthenticated, EnterpriseNotFound),
)
async def service_record(enterprise_id: IdPath, session: SessionDep, principal: PrincipalDep) -> ServiceRecord:
    return await service.service_record(session, principal, enterprise_id)


@router.post(
    "/enterprises/{enterprise_id}/touches",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordedTouch,
    summary="Record a touch by hand in the enterprise's service record: a call, a message, a meeting (specialists)",
    responses=problem_responses(Unauthenticated, EnterpriseNotFound, Forbidden, service.TouchRefused),
)
async def record_touch(
    enterprise_id: IdPath, body: RecordTouchRequest, session: SessionDep, context: RequestContextDep
) -> RecordedTouch:
    return await service.record_touch(session, context, enterprise_id, body, touch_id=context.derived_id("touch"))
