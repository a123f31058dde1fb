"""Rules of enterprise and IP-asset registration: identifiers are checked; a credit-code override is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from contracts.identifiers import check_credit_code, check_ip_number
from services.api.dependencies import RequestContext
from services.api.enterprises.exceptions import (
    EnterpriseExists,
    EnterpriseNotFound,
    InvalidIdentifier,
    IpAssetExists,
    IpAssetNotFound,
    OverrideNotAllowed,
)
from services.api.enterprises.schemas import (
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    IpAssetCreate,
    IpAssetPage,
    IpAssetRead,
)
from services.api.errors import Forbidden
from services.api.params import make_cursor, read_cursor
from services.api.visibility import scope_of
from services.platform.auth import Principal
from services.store import loans, reference
from services.store.audit import append_audit
from services.store.tables import Enterprise, IpAsset


def _check_station_district(principal: Principal, district: str) -> None:
    if principal.role is Role.STATION_SPECIALIST and (
        principal.district is None or principal.district.value != district
    ):
        raise Forbidden("A service station registers enterprises of its own district only.")


async def register_enterprise(session: AsyncSession, context: RequestContext, body: EnterpriseCreate) -> EnterpriseRead:
    _check_station_district(context.principal, body.district.value)
    code = body.credit_code.strip().upper()
    if body.credit_code_override_reason is not None:
        if context.principal.role is not Role.PLATFORM_ADMIN:
            raise OverrideNotAllowed("Only a platform admin may accept a credit code that fails the check.")
        if len(code) != 18:
            raise InvalidIdentifier("Even with an override, a unified social credit code has 18 characters.")
    else:
        try:
            code = check_credit_code(code)
        except ValueError as error:
            raise InvalidIdentifier(
                f"{error}. Check the code on the business licence (营业执照); a platform admin may override an "
                "early pilot code with a reason."
            ) from None
    if await reference.get_enterprise(session, body.id) is not None:
        raise EnterpriseExists(f"An enterprise with id {body.id!r} already exists.")
    existing = await reference.enterprise_by_credit_code(session, code)
    if existing is not None:
        raise EnterpriseExists(f"Credit code {code} is already registered as {existing.name} ({existing.id}).")
    enterprise = Enterprise(
        **body.model_dump(exclude={"credit_code", "district", "size_class"}),
        credit_code=code,
        district=body.district.value,
        size_class=body.size_class.value,
        created_at=datetime.now(UTC),
    )
    await reference.add(session, enterprise)
    details = {"credit_code_override": body.credit_code_override_reason} if body.credit_code_override_reason else None
    await append_audit(
        session,
        context.audit("enterprise.registered", "enterprise", enterprise.id, body.model_dump(mode="json"), details),
    )
    return EnterpriseRead.model_validate(enterprise)


async def get_enterprise(session: AsyncSession, principal: Principal, enterprise_id: str) -> EnterpriseRead:
    """An enterprise; an enterprise user sees only its own (others are 404, never their data)."""
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None or (principal.role is Role.ENTERPRISE and principal.org_id != enterprise_id):
        raise EnterpriseNotFound(f"There is no enterprise {enterprise_id!r}.")
    return EnterpriseRead.model_validate(enterprise)


async def list_enterprises(
    session: AsyncSession, principal: Principal, *, district: str | None, cursor: str | None, limit: int
) -> EnterprisePage:
    only = principal.org_id if principal.role is Role.ENTERPRISE else None
    after = read_cursor(cursor, 1)
    rows = await reference.list_enterprises(
        session, district=district, after=after[0] if after else None, limit=limit + 1, only_id=only
    )
    items = [EnterpriseRead.model_validate(r) for r in rows[:limit]]
    return EnterprisePage(items=items, next_cursor=make_cursor(items[-1].id) if len(rows) > limit else None)


async def _read_assets(session: AsyncSession, principal: Principal, assets: Sequence[IpAsset]) -> list[IpAssetRead]:
    """The assets, each with the open loan holding it — shown only to a party of that loan: that an enterprise
    has pledged an asset with a bank is the business of that loan's parties, not of every organisation."""
    holds = await loans.active_holds(session, [asset.id for asset in assets])
    holders = {loan.id: loan for loan in await loans.get_loans(session, sorted(set(holds.values())))}
    reads = []
    for asset in assets:
        holder = holders.get(holds.get(asset.id, ""))
        shown = holder.id if holder is not None and scope_of(principal).allows(holder) else None
        reads.append(IpAssetRead.model_validate(asset).model_copy(update={"pledged_in_loan": shown}))
    return reads


async def register_asset(session: AsyncSession, context: RequestContext, body: IpAssetCreate) -> IpAssetRead:
    owner = await reference.get_enterprise(session, body.owner_enterprise_id)
    if owner is None:
        raise EnterpriseNotFound(f"There is no enterprise {body.owner_enterprise_id!r} to own this asset.")
    if context.principal.role is Role.ENTERPRISE and context.principal.org_id != owner.id:
        raise Forbidden("An enterprise registers its own IP assets only.")
    _check_station_district(context.principal, owner.district)
    try:
        number = check_ip_number(body.kind, body.number)
    except ValueError as error:
        raise InvalidIdentifier(str(error)) from None
    if await reference.get_asset(session, body.id) is not None:
        raise IpAssetExists(f"An IP asset with id {body.id!r} already exists.")
    if await reference.asset_by_number(session, body.kind.value, number) is not None:
        raise IpAssetExists(f"{body.kind.label} {number} is already registered.")
    asset = IpAsset(
        **body.model_dump(exclude={"kind", "number", "legal_status"}),
        kind=body.kind.value,
        number=number,
        legal_status=body.legal_status.value,
        created_at=datetime.now(UTC),
    )
    await reference.add(session, asset)
    await append_audit(
        session, context.audit("ip_asset.registered", "ip_asset", asset.id, body.model_dump(mode="json"))
    )
    return (await _read_assets(session, context.principal, [asset]))[0]


async def get_asset(session: AsyncSession, principal: Principal, asset_id: str) -> IpAssetRead:
    asset = await reference.get_asset(session, asset_id)
    if asset is None:
        raise IpAssetNotFound(f"There is no IP asset {asset_id!r}.")
    return (await _read_assets(session, principal, [asset]))[0]


async def list_assets(
    session: AsyncSession, principal: Principal, *, owner: str | None, cursor: str | None, limit: int
) -> IpAssetPage:
    if principal.role is Role.ENTERPRISE:
        owner = principal.org_id
    after = read_cursor(cursor, 1)
    rows = await reference.list_assets(session, owner=owner, after=after[0] if after else None, limit=limit + 1)
    items = await _read_assets(session, principal, rows[:limit])
    return IpAssetPage(items=items, next_cursor=make_cursor(items[-1].id) if len(rows) > limit else None)
