"""The shared bases of the contracts: the model base, who acts (`Actor`), who did something and when (`Recorded`),
the base of every step's input (`StepInput`), and the error types a rejected step raises."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from contracts.enums import (
    District,
    Role,
)

STEP_WRONG_STAGE = "StepWrongStage"  # 409: not now, the loan is in another stage
STEP_NOT_YOUR_STEP = "StepNotYourStep"  # 403: wrong role or not this loan's party for this step
STEP_RULE_VIOLATION = "StepRuleViolation"  # 409: the step breaks a lending rule (amount above the maximum, ...)
STEP_ERROR_TYPES = (STEP_WRONG_STAGE, STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION)
# A step whose write failed for good; the loan is as before it. Final: the database refused its data (422).
STEP_NOT_SAVED = "StepNotSaved"
# Transient: the database stayed away past the write's time bound (503; the same request may be sent again).
STEP_NOT_SAVED_RETRY = "StepNotSavedRetry"


class Model(BaseModel):
    """The base of every contract model: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Actor(Model):
    """Who takes a step: the claims of their token."""

    sub: str
    role: Role
    org_id: str
    district: District | None = None


# pledgeflow itself, as the actor of what a workflow's timers do (a reminder, the end of a public notice).
SYSTEM_ACTOR = Actor(sub="pledgeflow", role=Role.PLATFORM_ADMIN, org_id="pledgeflow")


class Recorded(Model):
    """Who did something and when (Shanghai time is derived for display; stored in UTC)."""

    by: Actor
    at: datetime
    request_id: str | None = None


class StepInput(Model):
    actor: Actor
    request_id: str | None = None
