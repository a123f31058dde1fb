"""A stable digest of a payload: what the audit trail and a loan's timeline record of what a step carried."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """A stable byte form of a JSON-like value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def payload_digest(payload: Any) -> str:
    """SHA-256 of the canonical form of a request payload."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()
