"""Builders of loan step inputs for the tests: the demo actors and a valid input for every step."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from contracts.base import Actor, Recorded
from contracts.enums import (
    ChecklistItem,
    CreditSupport,
    District,
    FilingChannel,
    IPKind,
    LegalStatus,
    RepaymentMode,
    Role,
    ValuationMethod,
)
from contracts.loan_state import AssetSnapshot, ProductTerms
from contracts.loan_steps import (
    AcceptValuationInput,
    CloseCaseInput,
    DecideApprovalInput,
    DeclineSignOffInput,
    DisburseLoanInput,
    FileRegistrationInput,
    LogVisitInput,
    ProposeTermsInput,
    RecordRegistrationOutcomeInput,
    ReviewQualificationInput,
    SignOffInput,
    SubmitApplicationInput,
    SubmitValuationInput,
    TickChecklistInput,
)
from contracts.loans import OpenLoanInput

SPECIALIST = Actor(
    sub="zhou@gxz", role=Role.STATION_SPECIALIST, org_id="station-guangming", district=District.GUANGMING
)
OFFICER = Actor(sub="li@boc", role=Role.BANK_OFFICER, org_id="boc-shenzhen")
APPROVER = Actor(sub="wang@boc", role=Role.BANK_APPROVER, org_id="boc-shenzhen")
OTHER_BANK_OFFICER = Actor(sub="x@icbc", role=Role.BANK_OFFICER, org_id="icbc-shenzhen")
GUARANTOR = Actor(sub="chen@szg", role=Role.GUARANTOR, org_id="sz-guarantee")
OTHER_GUARANTOR = Actor(sub="q@other", role=Role.GUARANTOR, org_id="other-guarantee")
VALUER = Actor(sub="sun@appraisal", role=Role.VALUER, org_id="demo-appraisal")
ENTERPRISE = Actor(sub="cfo@gm", role=Role.ENTERPRISE, org_id="ent-guangming-demo", district=District.GUANGMING)

PRODUCT = ProductTerms(
    id="boc-zhihuidai",
    bank_id="boc-shenzhen",
    name="惠如愿·知惠贷",
    pledge_rates={
        IPKind.INVENTION_PATENT: Decimal("0.40"),
        IPKind.UTILITY_MODEL: Decimal("0.30"),
        IPKind.TRADEMARK: Decimal("0.50"),
    },
    min_term_months=3,
    max_term_months=36,
    min_spread_bp=0,
    max_spread_bp=150,
    repayment_modes=list(RepaymentMode),
)


def asset(
    asset_id: str = "ip-gm-inv-1",
    expiry: date = date(2043, 3, 1),
    co_owners: list[str] | None = None,
    kind: IPKind = IPKind.INVENTION_PATENT,
) -> AssetSnapshot:
    return AssetSnapshot(
        id=asset_id,
        kind=kind,
        number="202310456781.4",
        title="一种柔性光电传感器的封装方法",
        owner_enterprise_id="ent-guangming-demo",
        co_owners=co_owners or [],
        expiry_date=expiry,
        legal_status=LegalStatus.VALID,
        fees_paid=True,
    )


def open_input(
    loan_id: str, now: datetime, reminder_days: int = 5, config: dict[str, object] | None = None
) -> OpenLoanInput:
    return OpenLoanInput(
        loan_id=loan_id,
        enterprise_id="ent-guangming-demo",
        enterprise_name="深圳光明演示科技有限公司（演示）",
        district=District.GUANGMING,
        station_id="station-guangming",
        opened=Recorded(by=SPECIALIST, at=now),
        config={"reminder_working_days": reminder_days, **(config or {})},
    )


def visit(on: date) -> LogVisitInput:
    return LogVisitInput(
        actor=SPECIALIST,
        visited_on=on,
        people=["周光明", "李经理"],
        place="光明区华夏路 12 号",
        outcome="介绍政策，企业有融资需求",
        next_action="准备资质材料",
        next_visit_on=None,
    )


def tick(item: ChecklistItem = ChecklistItem.POLICY_BRIEFING) -> TickChecklistInput:
    return TickChecklistInput(actor=SPECIALIST, item=item)


def qualification(passed: bool = True) -> ReviewQualificationInput:
    return ReviewQualificationInput(
        actor=SPECIALIST,
        registered_in_district=True,
        taxpaying_in_district=True,
        independent_legal_person=True,
        owns_ip=passed,
        ip_valid_and_fees_paid=True,
    )


def application(
    assets: list[AssetSnapshot] | None = None,
    amount: str = "3000000.00",
    valuer: str | None = None,
    product: ProductTerms = PRODUCT,
    term: int = 12,
) -> SubmitApplicationInput:
    return SubmitApplicationInput(
        actor=SPECIALIST,
        bank_id="boc-shenzhen",
        product=product,
        requested_amount=Decimal(amount),
        requested_term_months=term,
        assets=assets or [asset()],
        valuer_id=valuer,
    )


def valuation(
    on: date, asset_id: str = "ip-gm-inv-1", value: str = "10000000.00", valid_days: int = 365, actor: Actor = OFFICER
) -> SubmitValuationInput:
    from datetime import timedelta

    return SubmitValuationInput(
        actor=actor,
        asset_id=asset_id,
        method=ValuationMethod.INCOME,
        value=Decimal(value),
        base_date=on,
        valid_until=on + timedelta(days=valid_days),
        report_number=f"深评报字[{on.year}]第{asset_id}号",
        agency="演示资产评估有限公司",
        fee=Decimal("20000.00"),
    )


def accept() -> AcceptValuationInput:
    return AcceptValuationInput(actor=OFFICER)


def proposal(
    amount: str = "3000000.00",
    spread: int = 50,
    term: int = 12,
    guarantor: str | None = None,
    actor: Actor = OFFICER,
    mode: RepaymentMode = RepaymentMode.MONTHLY_INTEREST,
) -> ProposeTermsInput:
    return ProposeTermsInput(
        actor=actor,
        amount=Decimal(amount),
        lpr_percent=Decimal("3.0000"),
        lpr_date=date(2025, 5, 20),
        spread_bp=spread,
        term_months=term,
        repayment_mode=mode,
        credit_support=[CreditSupport.GUARANTEE_COMPANY] if guarantor else [],
        guarantor_id=guarantor,
    )


def decide(approve: bool = True, actor: Actor = APPROVER) -> DecideApprovalInput:
    return DecideApprovalInput(actor=actor, approve=approve, reason="风险可控，同意" if approve else "估值依据不足")


def sign_off(actor: Actor = GUARANTOR) -> SignOffInput:
    return SignOffInput(actor=actor, contract_number="深担（2026）保字第0001号", fee=Decimal("30000.00"))


def decline(actor: Actor = GUARANTOR) -> DeclineSignOffInput:
    return DeclineSignOffInput(actor=actor, reason="反担保措施不足")


def filing(
    on: date,
    asset_id: str = "ip-gm-inv-1",
    channel: FilingChannel = FilingChannel.ONLINE,
    consents: list[str] | None = None,
) -> FileRegistrationInput:
    return FileRegistrationInput(
        actor=OFFICER, asset_id=asset_id, channel=channel, filed_on=on, co_owner_consents=consents or []
    )


def registered(
    on: date, asset_id: str = "ip-gm-inv-1", pledge_end: date | None = None
) -> RecordRegistrationOutcomeInput:
    return RecordRegistrationOutcomeInput(
        actor=OFFICER,
        asset_id=asset_id,
        registered=True,
        registration_number=f"Y2026440000{asset_id[-1]}123",
        effective_date=on,
        pledge_end_date=pledge_end,
    )


def refused(asset_id: str = "ip-gm-inv-1") -> RecordRegistrationOutcomeInput:
    return RecordRegistrationOutcomeInput(
        actor=OFFICER, asset_id=asset_id, registered=False, refusal_reason="质押合同缺少签章"
    )


def disburse(on: date, amount: str = "3000000.00") -> DisburseLoanInput:
    return DisburseLoanInput(
        actor=OFFICER,
        contract_number="中银深借字2026第001号",
        amount=Decimal(amount),
        disbursed_on=on,
        voucher="放款凭证 0001",
    )


def close(actor: Actor = OFFICER, reason: str = "企业暂不融资") -> CloseCaseInput:
    return CloseCaseInput(actor=actor, reason=reason)
