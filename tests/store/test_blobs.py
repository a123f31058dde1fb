"""The blob stores behind documents, each against the same contract: bytes back by their SHA-256, the same content
stored once, nothing half-stored when a write fails, and a store out of reach a BlobUnavailable (the API's 503). The
S3-compatible store runs against moto's S3 server (the outside world, faked behind the S3 API)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from services.platform.embedded import free_port
from services.store.blobs import BlobStore, BlobUnavailable, FolderBlobStore, S3BlobStore

BUCKET = "pledgeflow-documents"


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3(url: str, bucket: str = BUCKET) -> S3BlobStore:
    return S3BlobStore.connect(
        bucket, endpoint_url=url, region="us-east-1", access_key_id="test", secret_access_key="test", prefix="docs/"
    )


@pytest.fixture(params=["folder", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "folder":
        yield FolderBlobStore(tmp_path / "documents")
        return
    bucket = f"{BUCKET}-{request.node.name.split('[')[0][-20:].replace('_', '-')}".lower()
    found = s3(request.getfixturevalue("s3_url"), bucket)
    found.client.create_bucket(Bucket=bucket)
    yield found


async def test_bytes_come_back_by_their_sha256(store: BlobStore) -> None:
    content = "营业执照扫描件".encode() * 1000
    sha256 = await store.put(content)
    assert sha256 == hashlib.sha256(content).hexdigest()
    assert await store.get(sha256) == content


async def test_the_same_content_is_stored_once(store: BlobStore) -> None:
    first = await store.put(b"%PDF-1.7 the same")
    assert await store.put(b"%PDF-1.7 the same") == first
    if isinstance(store, S3BlobStore):
        listed = store.client.list_objects_v2(Bucket=store.bucket)
        assert [o["Key"] for o in listed["Contents"]] == [f"docs/{first[:2]}/{first}"]
    else:
        assert isinstance(store, FolderBlobStore)
        assert [p.name for p in store.root.rglob("*") if p.is_file()] == [first]


async def test_a_name_that_is_not_a_sha256_is_refused(store: BlobStore) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        await store.get("../../etc/passwd")


async def test_a_folder_that_cannot_be_written_stores_nothing(tmp_path: Path) -> None:
    (tmp_path / "documents").write_text("a file where the folder should be")
    store = FolderBlobStore(tmp_path / "documents")
    with pytest.raises(BlobUnavailable):
        await store.put(b"%PDF-1.7")
    assert sorted(p.name for p in await asyncio.to_thread(lambda: list(tmp_path.iterdir()))) == ["documents"]


async def test_a_bucket_that_refuses_stores_nothing(s3_url: str) -> None:
    missing = s3(s3_url, "no-such-bucket")
    with pytest.raises(BlobUnavailable):
        await missing.put(b"%PDF-1.7")
    with pytest.raises(BlobUnavailable):
        await missing.get(hashlib.sha256(b"%PDF-1.7").hexdigest())


async def test_a_store_out_of_reach_is_unavailable_at_once() -> None:
    gone = s3(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BlobUnavailable):
        await gone.put(b"%PDF-1.7")
