"""Named crash points: a test makes a worker die at an exact instant, to prove that no instant is unsafe.

`crash_point("record_loan_step.committed", "visit_logged")` kills this process at once (SIGKILL: no cleanup, no
reply to Temporal, as a power cut or an OOM kill would) when the environment variable `PLEDGEFLOW_CRASH_AT` names
that point, alone (`record_loan_step.committed`) or with the detail (`record_loan_step.committed:visit_logged`).
Nothing happens otherwise, and nothing ever happens in production (`PLEDGEFLOW_ENVIRONMENT=production`).
"""

from __future__ import annotations

import os
import signal

CRASH_AT = "PLEDGEFLOW_CRASH_AT"


def crash_point(name: str, detail: str = "") -> None:
    wanted = os.environ.get(CRASH_AT)
    if wanted in (name, f"{name}:{detail}") and os.environ.get("PLEDGEFLOW_ENVIRONMENT") != "production":
        os.kill(os.getpid(), signal.SIGKILL)
