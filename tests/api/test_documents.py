"""Documents: uploaded for a claim's materials, their type told from their bytes, read only by those entitled."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select
from temporalio.client import Client

from contracts.enums import District, Role
from services.platform.embedded import EmbeddedPostgres, free_port
from services.store.subsidy_tables import Document
from tests.api.loan_stack import ENTERPRISE, GUARANTOR, OFFICER, REVIEWER, SPECIALIST, Stack, running_stack

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)


def ofd() -> bytes:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        archive.writestr("Doc_0/Document.xml", "<Document/>")
    return package.getvalue()


async def upload(
    stack: Stack, who: tuple[Role, str, District | None], content: bytes, name: str, enterprise: str | None = None
) -> tuple[int, dict[str, object]]:
    data = {"enterprise_id": enterprise} if enterprise else {}
    response = await stack.client.post(
        "/documents", files={"file": (name, content, "application/octet-stream")}, data=data, headers=stack.headers(who)
    )
    return response.status_code, response.json()


async def documents(stack: Stack) -> int:
    async with stack.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Document))).scalar_one())


class TestUpload:
    @pytest.mark.parametrize(
        ("content", "name", "media"),
        [
            (PDF, "贷款合同.pdf", "application/pdf"),
            (PNG, "scan.PNG", "image/png"),
            (ofd(), "发票.ofd", "application/ofd"),
        ],
    )
    async def test_a_specialist_uploads_for_an_enterprise_of_the_district(
        self, stack: Stack, content: bytes, name: str, media: str
    ) -> None:
        status, body = await upload(stack, SPECIALIST, content, name, "ent-guangming-demo")
        assert status == 201, body
        assert (body["media_type"], body["filename"], body["size"]) == (media, name, len(content))
        got = await stack.client.get(f"/documents/{body['id']}", headers=stack.headers(ENTERPRISE))
        assert got.status_code == 200
        assert got.content == content
        assert got.headers["content-type"] == media
        assert "attachment" in got.headers["content-disposition"]

    @pytest.mark.parametrize(
        ("content", "name", "status", "words"),
        [
            (b"MZ\x90\x00" + b"\x00" * 60, "发票.pdf", 415, "told from its content"),  # an executable renamed .pdf
            (b"<html><script>alert(1)</script></html>", "page.png", 415, "told from its content"),
            (b"PK\x03\x04not-a-zip", "fake.ofd", 415, "told from its content"),
            (b"", "empty.pdf", 422, "empty"),
        ],
    )
    async def test_refused_and_nothing_stored(
        self, stack: Stack, content: bytes, name: str, status: int, words: str
    ) -> None:
        before = await documents(stack)
        got, body = await upload(stack, SPECIALIST, content, name, "ent-guangming-demo")
        assert got == status
        assert words in str(body["detail"])
        assert await documents(stack) == before

    async def test_a_document_over_the_limit_is_refused(self, stack: Stack) -> None:
        big = PDF + b"0" * (20 * 1_048_576)
        before = await documents(stack)
        got, _ = await upload(stack, SPECIALIST, big, "big.pdf", "ent-guangming-demo")
        assert got == 413
        assert await documents(stack) == before

    async def test_who_may_upload(self, stack: Stack) -> None:
        assert (await upload(stack, GUARANTOR, PDF, "x.pdf"))[0] == 403
        assert (await upload(stack, NANSHAN_REVIEWER, PDF, "x.pdf", "ent-guangming-demo"))[0] == 403
        assert (await upload(stack, ENTERPRISE, PDF, "x.pdf", "ent-tencent"))[0] == 403
        assert (await upload(stack, ENTERPRISE, PDF, "x.pdf", "ent-nowhere"))[0] == 422

    @pytest.mark.parametrize(
        ("name", "kept"), [("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\周\\合同.pdf", "合同.pdf")]
    )
    async def test_a_path_in_the_name_is_dropped(self, stack: Stack, name: str, kept: str) -> None:
        status, body = await upload(stack, ENTERPRISE, PDF, name, "ent-guangming-demo")
        assert status == 201
        assert body["filename"] == kept


class TestReading:
    async def test_only_those_entitled_read_a_document(self, stack: Stack) -> None:
        _, body = await upload(stack, SPECIALIST, PDF, "纳税证明.pdf", "ent-guangming-demo")
        path = f"/documents/{body['id']}"
        for who in (SPECIALIST, ENTERPRISE, REVIEWER):
            assert (await stack.client.get(path, headers=stack.headers(who))).status_code == 200
        for who in (OFFICER, GUARANTOR, NANSHAN_REVIEWER):
            refused = await stack.client.get(path, headers=stack.headers(who))
            assert refused.status_code == 404
            assert refused.headers["content-type"] == "application/problem+json"

    async def test_the_same_content_is_stored_once(self, stack: Stack) -> None:
        first = (await upload(stack, SPECIALIST, PDF + b"%same", "a.pdf", "ent-guangming-demo"))[1]
        second = (await upload(stack, SPECIALIST, PDF + b"%same", "b.pdf", "ent-guangming-demo"))[1]
        assert first["id"] != second["id"]
        assert first["sha256"] == second["sha256"]


@pytest.fixture
async def on_s3(postgres: EmbeddedPostgres, temporal_client: Client) -> AsyncIterator[tuple[Stack, ThreadedMotoServer]]:
    """The API with `PLEDGEFLOW_BLOB_STORE=s3`, its bucket on moto's S3 server (stopped by the test at will)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    changed = {
        "blob_store": "s3",
        "s3_bucket": "pledgeflow-api",
        "s3_endpoint_url": f"http://{host}:{port}",
        "s3_region": "us-east-1",
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test",
    }
    bucket = boto3.client(
        "s3",
        endpoint_url=changed["s3_endpoint_url"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket.create_bucket(Bucket="pledgeflow-api")
    try:
        async with running_stack(
            postgres, temporal_client, task_queue=f"s3-{uuid.uuid4().hex}", settings_changed=changed
        ) as stack:
            yield stack, server
    finally:
        server.stop()


async def test_on_an_s3_store_documents_go_to_the_bucket_and_an_outage_is_a_503(
    on_s3: tuple[Stack, ThreadedMotoServer],
) -> None:
    stack, server = on_s3
    status, body = await upload(stack, SPECIALIST, PDF + b"%s3", "纳税证明.pdf", "ent-guangming-demo")
    assert status == 201
    read = await stack.client.get(f"/documents/{body['id']}", headers=stack.headers(REVIEWER))
    assert (read.status_code, read.content) == (200, PDF + b"%s3")
    stored = await documents(stack)

    server.stop()  # the store goes away: nothing is half-stored, and the client is told to try again
    status, refused = await upload(stack, SPECIALIST, PDF + b"%later", "营业执照.pdf", "ent-guangming-demo")
    assert status == 503, refused
    assert str(refused["type"]).endswith("document-store-unavailable")
    assert await documents(stack) == stored
    unread = await stack.client.get(f"/documents/{body['id']}", headers=stack.headers(REVIEWER))
    assert (unread.status_code, unread.headers["content-type"]) == (503, "application/problem+json")
    assert "Retry-After" in unread.headers
