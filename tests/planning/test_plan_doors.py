"""The planning doors (contract §8): POST /v1/tenants/{t}/plans and its acceptance over HTTP, and
`eduplan plan` / `eduplan plan accept` as a separate process — status codes, exit codes, named fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from conftest import ingest
from plan_scenario import TENANT, company, message

from services.core.app import App
from services.doors.http import create_app

WINDOW = {"from": "2027-01-04", "to": "2027-03-31"}


@pytest.fixture
async def client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=app, run_projections=True)  # the runner keeps the projections up, as in `serve`
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


async def test_post_a_plan_answers_201_with_the_plan_document(app: App, client: httpx.AsyncClient) -> None:
    await ingest(app, company())
    response = await client.post(f"/v1/tenants/{TENANT}/plans", json=WINDOW)
    assert response.status_code == 201
    plan = response.json()
    assert {"plan_id", "status", "objective", "assignments", "unplanned"} <= set(plan)
    assert plan["status"] == "optimal" and plan["objective"] == 3010
    assert all(set(a) >= {"agreement_id", "employee_id", "run_id"} for a in plan["assignments"])
    assert plan["unplanned"][0]["agreement_id"] == "a4" and plan["unplanned"][0]["why"] == "no_eligible_run"
    again = await client.get(f"/v1/tenants/{TENANT}/plans/{plan['plan_id']}")
    assert again.status_code == 200 and again.json() == plan


@pytest.mark.parametrize(("body", "field"), [
    ({"from": "2027-03-01", "to": "2027-02-28"}, "to"),
    ({"from": "2027-01-01", "to": "2030-01-02"}, "to"),
    ({"from": "2027-02-30", "to": "2027-03-31"}, "from"),
    ({"from": "2027-1-4", "to": "2027-03-31"}, "from"),
    ({"from": "2027-01-04", "to": 20270331}, "to"),
    ({"from": "2027-01-04"}, "to"),
    ({"to": "2027-01-04"}, "from"),
    ({"from": "2027-01-04", "to": "2027-03-31", "time_limit": 0}, "time_limit"),
    ([], "body"),
])
async def test_a_bad_window_is_422_naming_the_field(app: App, client: httpx.AsyncClient, body: object,
                                                    field: str) -> None:
    await ingest(app, company())
    response = await client.post(f"/v1/tenants/{TENANT}/plans", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field and field in response.json()["detail"]


async def test_a_window_of_exactly_three_years_is_fine(app: App, client: httpx.AsyncClient) -> None:
    await ingest(app, company())
    response = await client.post(f"/v1/tenants/{TENANT}/plans", json={"from": "2027-01-04", "to": "2030-01-04"})
    assert response.status_code == 201


async def test_an_unknown_tenant_is_404_and_a_tenant_without_agreements_an_empty_optimal_plan(
    app: App, client: httpx.AsyncClient
) -> None:
    assert (await client.post("/v1/tenants/nobody/plans", json=WINDOW)).status_code == 404
    await ingest(app, [message("DepartmentRegistered", tenant="quiet", department="rd", name="R&D")])
    response = await client.post("/v1/tenants/quiet/plans", json=WINDOW)
    assert response.status_code == 201
    plan = response.json()
    assert (plan["status"], plan["objective"], plan["assignments"], plan["unplanned"]) == ("optimal", 0, [], [])


async def test_accept_over_http_then_again_then_a_stale_plan(app: App, client: httpx.AsyncClient) -> None:
    await ingest(app, company())
    first = (await client.post(f"/v1/tenants/{TENANT}/plans", json=WINDOW)).json()
    second = (await client.post(f"/v1/tenants/{TENANT}/plans", json=WINDOW)).json()
    url = f"/v1/tenants/{TENANT}/plans/{first['plan_id']}/accept"
    done = await client.post(url, json={"on": "2027-01-05"})
    assert done.status_code == 200
    assert (done.json()["accepted"], done.json()["duplicate"], done.json()["rejected"]) == (3, 0, 0)
    again = await client.post(url)
    assert again.status_code == 200 and again.json()["duplicate"] == 3
    await ingest(app, [])
    stale = await client.post(f"/v1/tenants/{TENANT}/plans/{second['plan_id']}/accept")
    assert stale.status_code == 409
    assert {c["ref"] for c in stale.json()["changes"]} == {"a1", "a2", "a3"}
    assert "agreement a1 was booked since" in stale.json()["detail"]
    assert (await client.post(f"/v1/tenants/other/plans/{first['plan_id']}/accept")).status_code == 404
    bad = await client.post(url, json={"on": "tomorrow"})
    assert bad.status_code == 422 and bad.json()["field"] == "on"


def _eduplan(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("eduplan")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data")}
    env.pop("EDUPLAN_KAFKA_BOOTSTRAP", None)
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=180, check=False)


async def test_the_plan_command(app: App, database_url: str, tmp_path: Path) -> None:
    await ingest(app, company())
    window = ["--from", WINDOW["from"], "--to", WINDOW["to"]]
    made = _eduplan(database_url, tmp_path, "plan", "--tenant", TENANT, *window, "--json", "--time-limit", "10")
    assert made.returncode == 0, made.stderr
    plan = json.loads(made.stdout)
    assert plan["status"] == "optimal" and len(plan["assignments"]) == 3
    assert _eduplan(database_url, tmp_path, "plan", "--tenant", TENANT, "--from", "2027-03-01",
                    "--to", "2027-02-01").returncode == 2
    assert _eduplan(database_url, tmp_path, "plan", "--tenant", TENANT, "--from", "2027-02-30",
                    "--to", "2027-03-01").returncode == 2
    unknown = _eduplan(database_url, tmp_path, "plan", "--tenant", "nobody", *window)
    assert unknown.returncode == 1 and "nobody" in unknown.stderr
    shown = _eduplan(database_url, tmp_path, "plan", "--tenant", TENANT, *window)
    assert shown.returncode == 0 and "Unplanned (1)" in shown.stdout and "no_eligible_run" in shown.stdout

    accepted = _eduplan(database_url, tmp_path, "plan", "accept", plan["plan_id"], "--on", "2027-01-05")
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted=3 duplicate=0 rejected=0" in accepted.stdout
    again = _eduplan(database_url, tmp_path, "plan", "accept", plan["plan_id"])
    assert "accepted=0 duplicate=3 rejected=0" in again.stdout
    other = shown.stdout.split()[1]  # "Plan <plan_id> for bitzer, …": made before the first one was accepted
    stale = _eduplan(database_url, tmp_path, "plan", "accept", other)
    assert stale.returncode == 1 and "agreement a1 was booked since" in stale.stderr
    assert _eduplan(database_url, tmp_path, "plan", "accept", "no-such-plan").returncode == 1
