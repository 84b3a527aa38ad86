"""known_at through the doors (CONTRACT.md §6): HTTP `known_at=` on /kpis, /kpis.csv, /kpis/series,
/competences, /actions and /actions.csv, CLI `--known-at` — what a read showed at an instant, byte for byte,
after later messages corrected the past; a known_at in the future is now; a bad one is 422 naming the field
(CLI: exit 2)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import run
from message_samples import TENANT, envelope, settled

from projections import catch_up
from services.core.app import App, app_for_url
from services.doors.http import create_app

FIRST = [
    envelope("EmployeeRegistered", {"employee_id": "m-1", "name": "Mia Boss", "department": "rd",
                                    "job_family": "manager", "hired_on": "2020-01-01"}),
    envelope("EmployeeRegistered", {"employee_id": "e-1", "name": "Eva Berg", "department": "rd",
                                    "job_family": "skilled", "hired_on": "2024-01-01"}),
    envelope("ManagerAssigned", {"employee_id": "e-1", "manager_id": "m-1"}),
    envelope("CompetenceAssessed", {"employee_id": "e-1", "competence": "cooling", "level": 2,
                                    "assessed_on": "2025-01-10"}),
    envelope("CompetenceGapIdentified", {"gap_id": "g-1", "employee_id": "e-1", "competence": "cooling",
                                         "identified_on": "2025-01-10", "current_level": 2, "target_level": 4,
                                         "source": "mus"}),
    envelope("EducationAgreed", {"agreement_id": "a-1", "employee_id": "e-1", "title": "Cooling 4",
                                 "agreed_on": "2025-03-05", "due_by": "2025-06-30"}),
    envelope("CourseBooked", {"booking_id": "b-1", "employee_id": "e-1", "booked_on": "2025-03-10",
                              "agreement_id": "a-1", "starts_on": "2025-04-07", "ends_on": "2025-04-11",
                              "course": {"title": "Cooling", "kind": "amu", "hours": 37}}),
    envelope("CourseCompleted", {"booking_id": "b-1", "completed_on": "2025-04-11"}),
]

# Later messages that change what 2025-06-30 looked like.
LATER = [
    envelope("EmployeeMoved", {"employee_id": "e-1", "department": "sales", "moved_on": "2025-02-01"}),
    envelope("CompetenceAssessed", {"employee_id": "e-1", "competence": "cooling", "level": 4,
                                    "assessed_on": "2025-05-01"}),
    envelope("EmployeeRegistered", {"employee_id": "e-2", "name": "Bo Lund", "department": "rd",
                                    "job_family": "unskilled", "hired_on": "2025-01-01"}),
    envelope("EducationAgreed", {"agreement_id": "a-2", "employee_id": "e-2", "title": "Safety",
                                 "agreed_on": "2025-03-06"}),
    envelope("EducationAgreementWithdrawn", {"agreement_id": "a-2", "withdrawn_on": "2025-06-01",
                                             "reason": "moved on"}),
    envelope("EmployeeLeft", {"employee_id": "e-2", "left_on": "2025-06-15"}),
]

AS_OF = "2025-06-30"
ROUTES = [
    (f"/v1/tenants/{TENANT}/kpis", {"as_of": AS_OF}),
    (f"/v1/tenants/{TENANT}/kpis", {"as_of": AS_OF, "group_by": "manager"}),
    (f"/v1/tenants/{TENANT}/kpis.csv", {"as_of": AS_OF}),
    (f"/v1/tenants/{TENANT}/kpis/series", {"from": "2025-01-01", "to": AS_OF, "group_by": "manager"}),
    (f"/v1/tenants/{TENANT}/competences", {"as_of": AS_OF}),
    (f"/v1/tenants/{TENANT}/actions", {"as_of": AS_OF}),
    (f"/v1/tenants/{TENANT}/actions.csv", {"as_of": AS_OF, "lang": "da"}),
]


async def _ingest(app: App, messages: list[dict[str, Any]]) -> None:
    outcomes = await app.intake.submit_many([json.dumps(m).encode() for m in messages], "test")
    assert [o["status"] for o in outcomes] == ["accepted"] * len(messages), outcomes
    await settled(app)
    await catch_up(app.pool)


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url)
    try:
        await _ingest(app, FIRST)
        yield app
    finally:
        await app.close()


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


async def _shown(client: httpx.AsyncClient, known_at: str | None = None) -> list[bytes]:
    found = []
    for path, query in ROUTES:
        response = await client.get(path, params={**query, **({"known_at": known_at} if known_at else {})})
        assert response.status_code == 200, (path, response.text[:300])
        found.append(response.content)
    return found


async def test_known_at_shows_what_a_read_showed_then_over_http_and_the_cli(
    core: App, client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    then = await _shown(client)
    t1: datetime = await core.pool.fetchval("SELECT clock_timestamp()")
    await _ingest(core, LATER)

    now = await _shown(client)
    assert [a != b for a, b in zip(then, now, strict=True)] == [True] * len(ROUTES)
    at_t1 = t1.astimezone().isoformat()  # with the local offset, e.g. +01:00
    assert await _shown(client, at_t1) == then
    assert await _shown(client, t1.isoformat().replace("+00:00", "Z")) == then
    # An offset's '+' left unencoded in the URL arrives as a space, and is read as '+'.
    raw = await client.get(f"/v1/tenants/{TENANT}/kpis?as_of={AS_OF}&known_at={t1.isoformat()}")
    assert raw.status_code == 200 and raw.content == then[0]
    # Without as_of, the document is as of the day of known_at.
    dated = (await client.get(f"/v1/tenants/{TENANT}/kpis", params={"known_at": at_t1})).json()
    assert dated["as_of"] == t1.astimezone().date().isoformat()
    # In the future: now.
    future = (datetime.now(t1.tzinfo) + timedelta(days=3)).isoformat()
    assert await _shown(client, future) == [
        (await client.get(path, params=query)).content for path, query in ROUTES
    ] == now

    done = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, "--known-at", at_t1, "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == json.loads(then[0])
    done = run(database_url, tmp_path, "competences", "--tenant", TENANT, "--as-of", AS_OF, "--known-at", at_t1,
               "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == json.loads(then[4])
    done = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--series", "--from", "2025-01-01", "--to", AS_OF,
               "--by", "manager", "--known-at", at_t1, "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == json.loads(then[3])
    done = run(database_url, tmp_path, "actions", "--tenant", TENANT, "--as-of", AS_OF, "--known-at", at_t1, "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == json.loads(then[5])


BAD_INSTANTS = ("2025-06-30", "2025-06-30T10:00:00", "yesterday", "2025-02-30T10:00:00Z", "1700000000",
                "2025-06-30T25:00:00Z")


@pytest.mark.parametrize("bad", BAD_INSTANTS)
async def test_a_bad_known_at_is_422_naming_the_field(client: httpx.AsyncClient, bad: str) -> None:
    for path, query in ROUTES:
        response = await client.get(path, params={**query, "known_at": bad})
        assert response.status_code == 422, (path, bad, response.text[:300])
        assert "known_at" in json.dumps(response.json()["detail"])


async def test_a_bad_known_at_is_exit_2_on_the_cli(core: App, database_url: str, tmp_path: Path) -> None:
    for args in (["kpi", "--tenant", TENANT], ["competences", "--tenant", TENANT], ["actions", "--tenant", TENANT]):
        done = run(database_url, tmp_path, *args, "--known-at", "2025-06-30T10:00:00")
        assert done.returncode == 2, done.stderr.decode()
        assert "known-at" in done.stderr.decode()
        assert "Traceback" not in done.stderr.decode()
