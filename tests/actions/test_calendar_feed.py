"""The calendar feed (RFC 5545): parsed back with icalendar, the same entries as the facts sent; UIDs that stay
put when more messages arrive, so a subscribed calendar updates entries in place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date as D
from typing import Any

import actions_facts as f
import httpx
import pytest
from icalendar import Calendar

from services.core.app import App
from services.doors.http import create_app

T = "acme"


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


async def entries(client: httpx.AsyncClient, **params: str) -> dict[str, dict[str, Any]]:
    response = await client.get(f"/v1/tenants/{T}/calendar.ics", params={"as_of": "2025-06-01", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and calendar.get("prodid")
    found = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["uid"])
        assert uid not in found
        assert event.get("dtstamp") is not None
        found[uid] = {"summary": str(event["summary"]), "start": event.decoded("dtstart"),
                      "end": event.decoded("dtend"), "status": str(event["status"])}
    return found


def by_summary(found: dict[str, dict[str, Any]]) -> dict[str, tuple[D, D, str]]:
    return {e["summary"]: (e["start"], e["end"], e["status"]) for e in found.values()}


async def test_the_calendar_holds_due_dates_courses_follow_ups_and_meetings(client, given):
    await given(
        f.hire("boss", "hq", D(2020, 1, 1), family="manager"),
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.hire("e2", "rd", D(2024, 1, 1)),
        f.manager("e1", "boss"),
        f.review("e1", D(2025, 3, 1), follow_up=D(2025, 4, 15)),
        f.agree("a1", "e1", D(2025, 3, 1), due=D(2025, 9, 30), title="Cooling 2"),
        f.book("b1", "e1", D(2025, 3, 10), D(2025, 5, 5), D(2025, 5, 9), agreement="a1", title="AMU cooling"),
        f.book("b2", "e2", D(2025, 3, 10), D(2025, 6, 2), title="Forklift"),
        f.meeting(D(2025, 4, 1)),
    )
    first = await entries(client)
    assert by_summary(first) == {
        "Review follow-up (e1)": (D(2025, 4, 15), D(2025, 4, 16), "CONFIRMED"),
        "Education due: Cooling 2 (e1)": (D(2025, 9, 30), D(2025, 10, 1), "CONFIRMED"),
        "Course: AMU cooling (e1)": (D(2025, 5, 5), D(2025, 5, 10), "CONFIRMED"),
        "Course: Forklift (e2)": (D(2025, 6, 2), D(2025, 6, 3), "CONFIRMED"),
        "Education committee meeting": (D(2025, 4, 1), D(2025, 4, 2), "CONFIRMED"),
    }
    boss = await entries(client, manager="boss")
    assert set(by_summary(boss)) == {"Review follow-up (e1)", "Education due: Cooling 2 (e1)",
                                     "Course: AMU cooling (e1)", "Education committee meeting"}
    assert set(boss) <= set(first)  # the same entries have the same UIDs in every view

    await given(
        f.cancel("b2", D(2025, 5, 1)),
        f.withdraw("a1", D(2025, 5, 2)),
        f.meeting(D(2025, 4, 1)),  # a second meeting on the same day is an entry of its own
        f.review("e1", D(2025, 6, 1), follow_up=D(2025, 7, 1)),
    )
    second = await entries(client)
    assert set(first) <= set(second)  # every entry kept its UID
    assert len(second) == len(first) + 2
    assert second[_uid(first, "Course: Forklift (e2)")]["status"] == "CANCELLED"
    assert second[_uid(first, "Education due: Cooling 2 (e1)")]["status"] == "CANCELLED"
    assert second[_uid(first, "Course: AMU cooling (e1)")]["status"] == "CONFIRMED"
    assert [e["summary"] for e in second.values()].count("Education committee meeting") == 2


def _uid(found: dict[str, dict[str, Any]], summary: str) -> str:
    return next(uid for uid, e in found.items() if e["summary"] == summary)


async def test_the_calendar_of_an_unknown_tenant_is_not_found(client):
    assert (await client.get("/v1/tenants/nobody/calendar.ics")).status_code == 404
    assert (await client.get(f"/v1/tenants/{T}/calendar.ics", params={"as_of": "June"})).status_code == 422
