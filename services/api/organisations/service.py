"""Rules of the organisations endpoints: who may register one, what is recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District, OrganisationKind
from services.api.dependencies import RequestContext
from services.api.organisations.exceptions import OrganisationExists, OrganisationNotFound
from services.api.organisations.schemas import OrganisationCreate, OrganisationPage, OrganisationRead
from services.api.params import make_cursor, read_cursor
from services.store import organisations as repository
from services.store.audit import append_audit
from services.store.tables import Organisation


def to_read(organisation: Organisation) -> OrganisationRead:
    return OrganisationRead(
        id=organisation.id,
        kind=organisation.kind,
        kind_label=OrganisationKind(organisation.kind).label,
        name=organisation.name,
        branch=organisation.branch,
        district=organisation.district,
        district_label=District(organisation.district).label if organisation.district else None,
        created_at=organisation.created_at,
    )


async def register_organisation(
    session: AsyncSession, context: RequestContext, body: OrganisationCreate
) -> OrganisationRead:
    if await repository.get_organisation(session, body.id) is not None:
        raise OrganisationExists(body.id)
    organisation = await repository.add_organisation(
        session, Organisation(**body.model_dump(), created_at=datetime.now(UTC))
    )
    await append_audit(
        session, context.audit("organisation.registered", "organisation", organisation.id, body.model_dump(mode="json"))
    )
    return to_read(organisation)


async def get_organisation(session: AsyncSession, organisation_id: str) -> OrganisationRead:
    organisation = await repository.get_organisation(session, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(organisation_id)
    return to_read(organisation)


async def list_organisations(
    session: AsyncSession, *, kind: OrganisationKind | None, district: District | None, cursor: str | None, limit: int
) -> OrganisationPage:
    after = read_cursor(cursor, 1)
    rows = await repository.list_organisations(
        session, kind=kind, district=district, after=after[0] if after else None, limit=limit + 1
    )
    items = [to_read(row) for row in rows[:limit]]
    return OrganisationPage(items=items, next_cursor=make_cursor(items[-1].id) if len(rows) > limit else None)
