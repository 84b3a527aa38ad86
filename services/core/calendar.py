"""The manager's calendar feed (RFC 5545): agreements' due dates, courses from start to end, review follow-ups
and committee meetings, as all-day events from the projections.

Each event's UID is derived from the tenant, the stream the fact belongs to and the kind of entry
(``uuid5``), so a calendar that subscribes to the feed updates an entry in place when it changes (a course
moved or cancelled, an agreement withdrawn: ``STATUS:CANCELLED``) and never duplicates it. Entries name
people by employee_id only: names are personal data, and a feed is copied into calendars the service cannot
erase.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from icalendar import Calendar, Event, vCategory, vDate, vDatetime, vText

from projections.kpi.calendar import calendar_rows

_NAMESPACE = uuid.UUID("5b0c3c52-7f0e-4d4a-9a55-6b1f2f3c0e11")
"""The namespace of the events' UIDs (fixed: changing it would duplicate every subscriber's entries)."""

_STREAMS = {"agreement": "agreement-{key}", "course": "booking-{key}", "follow_up": "employee-{key}",
            "meeting": "company"}


def event_uid(tenant: str, row: Mapping[str, Any]) -> str:
    """tenant + stream + kind of entry (with its date and ordinal where a stream holds several such entries)."""
    stream = _STREAMS[row["what"]].format(key=row["key"])
    kind = row["what"] if row["what"] in ("agreement", "course") else f"{row['what']}/{row['starts']}/{row['ordinal']}"
    return f"{uuid.uuid5(_NAMESPACE, f'{tenant}/{stream}/{kind}')}@eduplan"


def _summary(row: Mapping[str, Any]) -> str:
    title = row["title"] or row["key"]
    return {
        "agreement": f"Education due: {title} ({row['employee_id']})",
        "course": f"Course: {title} ({row['employee_id']})",
        "follow_up": f"Review follow-up ({row['employee_id']})",
        "meeting": "Education committee meeting",
    }[row["what"]]


def _day(day: date) -> vDate:
    value = vDate(day)
    value.params["VALUE"] = "DATE"
    return value


def calendar_ics(tenant: str, rows: list[Mapping[str, Any]], stamp: datetime) -> bytes:
    """The feed: one all-day VEVENT per row (properties set as typed values: a feed holds thousands)."""
    cal = Calendar()
    cal.add("prodid", "-//eduplan//education calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Education — {tenant}")
    stamped, free = vDatetime(stamp), vText("TRANSPARENT")
    states = {True: vText("CANCELLED"), False: vText("CONFIRMED")}
    for row in sorted(rows, key=lambda r: (r["starts"], r["what"], r["key"] or "", r["ordinal"])):
        event = Event()
        event["uid"] = vText(event_uid(tenant, row))
        event["dtstamp"] = stamped
        event["dtstart"] = _day(row["starts"])
        event["dtend"] = _day(row["ends"] + timedelta(days=1))  # all-day: the end is exclusive
        event["summary"] = vText(_summary(row))
        event["status"] = states[bool(row["cancelled"])]
        event["categories"] = vCategory([row["what"]])
        event["transp"] = free
        cal.add_component(event)
    ics: bytes = cal.to_ical()
    return ics


async def calendar_of(pool: asyncpg.Pool, tenant: str, on: date, manager: str | None = None) -> bytes:
    """The feed of a tenant (of the employees whose manager on ``on`` is ``manager``, when given)."""
    rows = await calendar_rows(pool, tenant, on, manager)
    return calendar_ics(tenant, [r for r in rows if r["starts"] is not None], datetime.now(UTC))
