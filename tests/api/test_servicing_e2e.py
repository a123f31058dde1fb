"""Servicing end to end through HTTP on the real stack: payments change the schedule and the classification,
early repayment is quoted then executed, the watch list, signed webhooks with retries, and bad input."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from contracts.enums import Role
from services.domain.calendar import shanghai_date
from services.store.tables import AuditRecord, LoanEvent, ScheduleLine
from services.workflows.activities.notifications import sign
from tests.api.loan_stack import APPROVER, GUARANTOR, OFFICER, Stack, disbursed, open_case, to_registration, today

pytestmark = pytest.mark.e2e

OTHER_GUARANTOR = (Role.GUARANTOR, "other-guarantee", None)


class Receiver(BaseHTTPRequestHandler):
    """The outside world: the bank's webhook endpoint. It fails the first delivery to show the retry."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    failed = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not Receiver.failed:
            Receiver.failed = True
            self.send_response(503)
            self.end_headers()
            return
        Receiver.received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received, Receiver.failed = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pledgeflow"
    server.shutdown()
    server.server_close()


async def unchanged(stack: Stack, loan_id: str) -> tuple[Any, ...]:
    """What a refused step must not touch: the state, the timeline, the audit chain and the schedule."""
    view = await stack.get(f"/loans/{loan_id}", OFFICER)
    async with stack.sessions() as session:
        counts = []
        for column, value in ((col(LoanEvent.loan_id), loan_id), (col(AuditRecord.chain), f"loan:{loan_id}")):
            counts.append((await session.execute(select(func.count()).where(column == value))).scalar_one())
        paid = (
            await session.execute(
                select(func.sum(ScheduleLine.paid_principal + ScheduleLine.paid_interest)).where(
                    col(ScheduleLine.loan_id) == loan_id
                )
            )
        ).scalar_one()
    return view, await stack.state(loan_id), tuple(counts), paid


class TestServicing:
    async def test_payments_move_the_schedule_and_classification(self, stack: Stack, receiver: str) -> None:
        registered = await stack.client.put(
            "/organisations/boc-shenzhen/webhook", json={"url": receiver}, headers=stack.headers(OFFICER)
        )
        assert registered.status_code == 200, registered.text
        secret = registered.json()["secret"]
        other = await stack.client.put(
            "/organisations/boc-shenzhen/webhook", json={"url": receiver}, headers=stack.headers(GUARANTOR)
        )
        assert other.status_code == 404
        assert other.headers["content-type"] == "application/problem+json"

        loan_id = await disbursed(stack, "ip-gm-inv-1")
        base = f"/loans/{loan_id}"
        schedule = await stack.get(f"{base}/schedule", OFFICER)
        assert {line["status"] for line in schedule} == {"upcoming"}
        first = schedule[0]
        # The first instalment paid ahead of its due date.
        loan = await stack.post(
            f"{base}/repayments", OFFICER, {"amount": first["total"], "value_date": today(), "reference": "回单1"}
        )
        assert loan["classification"] == "normal"
        assert loan["position"]["outstanding_principal"] == "3000000.00"
        schedule = await stack.get(f"{base}/schedule", OFFICER)
        assert schedule[0]["status"] == "paid"
        assert schedule[0]["outstanding"] == "0.00"
        # An early repayment: quoted (nothing changes), then executed as quoted.
        quote = await stack.get(f"{base}/prepayment-quote?principal=1000000.00", OFFICER)
        assert quote["principal"] == "1000000.00"
        assert quote["remaining_principal"] == "2000000.00"
        assert (await stack.get(f"{base}/schedule", OFFICER)) == schedule
        loan = await stack.post(
            f"{base}/prepayments",
            OFFICER,
            {"value_date": today(), "principal": "1000000.00", "expected_total": quote["total"], "reference": "提前"},
        )
        assert loan["outstanding_principal"] == "2000000.00"
        schedule = await stack.get(f"{base}/schedule", OFFICER)
        assert sum(Decimal(line["principal"]) for line in schedule) == Decimal("3000000.00")
        assert Decimal(schedule[-1]["outstanding"]) < Decimal("3000000.00")
        # The bank downgrades the loan: the watch list shows it and the bank's webhook gets the tier change.
        loan = await stack.post(
            f"{base}/classification-downgrades", APPROVER, {"tier": "special_mention", "reason": "企业主要客户流失"}
        )
        assert loan["classification"] == "special_mention"
        watch = await stack.get("/loans?classification=special_mention", OFFICER)
        assert [item["id"] for item in watch["items"]] == [loan_id]
        assert (await stack.get("/loans?overdue=true", OFFICER))["items"] == []
        kinds = [e["kind"] for e in await stack.get(f"{base}/timeline", OFFICER)]
        assert kinds[-3:] == ["repayment_recorded", "prepayment_recorded", "tier_changed"]
        for _ in range(150):  # the first attempt got 503; the retry comes after Temporal's 5 s backoff
            if Receiver.received:
                break
            await asyncio.sleep(0.1)
        assert Receiver.received, "the webhook never arrived"
        headers, body = Receiver.received[0]
        assert headers["X-Pledgeflow-Signature"] == sign(secret, body)
        event = json.loads(body)
        assert event["event"] == "tier_changed"
        assert event["loan_id"] == loan_id
        assert event["data"]["tier"] == "special_mention"
        for _ in range(50):
            log = await stack.get("/organisations/boc-shenzhen/webhook/deliveries", OFFICER)
            if log and log[0]["status"] == "delivered":
                break
            await asyncio.sleep(0.1)
        assert log[0]["status"] == "delivered"
        assert log[0]["attempts"] == 2
        assert log[0]["last_status_code"] == 204

    async def test_bad_input_changes_nothing(self, stack: Stack) -> None:
        # Payment before disbursement.
        pending = await open_case(stack)
        await to_registration(stack, pending, "ip-gm-inv-2")
        refused = await stack.client.post(
            f"/loans/{pending}/repayments",
            json={"amount": "100.00", "value_date": today(), "reference": "x"},
            headers=stack.headers(OFFICER),
        )
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert "current stage: registration" in refused.json()["detail"]

        loan_id = await disbursed(stack, "ip-gm-um-1")
        base = f"/loans/{loan_id}"
        before = await unchanged(stack, loan_id)
        tomorrow = (shanghai_date(datetime.now(UTC)) + timedelta(days=1)).isoformat()
        cases = [
            ("repayments", OFFICER, {"amount": "-5.00", "value_date": today(), "reference": "x"}, 422, "greater"),
            ("repayments", OFFICER, {"amount": "0", "value_date": today(), "reference": "x"}, 422, "greater"),
            ("repayments", OFFICER, {"amount": "100.00", "value_date": tomorrow, "reference": "x"}, 409, "future"),
            ("repayments", OFFICER, {"amount": "9999999.00", "value_date": today(), "reference": "x"}, 409,
             "early repayment"),
            ("releases", OFFICER, {"asset_id": "ip-gm-um-1", "channel": "online", "filed_on": today()}, 409,
             "repaid in full"),
            ("compensation", GUARANTOR, {"amount": "100.00", "value_date": today(), "reference": "x"}, 409,
             "days past due"),
            ("compensation", OTHER_GUARANTOR, {"amount": "100.00", "value_date": today(), "reference": "x"}, 404,
             "that you can see"),
            ("classification-downgrades", OFFICER, {"tier": "sub_par", "reason": "x"}, 422, "tier"),
            ("prepayments", OFFICER, {"value_date": today(), "expected_total": "1.00", "reference": "x"}, 409,
             "ask for a new quote"),
        ]  # fmt: skip
        for path, who, body, status, text in cases:
            response = await stack.client.post(f"{base}/{path}", json=body, headers=stack.headers(who))
            assert response.status_code == status, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert text in response.text, (path, response.text)
        assert await unchanged(stack, loan_id) == before

        # Repaid in full, released: the loan is closed and takes no more payments.
        quote = await stack.get(f"{base}/prepayment-quote", OFFICER)
        assert quote["full"]
        loan = await stack.post(
            f"{base}/prepayments",
            OFFICER,
            {"value_date": today(), "expected_total": quote["total"], "reference": "结清"},
        )
        assert loan["stage"] == "release"
        await stack.post(
            f"{base}/releases", OFFICER, {"asset_id": "ip-gm-um-1", "channel": "online", "filed_on": today()}
        )
        loan = await stack.post(
            f"{base}/release-outcomes",
            OFFICER,
            {"asset_id": "ip-gm-um-1", "released": True, "release_date": today(), "notice_number": "ZX-1"},
        )
        assert loan["stage"] == "closed"
        closed = await stack.client.post(
            f"{base}/repayments",
            json={"amount": "100.00", "value_date": today(), "reference": "x"},
            headers=stack.headers(OFFICER),
        )
        assert closed.status_code == 409
        assert "current stage: closed" in closed.json()["detail"]
