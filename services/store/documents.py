"""Uploaded documents' metadata."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.store.subsidy_tables import Document


async def add_document(session: AsyncSession, document: Document) -> None:
    session.add(document)
    await session.flush()


async def get_document(session: AsyncSession, document_id: str) -> Document | None:
    return await session.get(Document, document_id)
