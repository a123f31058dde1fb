"""Task-queue names and workflow-id builders shared by the API and the worker."""

from __future__ import annotations

LOANS_TASK_QUEUE = "pledgeflow-loans"

# Custom search attributes the workflows set; `pledgeflow dev` registers them on the dev server and
# deploy/README.md lists them for a production namespace.
SEARCH_ATTRIBUTES: dict[str, str] = {
    "PledgeflowStage": "Keyword",
    "PledgeflowDistrict": "Keyword",
    "PledgeflowBank": "Keyword",
}


def loan_workflow_id(loan_id: str) -> str:
    """The id of the one workflow that owns a loan's process state."""
    return f"loan-{loan_id}"
