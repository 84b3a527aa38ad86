"""Dates near the end of the calendar (9999-12-31 is a common 'open-ended' value in HR systems) are valid
data; a fact carrying one must not make a tenant's reads fail for good."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date as D

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


async def test_an_open_ended_course_and_a_far_due_date_leave_the_calendar_readable(client, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.book("b1", "e1", D(2025, 3, 10), D(2025, 5, 5), D(9999, 12, 31), title="Open-ended mentoring"),
        f.agree("a1", "e1", D(9999, 12, 15), title="Far future"),  # due by the end of its cycle: in year 10000
        f.book("b2", "e1", D(2025, 3, 10), D(2025, 6, 2), title="Forklift"),
    )

    response = await client.get(f"/v1/tenants/{T}/calendar.ics", params={"as_of": "2025-06-01"})
    assert response.status_code == 200, response.text
    summaries = {str(e["summary"]): (e.decoded("dtstart"), e.decoded("dtend"))
                 for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert summaries["Course: Forklift (e1)"] == (D(2025, 6, 2), D(2025, 6, 3))
    start, end = summaries["Course: Open-ended mentoring (e1)"]
    assert start == D(2025, 5, 5) and end >= D(9999, 12, 30)



async def test_an_agreement_dated_early_in_year_one_leaves_the_actions_and_the_calendar_readable(core, client, given):
    """0001-01-01 is the other common 'unknown date' value: the cycle that contains it starts in 1 BC."""
    from services.core import reads

    await given(f.hire("e1", "rd", D(1, 1, 1)), f.agree("a1", "e1", D(1, 1, 1), title="Long ago"))

    found = await reads.actions(core, T, D(2025, 6, 1))
    assert [(a["kind"], a["ref"], a["since"]) for a in found["actions"] if a["ref"] == "a1"] == [
        ("agreement_overdue", "a1", "0001-03-01")]  # due by the cycle's last day, 0001-02-28
    response = await client.get(f"/v1/tenants/{T}/calendar.ics", params={"as_of": "2025-06-01"})
    assert response.status_code == 200, response.text
    [due] = [e for e in Calendar.from_ical(response.content).walk("VEVENT") if "Long ago" in str(e["summary"])]
    assert due.decoded("dtstart") == D(1, 2, 28)
