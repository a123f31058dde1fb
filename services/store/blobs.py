"""Where uploaded documents' bytes live, by their SHA-256: a folder (the default, under the data directory), or an
S3-compatible object store (AWS S3, MinIO, Ceph, the S3 APIs of Chinese clouds) through boto3 when
`PLEDGEFLOW_BLOB_STORE=s3`. In a folder a blob is written to a temporary file beside its place and renamed into it;
in S3 an object appears whole or not at all: either way a failed or interrupted upload leaves no half-written blob.
The same content uploaded twice is stored once. The document's metadata is a row in PostgreSQL
(services/store/documents), written after its blob: a blob without a row is harmless (unreachable).

A store that cannot be reached raises BlobUnavailable, which the API answers with a 503 the client may retry."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


class BlobUnavailable(RuntimeError):
    """The blob store cannot be reached or refused the request: nothing was stored, the same request may succeed
    in a moment."""


def _checked(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256")
    return sha256


class BlobStore(Protocol):
    async def put(self, content: bytes) -> str:
        """Store `content`; its SHA-256 (hex), which names it."""
        ...

    async def get(self, sha256: str) -> bytes: ...


class FolderBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / _checked(sha256)

    async def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        try:
            await asyncio.to_thread(self._write, self._path(sha256), content)
        except OSError as error:  # the disk full, the volume gone: nothing was stored
            raise BlobUnavailable(f"the document folder could not be written: {error.strerror}") from error
        return sha256

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._path(sha256).read_bytes)


class S3BlobStore:
    """An S3-compatible bucket, objects keyed `<prefix><sha256[:2]>/<sha256>`. boto3's client is thread-safe and
    blocking: each call runs in a worker thread. Its own retries are bounded (standard mode, 3 attempts) and its
    timeouts short, so that an unreachable store answers within a request's bound."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def connect(
        cls,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        prefix: str = "",
    ) -> S3BlobStore:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}),
        )
        return cls(client, bucket, prefix)

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{_checked(sha256)}"

    async def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        await asyncio.to_thread(self._write, self._key(sha256), content)
        return sha256

    def _write(self, key: str, content: bytes) -> None:
        try:
            try:
                self.client.head_object(Bucket=self.bucket, Key=key)
                return  # stored already: the same content is stored once
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                    raise
            # The store checks the bytes it received against their SHA-256 and refuses a torn upload.
            self.client.put_object(Bucket=self.bucket, Key=key, Body=content, ChecksumAlgorithm="SHA256")
        except (BotoCoreError, ClientError) as error:
            raise BlobUnavailable(f"the document store refused or did not answer: {error}") from error

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._read, self._key(sha256))

    def _read(self, key: str) -> bytes:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise BlobUnavailable(f"the document store refused or did not answer: {error}") from error
        return body
