"""A specialist's visits as an iCalendar feed (RFC 5545, written by the `icalendar` library) that a phone's calendar
subscribes to.

A phone's calendar cannot send a bearer token, so the feed's address carries a secret instead: the specialist asks
for an address (`POST /stations/{id}/visits/feed`, signed in), pledgeflow keeps only the secret's SHA-256, and the
address answers with the specialist's own visits of the station from 30 days back to 180 days ahead — planned,
done, failed, and cancelled ones marked CANCELLED so the phone strikes them out. Asking again gives a new address
and the old one answers 404 (a lost phone is cut off by asking again). Each visit keeps its UID, so an update moves
the phone's event rather than adding one; times are Shanghai's, with its VTIMEZONE in the feed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import ChecklistItem
from contracts.visits import VisitState
from services.api.errors import NotFound
from services.api.subsidies.service import today
from services.api.visits.schemas import FeedAddress, VisitView
from services.api.visits.service import require_specialist, view_of
from services.platform.auth import Principal
from services.store import reference, visits

DAYS_BACK = 30
DAYS_AHEAD = 180
VISIT_LENGTH = timedelta(hours=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


class FeedNotFound(NotFound):
    type_slug = "feed-not-found"
    title = "No such calendar feed"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_address(session: AsyncSession, principal: Principal, station_id: str, base_url: str) -> FeedAddress:
    """A new feed address for the calling specialist (the previous one stops answering)."""
    require_specialist(principal, station_id)
    token = secrets.token_urlsafe(32)
    await visits.replace_feed(session, station_id, principal.sub, _digest(token), datetime.now(UTC))
    await session.commit()
    return FeedAddress(
        url=f"{base_url.rstrip('/')}/feeds/visits/{token}.ics", specialist=principal.sub, days_back=DAYS_BACK,
        days_ahead=DAYS_AHEAD,
    )  # fmt: skip


async def feed(session: AsyncSession, token: str) -> bytes:
    found = await visits.feed_of(session, _digest(token)) if 20 <= len(token) <= 100 else None
    if found is None:
        raise FeedNotFound("This calendar address is not valid (any more): ask pledgeflow for a new one.")
    day = today()
    rows = await visits.list_visits(
        session, found.station_id, day - timedelta(days=DAYS_BACK), day + timedelta(days=DAYS_AHEAD), found.specialist
    )
    names = await reference.enterprise_names(session, sorted({r.enterprise_id for r in rows}))
    calendar = Calendar()
    calendar.add("prodid", "-//pledgeflow//visits//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "走访计划")
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for row in rows:
        calendar.add_component(_event(view_of(row, names)))
    calendar.add_missing_timezones()
    content: bytes = calendar.to_ical()
    return content


def _event(visit: VisitView) -> Event:
    event = Event()
    event.add("uid", f"visit-{visit.id}@pledgeflow")
    event.add("dtstamp", visit.ended_at or visit.planned_at)
    event.add("last-modified", visit.ended_at or visit.planned_at)
    if visit.starts_at is not None and visit.day == visit.planned_on:
        start = datetime.combine(visit.day, visit.starts_at, tzinfo=SHANGHAI)
        event.add("dtstart", start)
        event.add("dtend", start + VISIT_LENGTH)
    else:
        event.add("dtstart", visit.day)
        event.add("dtend", visit.day + timedelta(days=1))
    event.add("summary", f"走访：{visit.enterprise_name}（{visit.state_label}）")
    event.add("location", visit.place)
    event.add("status", "CANCELLED" if visit.state is VisitState.CANCELLED else "CONFIRMED")
    event.add("description", "\n".join(_lines(visit)))
    return event


def _lines(visit: VisitView) -> list[str]:
    lines = ["事项：" + "、".join(ChecklistItem(p).label for p in visit.purposes)]
    if visit.account_manager:
        lines.append(f"客户经理：{visit.account_manager}")
    if visit.loan_id:
        lines.append(f"案件：{visit.loan_id}")
    for label, value in (("备注", visit.note), ("结果", visit.outcome), ("下一步", visit.next_step)):
        if value:
            lines.append(f"{label}：{value}")
    if visit.reason:
        lines.append(f"原因：{visit.reason}")
    return lines
