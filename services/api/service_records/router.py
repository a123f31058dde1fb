"""Routes of an enterprise's service record."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.dependencies import PrincipalDep, SessionDep
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Unauthenticated, problem_responses
from services.api.params import IdPath
from services.api.service_records import service
from services.api.service_records.service import ServiceRecord

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
