"""Who may see which loan: the one policy. It gives each caller a scope (services/store/loans.LoanScope), which both
checks a single loan (a loan outside it is a 404, never another party's data) and filters every list in SQL.

- platform and city administrators: every loan;
- a district reviewer: the loans of their district;
- a station specialist: the cases of their station, and the loans (and enterprises' claims) of their district — not
  a bank's own subsidy claim, which names no enterprise;
- a bank's staff, an enterprise, a guarantor, an insurer, an appraisal agency: the loans where their organisation
  plays that part.
"""

from __future__ import annotations

from contracts.enums import Role
from services.platform.auth import Principal
from services.store.loans import LoanScope

# The party column each organisation-bound role is seen through.
_PARTY_OF_ROLE = {
    Role.ENTERPRISE: "enterprise_id",
    Role.BANK_OFFICER: "bank_id",
    Role.BANK_APPROVER: "bank_id",
    Role.GUARANTOR: "guarantor_id",
    Role.INSURER: "insurer_id",
    Role.VALUER: "valuer_id",
}


def scope_of(principal: Principal) -> LoanScope:
    district = principal.district.value if principal.district else None
    if principal.role in (Role.PLATFORM_ADMIN, Role.CITY_ADMIN):
        return LoanScope(everything=True)
    if principal.role is Role.DISTRICT_REVIEWER:
        return LoanScope(district=district)
    if principal.role is Role.STATION_SPECIALIST:
        return LoanScope(parties=(("station_id", principal.org_id),), district=district, district_of="enterprise_id")
    column = _PARTY_OF_ROLE.get(principal.role)
    return LoanScope(parties=((column, principal.org_id),) if column else ())
