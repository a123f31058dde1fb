"""What a disposal step answers: the disposal as the step left it."""

from __future__ import annotations

from pydantic import BaseModel

from contracts.disposal import DisposalState


class DisposalView(BaseModel):
    loan_id: str
    event: str
    disposal: DisposalState
