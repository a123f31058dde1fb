"""Demo reference data loaded by `pledgeflow seed` and `pledgeflow dev`, and the demo users it gives tokens to.

Banks, the guarantor, the association and the station are those named in the city's 2023 model cases
(`shared/seeds/000_*.txt`); the insurer and the appraisal agency are placeholders, marked 演示 (demo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District, OrganisationKind, Role
from services.store.db import create_engine, session_factory
from services.store.organisations import upsert_organisations
from services.store.tables import Organisation

_DISTRICT_OFFICE_NAMES: dict[District, str] = {
    District.NANSHAN: "南山区科技创新局",
    District.BAOAN: "宝安区市场监督管理局",
    District.GUANGMING: "光明区市场监督管理局",
}


@dataclass(frozen=True)
class DemoOrganisation:
    id: str
    kind: OrganisationKind
    name: str
    branch: str | None = None
    district: District | None = None


DEMO_ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("boc-shenzhen", OrganisationKind.BANK, "中国银行", "深圳市分行"),
    DemoOrganisation("icbc-shenzhen", OrganisationKind.BANK, "中国工商银行", "深圳市分行"),
    DemoOrganisation("cmb-shenzhen", OrganisationKind.BANK, "招商银行", "深圳分行"),
    DemoOrganisation("srcb", OrganisationKind.BANK, "深圳农村商业银行", "总行"),
    DemoOrganisation("webank", OrganisationKind.BANK, "深圳前海微众银行", "总行"),
    DemoOrganisation("sz-guarantee", OrganisationKind.GUARANTEE_COMPANY, "深圳担保集团有限公司"),
    DemoOrganisation("demo-insurer", OrganisationKind.INSURER, "演示财产保险股份有限公司深圳分公司"),
    DemoOrganisation("demo-appraisal", OrganisationKind.APPRAISAL_AGENCY, "演示资产评估有限公司"),
    DemoOrganisation("szipfa", OrganisationKind.ASSOCIATION, "深圳市知识产权金融协会"),
    DemoOrganisation(
        "station-guangming",
        OrganisationKind.SERVICE_STATION,
        "光明科学城知识产权公共服务中心“光小知”知识产权金融服务站",
        district=District.GUANGMING,
    ),
    *(
        DemoOrganisation(
            f"office-{district.value}",
            OrganisationKind.DISTRICT_OFFICE,
            _DISTRICT_OFFICE_NAMES.get(district, f"{district.label}知识产权质押融资牵头部门"),
            district=district,
        )
        for district in District
    ),
    DemoOrganisation("city-amr", OrganisationKind.CITY_OFFICE, "深圳市市场监督管理局"),
    DemoOrganisation(
        "ent-guangming-demo", OrganisationKind.ENTERPRISE, "深圳光明演示科技有限公司", district=District.GUANGMING
    ),
    DemoOrganisation("pledgeflow", OrganisationKind.PLATFORM, "pledgeflow 平台运营"),
)


@dataclass(frozen=True)
class DemoUser:
    sub: str
    role: Role
    org_id: str
    district: District | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("officer.li@boc", Role.BANK_OFFICER, "boc-shenzhen"),
    DemoUser("approver.wang@boc", Role.BANK_APPROVER, "boc-shenzhen"),
    DemoUser("guarantor.chen@szg", Role.GUARANTOR, "sz-guarantee"),
    DemoUser("insurer.zhao@demo", Role.INSURER, "demo-insurer"),
    DemoUser("valuer.sun@demo", Role.VALUER, "demo-appraisal"),
    DemoUser("specialist.zhou@gxz", Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING),
    DemoUser("reviewer.wu@guangming", Role.DISTRICT_REVIEWER, "office-guangming", District.GUANGMING),
    DemoUser("admin.zheng@city", Role.CITY_ADMIN, "city-amr"),
    DemoUser("cfo@guangming-demo", Role.ENTERPRISE, "ent-guangming-demo", District.GUANGMING),
    DemoUser("ops@pledgeflow", Role.PLATFORM_ADMIN, "pledgeflow"),
)


async def load_demo_data(session: AsyncSession) -> int:
    """Insert or refresh the demo reference data; safe to run on every start."""
    now = datetime.now(UTC)
    await upsert_organisations(
        session,
        [
            Organisation(id=o.id, kind=o.kind, name=o.name, branch=o.branch, district=o.district, created_at=now)
            for o in DEMO_ORGANISATIONS
        ],
    )
    return len(DEMO_ORGANISATIONS)


async def seed_database(database_url: str) -> int:
    """Load the demo reference data into the database at `database_url` (its own engine and transaction)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await load_demo_data(session)
    finally:
        await engine.dispose()
