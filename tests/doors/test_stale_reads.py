"""A KPI read never answers with figures that miss an accepted message: 503 with Retry-After over HTTP,
a message and exit 75 in the CLI, until the projections have caught up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from cli_support import run
from message_samples import TENANT, department, employee, settled

from infra.append_data import stream_lock_key
from projections import catch_up, ensure_schema
from services.core.app import App, app_for_url
from services.doors.http import create_app

AS_OF = "2026-11-20"


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=4)
    try:
        await app.intake.submit_many([department("rd"), employee("e-1")], door="test")
        await settled(app)
        await ensure_schema(app.pool)
        await catch_up(app.pool)
        yield app
    finally:
        await app.close()


async def test_kpis_answer_503_with_retry_after_while_the_projections_are_behind(core: App) -> None:
    api = create_app(app=core, run_projections=False)  # no runner: nothing folds the next message
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            fresh = await http.get(f"/v1/tenants/{TENANT}/kpis", params={"as_of": AS_OF})
            assert fresh.status_code == 200 and fresh.json()["company"]["active_employees"] == 1

            assert (await http.post("/v1/messages", json=employee("e-2"))).status_code == 201
            behind = await http.get(f"/v1/tenants/{TENANT}/kpis", params={"as_of": AS_OF})
            assert behind.status_code == 503, behind.text
            assert int(behind.headers["Retry-After"]) > 0
            assert "active_employees" not in behind.text and behind.json()["detail"]

            await catch_up(core.pool)
            caught_up = await http.get(f"/v1/tenants/{TENANT}/kpis", params={"as_of": AS_OF})
            assert caught_up.status_code == 200 and caught_up.json()["company"]["active_employees"] == 2


async def test_cli_kpi_says_the_figures_are_behind_and_exits_75(core: App, database_url: str,
                                                                tmp_path: Path) -> None:
    # An open append (a stream's lock and a transaction id) keeps every later commit beyond the readers'
    # horizon, so neither a runner nor the command's own catch-up can read the next message meanwhile.
    holder = await asyncpg.connect(database_url)
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key(TENANT, "employee-held"))
            await holder.fetchval("SELECT pg_current_xact_id()")
            [accepted] = await core.intake.submit_many([employee("e-2")], door="test")
            assert accepted["status"] == "accepted"
            behind = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, "--json")
            assert behind.returncode == 75, behind.stdout.decode()[:300]
            assert behind.stdout == b""
            [line] = behind.stderr.decode().strip().splitlines()
            assert line.startswith("eduplan: ") and "try again" in line
    finally:
        await holder.close()

    fresh = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, "--json")
    assert fresh.returncode == 0, fresh.stderr.decode()
    assert json.loads(fresh.stdout)["company"]["active_employees"] == 2
