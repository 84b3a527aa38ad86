"""`eduplan export xapi` and `GET /v1/tenants/{t}/export/xapi`: the same statements through both doors,
404 / exit 1 for a tenant with no message on record, 422 / exit 2 for a date that is not one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from message_samples import TENANT, check_in, company_with_bookings, completed, envelope, knowledge_shared, settled

from services.core.app import App, app_for_url
from services.core.xapi import xapi_lines
from services.doors.http import create_app

ADL = "http://adlnet.gov/expapi/verbs/"
HISTORY_VERBS = ["registered", "registered", "completed", "passed", "shared", "voided"]


def cancelled(booking_id: str, on: str = "2026-03-20") -> dict[str, Any]:
    return envelope("CourseCancelled", {"booking_id": booking_id, "cancelled_on": on, "reason": "Sygdom"})


async def _record_history(core: App) -> None:
    """Two bookings: b-1 completed (no `passed`: the contract's default, true) and shared, b-2 cancelled;
    and a rejected message of another tenant, which puts that tenant on record with no events."""
    messages = [*company_with_bookings(2), completed("b-1"), knowledge_shared("b-1"), cancelled("b-2"),
                check_in("b-9", tenant="only-rejections")]
    outcomes = await core.intake.submit_many(messages, door="test")
    assert [o["status"] for o in outcomes] == ["accepted"] * 7 + ["rejected"]
    await settled(core)


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url)
    try:
        await _record_history(app)
        yield app
    finally:
        await app.close()


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://eduplan.test") as http:
            yield http


def _verbs(text: str) -> list[str]:
    return [json.loads(line)["verb"]["id"].removeprefix(ADL) for line in text.splitlines()]


async def test_http_streams_the_statements_as_json_lines(client: httpx.AsyncClient, core: App) -> None:
    answer = await client.get(f"/v1/tenants/{TENANT}/export/xapi")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-ndjson"
    expected = "".join([line async for line in xapi_lines(core.store, TENANT,
                                                          homepage=core.settings.xapi_homepage)])
    assert answer.text == expected
    assert _verbs(answer.text) == HISTORY_VERBS
    assert {json.loads(line)["actor"]["account"]["homePage"] for line in answer.text.splitlines()} == {
        core.settings.xapi_homepage}

    later = await client.get(f"/v1/tenants/{TENANT}/export/xapi", params={"since": "2026-04-10"})
    assert _verbs(later.text) == ["completed", "passed", "shared"]


async def test_http_answers_404_for_an_unknown_tenant_and_422_for_a_bad_date(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/tenants/nobody/export/xapi")).status_code == 404
    empty = await client.get("/v1/tenants/only-rejections/export/xapi")
    assert empty.status_code == 200 and empty.text == ""
    for bad in ("2026-02-30", "yesterday", "10-03-2026", "20260310", "0", "2026-03-10T00:00:00", "2026-W11-2"):
        answer = await client.get(f"/v1/tenants/{TENANT}/export/xapi", params={"since": bad})
        assert answer.status_code == 422, bad
        assert "since" in answer.text


def _eduplan() -> list[str]:
    script = Path(sys.executable).with_name("eduplan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]


def run(database_url: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data"),
                   **env}
    environment.pop("EDUPLAN_KAFKA_BOOTSTRAP", None)
    if "EDUPLAN_XAPI_HOMEPAGE" not in env:
        environment.pop("EDUPLAN_XAPI_HOMEPAGE", None)
    return subprocess.run([*_eduplan(), *args], capture_output=True, text=True, env=environment, timeout=120,
                          check=False)


async def test_cli_writes_the_same_statements_to_stdout_or_a_file(core: App, database_url: str,
                                                                   tmp_path: Path) -> None:
    shown = run(database_url, tmp_path, "export", "xapi", "--tenant", TENANT)
    assert shown.returncode == 0, shown.stderr
    assert _verbs(shown.stdout) == HISTORY_VERBS
    assert {json.loads(line)["actor"]["account"]["homePage"] for line in shown.stdout.splitlines()} == {
        "https://eduplan.invalid"}

    out = tmp_path / "acme.jsonl"
    written = run(database_url, tmp_path, "export", "xapi", "--tenant", TENANT, "--out", str(out))
    assert written.returncode == 0 and written.stdout == ""
    assert out.read_text(encoding="utf-8") == shown.stdout
    assert [name for name in os.listdir(tmp_path) if name.startswith(".xapi-")] == []  # no partial file left

    since = run(database_url, tmp_path, "export", "xapi", "--tenant", TENANT, "--since", "2026-03-20")
    assert _verbs(since.stdout) == ["completed", "passed", "shared", "voided"]

    homed = run(database_url, tmp_path, "export", "xapi", "--tenant", TENANT,
                EDUPLAN_XAPI_HOMEPAGE="https://hr.acme.example/")
    lines = [json.loads(line) for line in homed.stdout.splitlines()]
    assert {s["actor"]["account"]["homePage"] for s in lines} == {"https://hr.acme.example/"}
    assert lines[0]["object"]["id"] == "https://hr.acme.example/xapi/acme/bookings/b-1"
    assert [s["id"] for s in lines] == [json.loads(line)["id"] for line in shown.stdout.splitlines()]


async def test_cli_exits_1_for_an_unknown_tenant_and_2_for_bad_input(core: App, database_url: str,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "nobody.jsonl"
    unknown = run(database_url, tmp_path, "export", "xapi", "--tenant", "nobody", "--out", str(out))
    assert unknown.returncode == 1 and "nobody" in unknown.stderr and unknown.stdout == ""
    assert not out.exists()

    for bad in ("2026-02-30", "20260310"):
        bad_date = run(database_url, tmp_path, "export", "xapi", "--tenant", TENANT, "--since", bad)
        assert bad_date.returncode == 2 and bad in bad_date.stderr

    bad_home = run(database_url, tmp_path, "export", "xapi", "--tenant", TENANT, "--out", str(out),
                   EDUPLAN_XAPI_HOMEPAGE="hr.acme.example")
    assert bad_home.returncode == 2 and "EDUPLAN_XAPI_HOMEPAGE" in bad_home.stderr
    assert not out.exists()

    assert run(database_url, tmp_path, "export", "xapi").returncode == 2  # --tenant is required
    assert run(database_url, tmp_path, "export").returncode == 2  # a kind is required
