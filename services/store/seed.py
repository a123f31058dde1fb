"""Demo reference data loaded by `pledgeflow seed` and `pledgeflow dev`, and the demo users it gives tokens to.

Banks, the guarantor, the association and the station are those named in the city's 2023 model cases
(`shared/seeds/000_*.txt`); the insurer and the appraisal agency are placeholders, marked 演示 (demo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.cn import uscc

from contracts.enums import District, IPKind, LegalStatus, OrganisationKind, Role, SizeClass
from contracts.identifiers import check_credit_code, check_ip_number, patent_check_digit
from services.store.db import create_engine, session_factory
from services.store.organisations import upsert_organisations
from services.store.reference import upsert
from services.store.roster import add_members_if_absent
from services.store.seed_policies import demo_policy_rows
from services.store.seed_products import DEMO_LPR, demo_products
from services.store.subsidy_policies import seed_versions
from services.store.tables import DistrictRow, Enterprise, IpAsset, LprRate, Organisation

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
    DemoUser("officer.liu@icbc", Role.BANK_OFFICER, "icbc-shenzhen"),
    DemoUser("guarantor.chen@szg", Role.GUARANTOR, "sz-guarantee"),
    DemoUser("insurer.zhao@demo", Role.INSURER, "demo-insurer"),
    DemoUser("valuer.sun@demo", Role.VALUER, "demo-appraisal"),
    DemoUser("specialist.zhou@gxz", Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING),
    DemoUser("reviewer.wu@guangming", Role.DISTRICT_REVIEWER, "office-guangming", District.GUANGMING),
    # A second reviewer of the district: an amount is confirmed by another reviewer than its proposer.
    DemoUser("reviewer.he@guangming", Role.DISTRICT_REVIEWER, "office-guangming", District.GUANGMING),
    DemoUser("admin.zheng@city", Role.CITY_ADMIN, "city-amr"),
    DemoUser("cfo@guangming-demo", Role.ENTERPRISE, "ent-guangming-demo", District.GUANGMING),
    DemoUser("ops@pledgeflow", Role.PLATFORM_ADMIN, "pledgeflow"),
)


def _enterprise(
    id_: str,
    name: str,
    code: str,
    district: District,
    size: SizeClass,
    legal: str,
    contact: str,
    phone: str,
    now: datetime,
) -> Enterprise:
    return Enterprise(
        id=id_,
        name=name,
        credit_code=check_credit_code(code),
        district=district.value,
        size_class=size.value,
        legal_person=legal,
        contact_name=contact,
        contact_phone=phone,
        created_at=now,
    )


def _patent(digits12: str) -> str:
    return f"{digits12}.{patent_check_digit(digits12)}"


# Real companies with their real credit codes (shared/domain.md §5); the 光明 company is a demo with a code
# whose check character is computed, so the 光明 station's door-to-door case has a borrower in its district.
def demo_enterprises(now: datetime) -> list[Enterprise]:
    guangming_code = "91440300MA5G" + "0K7P3"
    guangming_code += uscc.calc_check_digit(guangming_code)
    return [
        _enterprise(
            "ent-tencent",
            "腾讯科技（深圳）有限公司",
            "91440300708461136T",
            District.NANSHAN,
            SizeClass.LARGE,
            "马化腾",
            "张经理",
            "0755-86013388",
            now,
        ),
        _enterprise(
            "ent-huawei",
            "华为技术有限公司",
            "914403001922038216",
            District.LONGGANG,
            SizeClass.LARGE,
            "赵明路",
            "李经理",
            "0755-28780808",
            now,
        ),
        _enterprise(
            "ent-byd",
            "比亚迪股份有限公司",
            "91440300192317458F",
            District.PINGSHAN,
            SizeClass.LARGE,
            "王传福",
            "陈经理",
            "0755-89888888",
            now,
        ),
        _enterprise(
            "ent-guangming-demo",
            "深圳光明演示科技有限公司（演示）",
            guangming_code,
            District.GUANGMING,
            SizeClass.SMALL,
            "周光明",
            "周光明",
            "0755-23450000",
            now,
        ),
    ]


def demo_assets(now: datetime) -> list[IpAsset]:
    def asset(
        id_: str, kind: IPKind, number: str, title: str, owner: str, expiry: date, co_owners: list[str] | None = None
    ) -> IpAsset:
        return IpAsset(
            id=id_,
            kind=kind.value,
            number=check_ip_number(kind, number),
            title=title,
            owner_enterprise_id=owner,
            co_owners=co_owners or [],
            expiry_date=expiry,
            legal_status=LegalStatus.VALID.value,
            fees_paid=True,
            created_at=now,
        )

    return [
        asset(
            "ip-gm-inv-1",
            IPKind.INVENTION_PATENT,
            _patent("202310456781"),
            "一种柔性光电传感器的封装方法",
            "ent-guangming-demo",
            date(2043, 3, 1),
        ),
        asset(
            "ip-gm-inv-2",
            IPKind.INVENTION_PATENT,
            _patent("202210987652"),
            "光学检测装置及其标定方法",
            "ent-guangming-demo",
            date(2042, 6, 15),
        ),
        asset(
            "ip-gm-um-1",
            IPKind.UTILITY_MODEL,
            _patent("202420123453"),
            "一种便携式光谱采集装置",
            "ent-guangming-demo",
            date(2034, 1, 20),
        ),
        asset(
            "ip-gm-tm-1", IPKind.TRADEMARK, "第61234567号", "光明演示 GMDEMO", "ent-guangming-demo", date(2032, 5, 27)
        ),
        asset(
            "ip-gm-sw-1",
            IPKind.SOFTWARE_COPYRIGHT,
            "2023SR0456789",
            "光谱数据分析软件 V2.0",
            "ent-guangming-demo",
            date(2073, 12, 31),
        ),
        asset(
            "ip-tencent-inv-1",
            IPKind.INVENTION_PATENT,
            "201710601862.3",
            "一种数据处理方法及装置",
            "ent-tencent",
            date(2037, 7, 10),
        ),
        asset(
            "ip-huawei-inv-1",
            IPKind.INVENTION_PATENT,
            "ZL201811564288.X",
            "一种通信方法及通信装置",
            "ent-huawei",
            date(2038, 12, 20),
        ),
        asset(
            "ip-byd-um-1",
            IPKind.UTILITY_MODEL,
            _patent("202320765439"),
            "一种电池包托盘结构",
            "ent-byd",
            date(2033, 4, 1),
            co_owners=["比亚迪汽车工业有限公司"],
        ),
    ]


# The 光明 station's roster: its specialist (the demo user) and a partner bank's account manager.
DEMO_ROSTER: tuple[dict[str, object], ...] = (
    {"station_id": "station-guangming", "id": "zhou-guangming", "name": "周光明", "kind": "specialist",
     "sub": "specialist.zhou@gxz", "bank_id": None, "phone": "0755-2100 0000", "active": True},
    {"station_id": "station-guangming", "id": "li-boc", "name": "李经理", "kind": "account_manager",
     "sub": None, "bank_id": "boc-shenzhen", "phone": None, "active": True},
)  # fmt: skip


async def load_demo_data(session: AsyncSession) -> int:
    """Insert or refresh the demo reference data; safe to run on every start. Returns the rows written."""
    now = datetime.now(UTC)
    await upsert(session, [DistrictRow(code=d.value, name=d.label) for d in District], key="code")
    await upsert_organisations(
        session,
        [
            Organisation(id=o.id, kind=o.kind, name=o.name, branch=o.branch, district=o.district, created_at=now)
            for o in DEMO_ORGANISATIONS
        ],
    )
    enterprises, assets, products = demo_enterprises(now), demo_assets(now), demo_products(now)
    await upsert(session, enterprises)
    await upsert(session, assets)
    await upsert(session, products)
    await upsert(
        session,
        [
            LprRate(effective_date=d, one_year_percent=Decimal(one), five_year_percent=Decimal(five))
            for d, one, five in DEMO_LPR
        ],
        key="effective_date",
    )
    policies = demo_policy_rows(now)
    await seed_versions(session, policies)
    await add_members_if_absent(session, [m | {"updated_by": "seed", "updated_at": now} for m in DEMO_ROSTER])
    counted = (enterprises, assets, products, policies)
    return len(District) + len(DEMO_ORGANISATIONS) + sum(len(rows) for rows in counted) + len(DEMO_LPR)


async def seed_database(database_url: str) -> int:
    """Load the demo reference data into the database at `database_url` (its own engine and transaction)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await load_demo_data(session)
    finally:
        await engine.dispose()
