"""Where uploaded documents' bytes live, by their SHA-256: a folder (the default, under the data directory). A blob
is written to a temporary file beside its place and renamed into it, so a failed or interrupted upload leaves no
half-written blob; the same content uploaded twice is stored once. The document's metadata is a row in PostgreSQL
(services/store/documents), written after its blob: a blob without a row is harmless (unreachable)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    async def put(self, content: bytes) -> str:
        """Store `content`; its SHA-256 (hex), which names it."""
        ...

    async def get(self, sha256: str) -> bytes: ...


class FolderBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256")
        return self.root / sha256[:2] / sha256

    async def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        await asyncio.to_thread(self._write, self._path(sha256), content)
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
