"""A station's roster and the assignment of enterprises to stations.

The roster — the station's specialists, each with the sign-in subject their token carries, and the partner banks'
account managers who go on visits with them — is kept by the station's district office (or a city or platform
administrator) and read by whoever sees the station. An enterprise is assigned by its district's office to one of
the district's stations, and to an active specialist of it; from then on a case a bank opens for the enterprise is
followed by that station, and a white-list push a bank accepts opens its case for that station (not just the
district's first). Each write is a PUT of the whole row by its key: the same request twice leaves the same row."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District, OrganisationKind, Role
from contracts.stations import AssignmentRequest, MemberKind, MemberRequest
from services.api.dependencies import RequestContext
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Forbidden, Unprocessable
from services.api.stations.service import visible_station
from services.platform.auth import Principal
from services.store import organisations, reference, roster
from services.store.audit import append_audit
from services.store.station_tables import StationMember
from services.store.tables import Organisation


class RosterRefused(Unprocessable):
    type_slug = "roster-refused"
    title = "The roster or the assignment was refused"


class NotTheDistrictsOffice(Forbidden):
    type_slug = "not-the-districts-office"
    title = "Only the district's office keeps its stations' rosters and assignments"


class MemberView(BaseModel):
    id: str
    name: str
    kind: MemberKind
    kind_label: str
    sub: str | None
    bank_id: str | None
    phone: str | None
    active: bool


class Roster(BaseModel):
    station_id: str
    station_name: str
    district: str | None
    members: list[MemberView]


class AssignmentView(BaseModel):
    enterprise_id: str
    station_id: str
    station_name: str
    specialist_id: str | None
    specialist_name: str | None


def _member(row: StationMember) -> MemberView:
    kind = MemberKind(row.kind)
    return MemberView(
        id=row.id, name=row.name, kind=kind, kind_label=kind.label, sub=row.sub, bank_id=row.bank_id,
        phone=row.phone, active=row.active,
    )  # fmt: skip


def _keeps(principal: Principal, district: str | None) -> None:
    if principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        return
    reviewer = principal.role is Role.DISTRICT_REVIEWER and principal.district is not None
    if reviewer and principal.district is not None and district == principal.district.value:
        return
    raise NotTheDistrictsOffice("The station's roster and its enterprises are kept by its district's office.")


async def roster_of(session: AsyncSession, principal: Principal, station_id: str) -> Roster:
    station = await visible_station(session, principal, station_id)
    rows = await roster.members(session, station_id)
    return Roster(
        station_id=station.id, station_name=station.name, district=station.district,
        members=[_member(r) for r in rows],
    )  # fmt: skip


async def put_member(
    session: AsyncSession, context: RequestContext, station_id: str, member_id: str, body: MemberRequest
) -> Roster:
    station = await visible_station(session, context.principal, station_id)
    _keeps(context.principal, station.district)
    if body.kind is MemberKind.SPECIALIST and (body.sub is None or body.bank_id is not None):
        raise RosterRefused("A specialist is named with the sign-in subject of their account (sub), and no bank.")
    if body.kind is MemberKind.ACCOUNT_MANAGER:
        if body.bank_id is None or body.sub is not None:
            raise RosterRefused("An account manager is named with their bank (bank_id).")
        await _partner_bank(session, station, body.bank_id)
    row = body.model_dump(mode="json") | {
        "station_id": station_id, "id": member_id, "updated_by": context.principal.sub,
        "updated_at": datetime.now(UTC),
    }  # fmt: skip
    await roster.put_member(session, row)
    await append_audit(session, context.audit("station.member_put", "station", station_id, row | {"updated_at": ""}))
    await session.commit()
    return await roster_of(session, context.principal, station_id)


async def _partner_bank(session: AsyncSession, station: Organisation, bank_id: str) -> None:
    bank = await organisations.get_organisation(session, bank_id)
    if bank is None or bank.kind != OrganisationKind.BANK:
        raise RosterRefused(f"There is no bank {bank_id!r}.")
    if bank.district is not None and bank.district != station.district:
        raise RosterRefused(f"{bank.name} is a branch of another district; the station works with its own.")


async def assignment_of(session: AsyncSession, enterprise_id: str) -> AssignmentView | None:
    found = await roster.assignment_of(session, enterprise_id)
    if found is None:
        return None
    names = await organisations.names_of(session, [found.station_id])
    member = None
    if found.specialist_id is not None:
        member = await roster.get_member(session, found.station_id, found.specialist_id)
    return AssignmentView(
        enterprise_id=enterprise_id, station_id=found.station_id,
        station_name=names.get(found.station_id, found.station_id), specialist_id=found.specialist_id,
        specialist_name=member.name if member is not None else None,
    )  # fmt: skip


async def assign(
    session: AsyncSession, context: RequestContext, enterprise_id: str, body: AssignmentRequest
) -> AssignmentView:
    principal = context.principal
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None:
        raise EnterpriseNotFound(f"There is no enterprise {enterprise_id!r}.")
    _keeps(principal, enterprise.district)
    station = await organisations.get_organisation(session, body.station_id)
    if station is None or station.kind != OrganisationKind.SERVICE_STATION or station.district != enterprise.district:
        raise RosterRefused(f"{body.station_id!r} is not a service station of {enterprise.name}'s district.")
    if body.specialist_id is not None:
        member = await roster.get_member(session, station.id, body.specialist_id)
        if member is None or member.kind != MemberKind.SPECIALIST or not member.active:
            raise RosterRefused(f"{body.specialist_id!r} is not an active specialist on {station.name}'s roster.")
    row = {
        "enterprise_id": enterprise_id, "station_id": station.id, "specialist_id": body.specialist_id,
        "assigned_by": principal.sub, "assigned_at": datetime.now(UTC),
    }  # fmt: skip
    await roster.put_assignment(session, row)
    await append_audit(
        session, context.audit("enterprise.assigned", "enterprise", enterprise_id, body.model_dump(mode="json"))
    )
    await session.commit()
    found = await assignment_of(session, enterprise_id)
    assert found is not None
    return found


async def assignment_choices(session: AsyncSession, principal: Principal, enterprise_id: str) -> list[tuple[str, str]]:
    """What the district's office may assign the enterprise to: each station of its district ("station") and each
    active specialist of it ("station/member"), with a label; nothing for anyone else."""
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None:
        return []
    try:
        _keeps(principal, enterprise.district)
    except NotTheDistrictsOffice:
        return []
    choices: list[tuple[str, str]] = []
    stations = await organisations.list_organisations(
        session, kind=OrganisationKind.SERVICE_STATION, district=District(enterprise.district), limit=50
    )
    for station in stations:
        choices.append((station.id, station.name))
        for m in await roster.members(session, station.id):
            if m.kind == MemberKind.SPECIALIST and m.active:
                choices.append((f"{station.id}/{m.id}", f"{station.name} · {m.name}"))
    return choices
