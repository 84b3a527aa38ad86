"""The leadership reads of CONTRACT.md §7 and the display names, through HTTP (in-process ASGI) and the CLI
(a separate process): shapes, parameters, and the errors that name the parameter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from message_samples import TENANT, envelope, settled
from test_cli_door import run

from projections import catch_up
from services.core.app import App, app_for_url
from services.doors.http import create_app

MESSAGES = [
    envelope("CompanyRegistered", {"name": "Acme Køling A/S", "cvr": "12345678", "registered_on": "2020-01-01"}),
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


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url)
    try:
        outcomes = await app.intake.submit_many([json.dumps(m).encode() for m in MESSAGES], "test")
        assert [o["status"] for o in outcomes] == ["accepted"] * len(MESSAGES)
        await settled(app)
        await catch_up(app.pool)
        yield app
    finally:
        await app.close()


async def _client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=app, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(core):
        yield http


@pytest.fixture
async def empty_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Nothing on record: enough for the checks of the parameters, which come first."""
    app = await app_for_url(database_url)
    try:
        async for http in _client(app):
            yield http
    finally:
        await app.close()


async def test_kpis_by_manager_and_the_cycle_judged_over_http(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/v1/tenants/{TENANT}/kpis", params={"as_of": "2025-07-01",
                                                                   "group_by": "manager"})).json()
    assert body["managers"]["m-1"]["agreements_made"] == 1
    assert body["managers"]["m-1"]["cycle_status"] == "on_track"
    assert body["company"]["on_track_rate"] == 1.0
    assert body["last_cycle"]["start"] == "2024-03-01" and body["last_cycle"]["company"]["agreements_made"] == 0
    plain = (await client.get(f"/v1/tenants/{TENANT}/kpis", params={"as_of": "2025-07-01"})).json()
    assert "managers" not in plain
    wrong = await client.get(f"/v1/tenants/{TENANT}/kpis", params={"group_by": "team"})
    assert wrong.status_code == 422 and "group_by" in wrong.text


async def test_series_over_http(client: httpx.AsyncClient) -> None:
    params = {"from": "2025-01-01", "to": "2025-06-30", "step": "quarter", "keys": "active_employees,on_track_rate"}
    body = (await client.get(f"/v1/tenants/{TENANT}/kpis/series", params=params)).json()
    assert [point["as_of"] for point in body["points"]] == ["2025-03-31", "2025-06-30"]
    assert body["points"][1]["company"] == {"active_employees": 2, "on_track_rate": 1.0}
    assert body["points"][1]["departments"] == {"rd": {"active_employees": 2, "on_track_rate": 1.0}}
    monthly = (await client.get(f"/v1/tenants/{TENANT}/kpis/series",
                                params={"from": "2025-01-01", "to": "2025-06-30", "group_by": "manager"})).json()
    assert len(monthly["points"]) == 6 and monthly["points"][-1]["managers"]["m-1"]["active_employees"] == 1
    assert set(monthly["points"][0]["company"]) == set(monthly["keys"])


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2025-01-01", "to": "2024-12-31"}, "to"),
    ({"from": "2025-01-01", "to": "2025-02-30"}, "to"),
    ({"from": "20250101", "to": "2025-02-28"}, "from"),
    ({"from": "2010-01-01", "to": "2025-02-28"}, "to"),
    ({"from": "2025-01-01", "to": "2025-02-28", "step": "week"}, "step"),
    ({"from": "2025-01-01", "to": "2025-02-28", "keys": "active_employees,mood"}, "keys"),
    ({"to": "2025-02-28"}, "from"),
])
async def test_a_series_asked_wrongly_is_422_naming_the_parameter(
    empty_client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    answer = await empty_client.get(f"/v1/tenants/{TENANT}/kpis/series", params=params)
    assert answer.status_code == 422
    assert field in answer.text


async def test_competences_over_http(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/v1/tenants/{TENANT}/competences", params={"as_of": "2025-02-01"})).json()
    assert body["employees"] == [
        {"employee_id": "e-1", "department": "rd", "competences": {"cooling": {"level": 2, "target": 4}}},
        {"employee_id": "m-1", "department": "rd", "competences": {}},
    ]
    assert (await client.get(f"/v1/tenants/{TENANT}/competences", params={"as_of": "2025-13-01"})).status_code == 422


async def test_companies_and_unknown_tenants_over_http(client: httpx.AsyncClient) -> None:
    company = {"tenant": TENANT, "name": "Acme Køling A/S", "cvr": "12345678", "registered_on": "2020-01-01"}
    assert (await client.get("/v1/tenants")).json() == {"tenants": [company]}
    assert (await client.get(f"/v1/tenants/{TENANT}")).json() == company
    for path in ("/v1/tenants/nobody", "/v1/tenants/nobody/competences",
                 "/v1/tenants/nobody/kpis/series?from=2025-01-01&to=2025-02-28"):
        assert (await client.get(path)).status_code == 404, path


def _json(done: Any) -> Any:
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout.decode())


async def test_the_cli_reads(core: App, database_url: str, tmp_path: Path) -> None:
    doc = _json(run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", "2025-07-01", "--by", "manager",
                    "--json"))
    assert doc["managers"]["m-1"]["cycle_status"] == "on_track"
    series = _json(run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--series", "--from", "2025-01-01",
                       "--to", "2025-06-30", "--step", "quarter", "--keys", "active_employees", "--json"))
    assert [p["company"] for p in series["points"]] == [{"active_employees": 2}, {"active_employees": 2}]
    matrix = _json(run(database_url, tmp_path, "competences", "--tenant", TENANT, "--as-of", "2025-02-01", "--json"))
    assert matrix["employees"][0]["competences"] == {"cooling": {"level": 2, "target": 4}}
    assert _json(run(database_url, tmp_path, "companies", "--json"))[0]["name"] == "Acme Køling A/S"
    table = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", "2025-07-01", "--by", "manager")
    assert table.returncode == 0 and "m-1" in table.stdout.decode() and "on track" in table.stdout.decode()


async def test_the_cli_names_what_is_wrong(core: App, database_url: str, tmp_path: Path) -> None:
    for args, says in [
        (("--series", "--from", "2025-01-01"), "--to"),
        (("--series", "--from", "2025-02-01", "--to", "2025-01-01"), "to"),
        (("--series", "--from", "2025-01-01", "--to", "2025-03-01", "--keys", "mood"), "keys"),
        (("--from", "2025-01-01"), "--series"),
        (("--by", "team"), "--by"),
    ]:
        done = run(database_url, tmp_path, "kpi", "--tenant", TENANT, *args)
        assert done.returncode == 2, (args, done.stderr.decode())
        assert says in done.stderr.decode()
    unknown = run(database_url, tmp_path, "competences", "--tenant", "nobody")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr.decode()
