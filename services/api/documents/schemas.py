"""Bodies of the documents endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sha256: str = Field(description="of the content, hex")
    size: int = Field(description="bytes")
    media_type: str = Field(description="application/pdf, image/jpeg, image/png or application/ofd, from the bytes")
    filename: str
    enterprise_id: str | None
    uploaded_by: str
    created_at: datetime
