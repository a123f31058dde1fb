"""What the API process holds for its lifetime: engine, session factory, Temporal client, token verifier."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from services.platform.auth import TokenVerifier
from services.platform.settings import ApiSettings


@dataclass
class AppResources:
    settings: ApiSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    temporal: Client
    verifier: TokenVerifier
