"""Routes of `/loans/{id}/disposal/…`: the steps of a defaulted loan's disposal, one row of a table each."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter
from pydantic import BaseModel

from contracts.base import StepInput
from contracts.disposal import (
    ChooseDisposalMethodInput,
    DisposalListingRequest,
    DisposalMethodRequest,
    DisposalReleaseRequest,
    DisposalSaleRequest,
    DisposalUpdate,
    DisposalValuationRequest,
    ListDisposalAssetsInput,
    RecordDisposalReleaseInput,
    RecordDisposalSaleInput,
    UpdateDisposalValuationInput,
)
from services.api.dependencies import RequestContextDep, SessionDep, TemporalDep, actor_of
from services.api.disposals import service
from services.api.disposals.schemas import DisposalView
from services.api.errors import Unauthenticated, problem_responses
from services.api.loans.dependencies import LoanDep
from services.api.loans.exceptions import STEP_ERRORS, LoanNotFound
from services.api.workflow_updates import SENDING_ERRORS

router = APIRouter(prefix="/loans", tags=["disposals"])


@dataclass(frozen=True)
class DisposalRoute:
    path: str
    request: type[BaseModel]
    input: type[StepInput]
    update: DisposalUpdate
    summary: str


# Every step is the loan's bank officer's (the workflow answers 403 to anybody else), in this order.
DISPOSAL_ROUTES: tuple[DisposalRoute, ...] = (
    DisposalRoute("valuation", DisposalValuationRequest, UpdateDisposalValuationInput, DisposalUpdate.UPDATE_VALUATION,
                  "Disposal: record the updated valuation of the pledged IP"),
    DisposalRoute("method", DisposalMethodRequest, ChooseDisposalMethodInput, DisposalUpdate.CHOOSE_METHOD,
                  "Disposal: choose the method (transfer, auction, licensing)"),
    DisposalRoute("listing", DisposalListingRequest, ListDisposalAssetsInput, DisposalUpdate.LIST_ASSETS,
                  "Disposal: record the listing (venue, date, asking price)"),
    DisposalRoute("sale", DisposalSaleRequest, RecordDisposalSaleInput, DisposalUpdate.RECORD_SALE,
                  "Disposal: record the buyer and the proceeds"),
    DisposalRoute("release", DisposalReleaseRequest, RecordDisposalReleaseInput, DisposalUpdate.RECORD_RELEASE,
                  "Disposal: record the release of the pledge on transfer; the proceeds are then applied to the debt"),
)  # fmt: skip


def _endpoint(step: DisposalRoute) -> Callable[..., Awaitable[DisposalView]]:
    """The route of one row: the body's annotation is the row's request model, evaluated when the function is
    defined (this module does not postpone annotations), so FastAPI reads it from the signature as written."""
    request_model = step.request

    async def endpoint(
        loan: LoanDep,
        body: request_model,  # type: ignore[valid-type]
        session: SessionDep,
        temporal: TemporalDep,
        context: RequestContextDep,
    ) -> DisposalView:
        fields = body.model_dump()  # type: ignore[attr-defined]
        data = step.input(actor=actor_of(context.principal), request_id=context.request_id, **fields)
        return await service.run_disposal_step(session, temporal, context, loan, step.update, data)

    endpoint.__name__ = f"disposal_{step.update.value}"
    return endpoint


for _step in DISPOSAL_ROUTES:
    router.add_api_route(
        f"/{{loan_id}}/disposal/{_step.path}",
        _endpoint(_step),
        methods=["POST"],
        response_model=DisposalView,
        summary=_step.summary,
        responses=problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, *SENDING_ERRORS),
        operation_id=f"disposal_{_step.update.value}",
    )
