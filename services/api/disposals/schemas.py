"""What a disposal step answers: the disposal as the step left it (the bank's view of its progress)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from contracts.disposal import DisposalState
from contracts.enums import DisposalMethod


class DisposalProgress(BaseModel):
    """A defaulted loan's disposal (处置), as far as it has gone."""

    model_config = ConfigDict(extra="forbid")

    step: Literal["valuation", "method", "listing", "sale", "release", "done"]
    owed: Decimal
    started_at: datetime
    valuation: Decimal | None
    valuation_report: str | None
    method: DisposalMethod | None
    listed_on: date | None
    venue: str | None
    asking_price: Decimal | None
    buyer: str | None
    proceeds: Decimal | None
    sold_on: date | None
    released_on: date | None

    @classmethod
    def of(cls, state: DisposalState) -> DisposalProgress:
        return cls(
            step=state.step,
            owed=state.owed,
            started_at=state.started.at,
            valuation=state.valuation.value if state.valuation else None,
            valuation_report=state.valuation.report_number if state.valuation else None,
            method=state.method,
            listed_on=state.listing.listed_on if state.listing else None,
            venue=state.listing.venue if state.listing else None,
            asking_price=state.listing.asking_price if state.listing else None,
            buyer=state.sale.buyer if state.sale else None,
            proceeds=state.sale.proceeds if state.sale else None,
            sold_on=state.sale.sold_on if state.sale else None,
            released_on=state.release.release_date if state.release else None,
        )


class DisposalView(BaseModel):
    loan_id: str
    event: str
    disposal: DisposalProgress
