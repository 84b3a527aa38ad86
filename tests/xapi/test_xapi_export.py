"""The export over the realistic demo feed (every case company, through the real intake and log): every
statement follows the xAPI rules, one per booking event, cancellations void their registrations, a
re-export is identical, and no personal data ever appears — before or after an erasure."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from message_samples import read_everything, settled
from xapi_rules import problems

from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.core.xapi import xapi_lines
from services.simulator.demo_data import generate

HOMEPAGE = "https://hr.example.dk/"
ADL = "http://adlnet.gov/expapi/verbs/"
PERSONAL_FIELDS = ("name", "notes", "substitute", "reason")


@dataclass
class Demo:
    app: App
    items: list[dict[str, Any] | str]
    tenants: list[str]


@pytest.fixture(scope="module")
async def demo(module_database_url: str) -> AsyncIterator[Demo]:
    app = await app_for_url(module_database_url, max_size=4)
    items = list(generate())
    lines = (item if isinstance(item, str) else json.dumps(item) for item in items)
    await ingest_lines(app.intake, lines, door="test", workers=2)
    await settled(app)
    tenants = sorted({item["tenant"] for item in items if isinstance(item, dict)})
    try:
        yield Demo(app, items, tenants)
    finally:
        await app.close()


async def export(app: App, tenant: str, since: date | None = None) -> str:
    return "".join([line async for line in xapi_lines(app.store, tenant, homepage=HOMEPAGE, since=since)])


def statements(text: str) -> list[dict[str, Any]]:
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.splitlines()]


async def events_of(app: App, tenant: str) -> list[dict[str, Any]]:
    return await read_everything(app, tenant=tenant)


async def test_every_statement_of_every_company_follows_the_xapi_rules(demo: Demo) -> None:
    ids: set[str] = set()
    total = 0
    for tenant in demo.tenants:
        for statement in statements(await export(demo.app, tenant)):
            assert problems(statement) == [], (tenant, statement)
            assert uuid.UUID(statement["id"]).version == 5
            assert "stored" not in statement and "authority" not in statement  # the LRS sets them
            assert statement["actor"]["account"]["homePage"] == HOMEPAGE
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", statement["timestamp"])
            ids.add(statement["id"])
            total += 1
    assert total > 1000
    assert len(ids) == total  # no two statements share an id, across all companies


async def test_one_statement_per_booking_event_and_a_verdict_per_completion(demo: Demo) -> None:
    for tenant in demo.tenants:
        log = await events_of(demo.app, tenant)
        expected = Counter({
            "registered": sum(e["type"] == "CourseBooked" for e in log),
            "completed": sum(e["type"] == "CourseCompleted" for e in log),
            "passed": sum(e["type"] == "CourseCompleted" and e["data"]["passed"] is True for e in log),
            "failed": sum(e["type"] == "CourseCompleted" and e["data"]["passed"] is False for e in log),
            "shared": sum(e["type"] == "KnowledgeShared" for e in log),
            "voided": sum(e["type"] == "CourseCancelled" for e in log),
        })
        got = Counter(s["verb"]["id"].removeprefix(ADL) for s in statements(await export(demo.app, tenant)))
        assert got == +expected, tenant
    everything = Counter()
    for tenant in demo.tenants:
        everything.update(s["verb"]["id"] for s in statements(await export(demo.app, tenant)))
    assert all(everything[ADL + verb] > 0 for verb in ("registered", "completed", "passed", "failed", "shared",
                                                       "voided"))


async def test_each_statement_follows_its_event_in_log_order(demo: Demo) -> None:
    tenant = demo.tenants[0]
    log = [e for e in await events_of(demo.app, tenant)
           if e["type"] in ("CourseBooked", "CourseCompleted", "KnowledgeShared", "CourseCancelled")]
    exported = statements(await export(demo.app, tenant))
    booking_ids = [s["context"]["extensions"][HOMEPAGE + "xapi/extensions/booking-id"] for s in exported
                   if s["verb"]["id"] != ADL + "passed" and s["verb"]["id"] != ADL + "failed"]
    assert booking_ids == [e["data"]["booking_id"] for e in log]


async def test_cancelled_bookings_have_their_registrations_voided(demo: Demo) -> None:
    for tenant in demo.tenants:
        log = await events_of(demo.app, tenant)
        cancelled = {e["data"]["booking_id"] for e in log if e["type"] == "CourseCancelled"}
        exported = statements(await export(demo.app, tenant))
        registrations = {s["id"]: s for s in exported if s["verb"]["id"] == ADL + "registered"}
        voided = {}
        for s in exported:
            if s["verb"]["id"] == ADL + "voided":
                target = registrations[s["object"]["id"]]  # the registration exists, exported before
                assert s["context"]["registration"] == target["context"]["registration"]
                assert s["actor"] == target["actor"]
                voided[target["context"]["extensions"][HOMEPAGE + "xapi/extensions/booking-id"]] = s
        assert set(voided) == cancelled, tenant
        # nothing else is ever voided, and a voided registration has no completion or sharing after it
        for s in exported:
            booking = s["context"]["extensions"][HOMEPAGE + "xapi/extensions/booking-id"]
            if booking in cancelled:
                assert s["verb"]["id"] in (ADL + "registered", ADL + "voided")


async def test_completions_carry_the_hours_attended_as_duration(demo: Demo) -> None:
    tenant = demo.tenants[1]
    hours = {e["data"]["booking_id"]: e["data"]["hours_attended"]
             for e in await events_of(demo.app, tenant) if e["type"] == "CourseCompleted"}
    seen = 0
    for s in statements(await export(demo.app, tenant)):
        if s["verb"]["id"] in (ADL + "completed", ADL + "passed", ADL + "failed"):
            booking = s["context"]["extensions"][HOMEPAGE + "xapi/extensions/booking-id"]
            assert abs(_seconds(s["result"]["duration"]) - hours[booking] * 3600) <= 0.005
            assert s["result"]["completion"] is True
            seen += 1
    assert seen >= len(hours) > 0


def _seconds(text: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", text)
    assert match, text
    h, m, s = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)


async def test_a_re_export_is_identical_byte_for_byte(demo: Demo) -> None:
    for tenant in demo.tenants[:3]:
        first = await export(demo.app, tenant)
        assert first and await export(demo.app, tenant) == first


async def test_since_keeps_exactly_the_statements_dated_on_or_after_it(demo: Demo) -> None:
    tenant = demo.tenants[2]
    full = (await export(demo.app, tenant)).splitlines(keepends=True)
    days = sorted({json.loads(line)["timestamp"][:10] for line in full})
    since = date.fromisoformat(days[len(days) // 2])
    expected = [line for line in full if json.loads(line)["timestamp"][:10] >= since.isoformat()]
    assert 0 < len(expected) < len(full)
    assert (await export(demo.app, tenant, since)).splitlines(keepends=True) == expected
    assert await export(demo.app, tenant, date(2100, 1, 1)) == ""


def _personal_values(items: list[dict[str, Any] | str]) -> set[str]:
    found: set[str] = set()
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("data"), dict):
            for field in PERSONAL_FIELDS:
                value = item["data"].get(field)
                if item["type"] in ("DepartmentRegistered", "CompanyRegistered"):
                    continue  # a department's or company's name is not a person's
                if isinstance(value, str) and len(value) >= 4:
                    found.add(value)
    return found


async def test_no_personal_data_ever_appears_and_an_erasure_changes_nothing(demo: Demo) -> None:
    personal = _personal_values(demo.items)
    assert len(personal) > 100
    names = {item["data"]["employee_id"]: item["data"]["name"] for item in demo.items
             if isinstance(item, dict) and item["type"] == "EmployeeRegistered"}
    before = {tenant: await export(demo.app, tenant) for tenant in demo.tenants}
    for tenant, text in before.items():
        leaked = [value for value in personal if value in text]
        assert leaked == [], (tenant, leaked[:5])
    # erase the people of the first statements of each company: their records stay, byte for byte
    for tenant, text in before.items():
        erased = {s["actor"]["account"]["name"] for s in statements(text)[:20]}
        for employee_id in erased:
            assert employee_id in names
            assert (await demo.app.store.erase_subject(tenant, employee_id)).key_destroyed
    for tenant in demo.tenants:
        assert await export(demo.app, tenant) == before[tenant]
