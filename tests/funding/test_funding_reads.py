"""The funding read through the real intake and projection on PostgreSQL: amounts equal the independent
calculation to the øre, claims move through their states, every fund deadline is an action before it passes,
and the HTTP, CSV and CLI doors show it."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from reference_funding import fund_reference, veu_reference
from scenarios import TEST_AGREEMENT, TEST_FUND, courses, people

from domain.funding.facts import CourseFacts
from projections import catch_up, ensure_schema
from services.core.app import App, app_for_url
from services.core.funding.report import funding_action_list, funding_csv, funding_report
from services.core.funding.startup import installed_rules
from services.doors.http import create_app

TENANT = "fundco"
AS_OF = date(2026, 6, 1)
_ids = itertools.count()


def envelope(type_: str, **data: Any) -> dict[str, Any]:
    return {"message_id": f"m-{next(_ids)}", "tenant": TENANT, "type": type_, "occurred_at": "2026-01-01T08:00:00Z",
            "data": {k: (float(v) if isinstance(v, Decimal) else v) for k, v in data.items() if v is not None}}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def scenario_messages(made: list[CourseFacts]) -> list[dict[str, Any]]:
    msgs, seen = [], set()
    for c in made:
        if c.employee_id not in seen:
            seen.add(c.employee_id)
            msgs.append(envelope("EmployeeRegistered", employee_id=c.employee_id, name="N", department=c.department,
                                 job_family=c.job_family, hired_on=_iso(c.hired_on)))
            if c.education_level:
                msgs.append(envelope("EducationLevelRecorded", employee_id=c.employee_id, level=c.education_level,
                                     recorded_on="2000-01-01",
                                     higher_education_last_used_on=_iso(c.higher_last_used_on)))
            msgs.append(envelope("EmploymentTermsSet", employee_id=c.employee_id, effective_from="2000-01-01",
                                 collective_agreement=c.collective_agreement, weekly_hours=float(c.weekly_hours),
                                 apprentice=c.apprentice, public_benefits=c.public_benefits))
        booked_hours = float(c.hours) + (1 if c.hours_attended else 0)
        msgs.append(envelope("CourseBooked", booking_id=c.booking_id, employee_id=c.employee_id,
                             booked_on=_iso(c.booked_on), starts_on=_iso(c.starts_on), ends_on=_iso(c.ends_on),
                             course={"title": c.title, "kind": c.kind, "hours": booked_hours}))
        if c.hours_attended:
            msgs.append(envelope("CourseCompleted", booking_id=c.booking_id, completed_on=_iso(c.ends_on),
                                 hours_attended=float(c.hours)))
        if c.cancelled:
            msgs.append(envelope("CourseCancelled", booking_id=c.booking_id, cancelled_on=_iso(c.booked_on),
                                 reason="x"))
        msgs.append(envelope("CourseCostsRecorded", booking_id=c.booking_id, recorded_on=_iso(c.booked_on),
                             fee=c.fee, travel_km=c.travel_km,
                             hourly_wage=None if c.wage_paid else c.hourly_wage))
        if c.wage_paid and c.hourly_wage is not None:
            msgs.append(envelope("CourseWagePaid", booking_id=c.booking_id, paid_on=_iso(c.ends_on),
                                 hourly_wage=c.hourly_wage))
    for c in made:
        if c.left_on is not None and c.employee_id in seen:
            seen.discard(c.employee_id)
            msgs.append(envelope("EmployeeLeft", employee_id=c.employee_id, left_on=_iso(c.left_on)))
    return msgs


@pytest.fixture
async def core(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    (tmp_path / "fund.toml").write_text(TEST_FUND, encoding="utf-8")
    (tmp_path / "agreements.toml").write_text(TEST_AGREEMENT, encoding="utf-8")
    monkeypatch.setenv("EDUPLAN_FUNDING_RULES_DIR", str(tmp_path))
    app = await app_for_url(database_url, max_size=4)
    await ensure_schema(app.pool)
    try:
        yield app
    finally:
        await app.close()


async def ingest(core: App, msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    outcomes = await core.intake.submit_many([json.dumps(m) for m in msgs])
    await catch_up(core.pool)
    return outcomes


async def test_amounts_through_the_projection_equal_the_independent_calculation(core: App) -> None:
    rng = random.Random(7)
    made = [c for person in people(rng, 30) for c in courses(rng, person, rng.randint(1, 5))]
    outcomes = await ingest(core, scenario_messages(made))
    assert all(o["status"] == "accepted" for o in outcomes), [o for o in outcomes if o["status"] != "accepted"][:3]
    report = await funding_report(core.pool, TENANT, AS_OF)
    book = installed_rules()
    assert book.veu is not None
    lines = {(b["booking_id"], line["scheme"]): line for b in report["bookings"] for line in b["schemes"]}
    checked = 0
    for c in made:
        amount, _ = veu_reference(book.veu, c)
        assert lines[(c.booking_id, "veu")]["expected"] == (None if amount is None else str(amount)), c
        checked += 1
    for fund in book.funds.values():
        by_employee: dict[str, list[CourseFacts]] = {}
        for c in made:
            by_employee.setdefault(c.employee_id, []).append(c)
        for employed in by_employee.values():
            for booking_id, expected in fund_reference(book, fund, employed).items():
                line = lines.get((booking_id, fund.scheme))
                if line is not None:
                    assert line["expected"] == (None if expected is None else str(expected)), (booking_id, line)
                    checked += 1
                else:
                    assert expected == 0  # a fund the employee's agreement does not pay into is not listed
    assert checked > len(made)
    company = report["totals"]["company"]
    total = sum((Decimal(line["expected"]) for line in lines.values() if line["expected"]), Decimal(0))
    assert Decimal(company["expected"]) == total and company["bookings"] == len(made)


async def test_every_fund_deadline_is_an_action_before_it_passes(core: App) -> None:
    rng = random.Random(11)
    made = [c for person in people(rng, 20) for c in courses(rng, person, rng.randint(1, 4))]
    made = [c for c in made if c.left_on is None]
    await ingest(core, scenario_messages(made))
    report = await funding_report(core.pool, TENANT, AS_OF)
    due = [(b, line) for b in report["bookings"] for line in b["schemes"]
           if line["scheme"] != "veu" and line["eligible"] and line["deadline"]
           and not b["cancelled"] and date.fromisoformat(b["booked_on"]) <= date.fromisoformat(line["deadline"])]
    assert len(due) > 3
    for b, line in due:
        deadline = date.fromisoformat(line["deadline"])
        first = max(date.fromisoformat(b["booked_on"]), deadline - timedelta(days=14))
        hired = next(c.hired_on for c in made if c.booking_id == b["booking_id"])
        for day in {first, deadline}:
            if hired is not None and hired > day:
                continue
            actions = await funding_action_list(core.pool, TENANT, day)
            mine = [a for a in actions if a["ref"] == b["booking_id"] and a["kind"] == "funding_deadline"]
            assert mine and mine[0]["since"] == (deadline - timedelta(days=14)).isoformat(), (b, line, day)
        after = await funding_action_list(core.pool, TENANT, deadline + timedelta(days=1))
        assert not [a for a in after if a["ref"] == b["booking_id"] and a["kind"] == "funding_deadline"]


def _company(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        envelope("EmployeeRegistered", employee_id="e-1", name="Anna", department="ops", job_family="skilled",
                 hired_on="2015-01-01"),
        envelope("EmployeeRegistered", employee_id="m-1", name="Mia", department="ops", job_family="manager",
                 hired_on="2015-01-01"),
        envelope("ManagerAssigned", employee_id="e-1", manager_id="m-1"),
        envelope("EmploymentTermsSet", employee_id="e-1", effective_from="2015-01-01",
                 collective_agreement="tl-arbejdsgiverne"),
        envelope("CourseBooked", booking_id="b-1", employee_id="e-1", booked_on="2026-02-01", starts_on="2026-05-04",
                 ends_on="2026-05-08", course={"title": "AMU 48596 Welding", "kind": "amu", "hours": 37}),
        envelope("CourseCostsRecorded", booking_id="b-1", recorded_on="2026-02-01", fee=1200, hourly_wage=250),
        *extra,
    ]


async def test_a_claim_moves_from_at_risk_to_paid_and_its_action_goes(core: App) -> None:
    await ingest(core, _company())
    fund_line = await _line(core, date(2026, 3, 20), "tl-arbejdsgiverne")
    assert (fund_line["state"], fund_line["deadline"]) == ("to_apply", "2026-04-04")
    assert fund_line["expected"] == "10450.00"  # 100 % of 37 h × 250 kr + 100 % of the 1200 kr fee
    at_risk = await _line(core, date(2026, 3, 21), "tl-arbejdsgiverne")
    assert (at_risk["state"], at_risk["at_risk"]) == ("at_risk", "10450.00")
    actions = await funding_action_list(core.pool, TENANT, date(2026, 3, 21))
    assert [(a["kind"], a["since"], a["manager_id"], a["department"]) for a in actions] == [
        ("funding_unclaimed", "2026-02-01", "m-1", "ops"), ("funding_deadline", "2026-03-21", "m-1", "ops")]
    assert set(actions[0]) == {"kind", "employee_id", "manager_id", "department", "ref", "since", "detail"}

    await ingest(core, [envelope("FundingApplied", booking_id="b-1", scheme="tl-arbejdsgiverne",
                                 applied_on="2026-03-25", amount=10450)])
    assert (await _line(core, date(2026, 3, 25), "tl-arbejdsgiverne"))["state"] == "applied"
    assert [a["kind"] for a in await funding_action_list(core.pool, TENANT, date(2026, 3, 25))] == ["funding_unclaimed"]
    await ingest(core, [
        envelope("FundingGranted", booking_id="b-1", scheme="tl-arbejdsgiverne", granted_on="2026-04-01", amount=10000),
        envelope("FundingPaid", booking_id="b-1", scheme="tl-arbejdsgiverne", paid_on="2026-06-01", amount=6000.5),
    ])
    paid = await _line(core, AS_OF, "tl-arbejdsgiverne")
    shown = (paid["state"], paid["granted"], paid["paid"], paid["lost"])
    assert shown == ("partly_paid", "10000.00", "6000.50", "0.00")
    assert (await _line(core, date(2026, 6, 5), "veu"))["state"] == "at_risk"
    veu = await _line(core, date(2026, 6, 6), "veu")
    assert veu["state"] == "lost" and veu["expected"] is None  # lapsed 28 days after the course; 2026 rate unset
    assert any("2026 is not configured" in step["text"] for step in veu["explain"])


async def test_a_rejected_claim_is_lost(core: App) -> None:
    await ingest(core, _company(
        envelope("FundingApplied", booking_id="b-1", scheme="tl-arbejdsgiverne", applied_on="2026-03-01", amount=1),
        envelope("FundingRejected", booking_id="b-1", scheme="tl-arbejdsgiverne", rejected_on="2026-03-10")))
    line = await _line(core, date(2026, 3, 10), "tl-arbejdsgiverne")
    assert (line["state"], line["lost"]) == ("rejected", "10450.00")
    before = await _line(core, date(2026, 3, 9), "tl-arbejdsgiverne")
    assert before["state"] == "applied"


async def _line(core: App, as_of: date, scheme: str) -> dict[str, Any]:
    report = await funding_report(core.pool, TENANT, as_of)
    [booking] = report["bookings"]
    return next(line for line in booking["schemes"] if line["scheme"] == scheme)


async def test_http_json_csv_and_unknown_tenant(core: App) -> None:
    await ingest(core, _company())
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as http:
            body = (await http.get(f"/v1/tenants/{TENANT}/funding", params={"year": 2026,
                                                                            "as_of": "2026-03-21"})).json()
            assert body["year"] == 2026 and body["totals"]["departments"]["ops"]["at_risk"] == "10450.00"
            assert (await http.get(f"/v1/tenants/{TENANT}/funding", params={"year": 2025})).json()["bookings"] == []
            csv_da = await http.get(f"/v1/tenants/{TENANT}/funding.csv", params={"lang": "da", "as_of": "2026-03-21"})
            assert csv_da.content.startswith("\ufeff".encode())
            rows = csv_da.content.decode("utf-8-sig").splitlines()
            assert rows[0].split(";")[:3] == ["booking_id", "employee_id", "department"]
            fund_row = next(r.split(";") for r in rows if ";tl-arbejdsgiverne;" in r)
            assert "10450,00" in fund_row and "2026-04-04" in fund_row
            assert (await http.get("/v1/tenants/nobody/funding")).status_code == 404
            assert (await http.get(f"/v1/tenants/{TENANT}/funding", params={"as_of": "2026-13-01"})).status_code == 422
    csv_en = funding_csv(await funding_report(core.pool, TENANT, date(2026, 3, 21)))
    assert "10450.00" in csv_en.decode("utf-8-sig")
