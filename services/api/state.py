"""What the API process holds for its lifetime: engine, session factory, Temporal client, token verifier, and the
documents' blob store (made on first use from the settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from services.platform.auth import TokenVerifier
from services.platform.settings import ApiSettings
from services.store.blobs import BlobStore, FolderBlobStore, S3BlobStore


@dataclass
class AppResources:
    settings: ApiSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    temporal: Client
    verifier: TokenVerifier
    _blobs: BlobStore | None = field(default=None, init=False, repr=False)

    @property
    def blobs(self) -> BlobStore:
        """The folder under `documents_dir`, or the S3-compatible bucket of `PLEDGEFLOW_BLOB_STORE=s3`."""
        if self._blobs is None:
            self._blobs = open_blob_store(self.settings)
        return self._blobs


def open_blob_store(settings: ApiSettings) -> BlobStore:
    if settings.blob_store == "folder":
        return FolderBlobStore(settings.documents_dir)
    assert settings.s3_bucket is not None  # the settings refuse s3 without a bucket
    secret = settings.s3_secret_access_key
    return S3BlobStore.connect(
        settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret is not None else None,
        prefix=settings.s3_prefix,
    )
