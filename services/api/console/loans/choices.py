"""The lists a step form offers for the ids it asks for, so that nobody types `boc-shenzhen`: banks, appraisal
agencies, guarantee companies and insurers from the organisations, products, the enterprise's IP assets for an
application, and the loan's own pledged assets for a step on one of them. Read through the reference API's service
functions; the API still checks whatever is sent."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import OrganisationKind
from contracts.loan_state import LoanState
from services.api.console.frame.forms import Choice, Input
from services.api.enterprises import service as enterprises
from services.api.organisations import service as organisations
from services.api.products import service as products
from services.platform.auth import Principal

MANY = 200

ORGANISATION_FIELDS: dict[str, OrganisationKind] = {
    "bank_id": OrganisationKind.BANK,
    "valuer_id": OrganisationKind.APPRAISAL_AGENCY,
    "guarantor_id": OrganisationKind.GUARANTEE_COMPANY,
    "insurer_id": OrganisationKind.INSURER,
}


async def _organisations(session: AsyncSession, kind: OrganisationKind) -> tuple[Choice, ...]:
    page = await organisations.list_organisations(session, kind=kind, district=None, cursor=None, limit=MANY)
    return tuple(Choice(o.id, o.name + (f" {o.branch}" if o.branch else "")) for o in page.items)


async def _lists(
    session: AsyncSession, principal: Principal, state: LoanState, wanted: set[str]
) -> dict[str, tuple[Choice, ...]]:
    found = {name: await _organisations(session, kind) for name, kind in ORGANISATION_FIELDS.items() if name in wanted}
    if "product_id" in wanted:
        offered = await products.list_products(session, state.bank_id)
        found["product_id"] = tuple(Choice(p.id, f"{p.name}（{p.bank_id}）") for p in offered)
    if "asset_ids" in wanted:
        page = await enterprises.list_assets(session, principal, owner=state.enterprise_id, cursor=None, limit=MANY)
        found["asset_ids"] = tuple(Choice(a.id, f"{a.kind.label} {a.number} {a.title}") for a in page.items)
    if "asset_id" in wanted and state.application is not None:
        found["asset_id"] = tuple(Choice(a.id, f"{a.number} {a.title}") for a in state.application.assets)
    return found


async def with_choices(
    session: AsyncSession, principal: Principal, state: LoanState, fields: list[Input]
) -> list[Input]:
    """`fields` with a list of choices where pledgeflow knows them: a text id becomes a select, a list of ids a
    set of checkboxes."""
    lists = await _lists(session, principal, state, {f.name for f in fields})
    chosen = []
    for f in fields:
        options = lists.get(f.name)
        if options is None:
            chosen.append(f)
        elif f.kind == "lines":
            chosen.append(replace(f, kind="multi", choices=options))
        else:
            chosen.append(replace(f, kind="select", choices=options))
    return chosen
