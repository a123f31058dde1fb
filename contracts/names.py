"""Names that cross processes: the activities workflows schedule and the worker runs, the signals between
workflows, and the ids of child workflows. One name, one place: a name changed on one side only would leave a
workflow waiting for an activity nobody runs, or a signal nobody handles."""

from __future__ import annotations

from enum import StrEnum


class Activity(StrEnum):
    RECORD_LOAN_STEP = "record_loan_step"
    RECORD_DISPOSAL_STEP = "record_disposal_step"
    RECORD_CLAIM_STEP = "record_claim_step"
    RECORD_PUSH_STEP = "record_push_step"
    DRAFT_INTEREST_CLAIMS = "draft_interest_claims"
    HOLD_ASSETS = "hold_assets"
    RELEASE_HELD_ASSETS = "release_held_assets"
    FILE_WITH_AUTHORITY = "file_with_authority"
    QUEUE_NOTIFICATIONS = "queue_notifications"
    DELIVER_WEBHOOK = "deliver_webhook"
    GIVE_UP_WEBHOOK = "give_up_webhook"
    RECORD_AUDIT = "record_audit"
    LOOK_UP_WORKING_YEAR = "look_up_working_year"


class Signal(StrEnum):
    DISPOSAL_FINISHED = "disposal_finished"  # DisposalWorkflow → LoanLifecycleWorkflow: the pledged IP is sold


def webhook_workflow_id(loan_id: str, delivery_id: int) -> str:
    """The WebhookDeliveryWorkflow that delivers one queued notification of a loan."""
    return f"webhook-{loan_id}-{delivery_id}"
