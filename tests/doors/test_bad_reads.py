"""Bad reads (CONTRACT §5), one table over HTTP and one over the CLI, on one seeded database.

An unknown tenant (no message on record, accepted or rejected) is 404 / exit 1; a date that is not
exactly YYYY-MM-DD is 422 / exit 2; a cursor this service could not have given out (malformed, beyond
the log, another tenant's) is 400 / exit 2. The CLI says so in one line, never with a traceback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import run
from message_samples import TENANT, check_in, department, employee, settled

from projections import catch_up, ensure_schema
from services.core.app import App, app_for_url
from services.doors.http import create_app

ONLY_REJECTED = "only-rejected"  # on record, though nothing of it was ever accepted
OTHER = "other"
BAD_DATES = ("0", "1", "20260310", "2026-W10-2", "2026-3-1", "2026-02-30", "2026-03-10T00:00:00", "10/03/2026",
             "today")


@pytest.fixture(scope="module")
async def seeded(module_database_url: str) -> AsyncIterator[dict[str, Any]]:
    core = await app_for_url(module_database_url, max_size=4)
    try:
        outcomes = await core.intake.submit_many(
            [department("rd"), employee("e-1"), check_in("b-1"), check_in("b-2", tenant=ONLY_REJECTED),
             department("x", tenant=OTHER)], door="test")
        assert [o["status"] for o in outcomes] == ["accepted", "accepted", "rejected", "rejected", "accepted"]
        await settled(core)
        await ensure_schema(core.pool)
        await catch_up(core.pool)
        other_cursor = (await core.store.read_all(None, 10, tenant=OTHER))[0][0]["cursor"]
        mine = (await core.store.read_all(None, 10, tenant=TENANT))[0]
        yield {"url": module_database_url, "core": core, "other_cursor": other_cursor,
               "my_cursor": mine[0]["cursor"], "head_position": mine[-1]["position"]}
    finally:
        await core.close()


@pytest.fixture(scope="module")
async def client(seeded: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    core: App = seeded["core"]
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


def _beyond_the_log(seeded: dict[str, Any]) -> str:
    xid, _ = seeded["my_cursor"].split("-")
    return f"{int(xid) + 10_000}-{seeded['head_position'] + 10_000}"


HTTP_TABLE: list[tuple[str, str, dict[str, str], int]] = [
    # what, path, query, status
    ("unknown tenant: kpis", "/v1/tenants/nobody/kpis", {}, 404),
    ("unknown tenant: rejections", "/v1/tenants/nobody/rejections", {}, 404),
    ("unknown tenant: events", "/v1/tenants/nobody/events", {}, 404),
    ("unknown tenant: dashboard page", "/", {"tenant": "nobody"}, 404),
    ("unknown tenant: not even a valid name", "/v1/tenants/No%20Body!/kpis", {}, 404),
    *[(f"bad date {d!r}: kpis", f"/v1/tenants/{TENANT}/kpis", {"as_of": d}, 422) for d in BAD_DATES],
    *[(f"bad date {d!r}: dashboard", "/", {"tenant": TENANT, "as_of": d}, 422) for d in ("0", "2026-02-30")],
    ("bad date before unknown tenant", "/v1/tenants/nobody/kpis", {"as_of": "0"}, 422),
    *[(f"unknown tenant: {p}", f"/v1/tenants/nobody/{p}", {}, 404) for p in ("actions", "actions.csv", "calendar.ics")],
    *[(f"bad date {d!r}: {p}", f"/v1/tenants/{TENANT}/{p}", {"as_of": d}, 422)
      for p in ("actions", "actions.csv", "calendar.ics") for d in ("0", "2026-02-30", "today")],
    *[(f"malformed cursor {c!r}", f"/v1/tenants/{TENANT}/events", {"after": c}, 400)
      for c in ("garbage", "1-2-3", "-1-0", "1-x", "0-99999999999999999999999")],
    ("cursor beyond the log", f"/v1/tenants/{TENANT}/events", {"after": "BEYOND"}, 400),
    ("cursor at no event", f"/v1/tenants/{TENANT}/events", {"after": "1-1"}, 400),
    ("another tenant's cursor", f"/v1/tenants/{TENANT}/events", {"after": "OTHER"}, 400),
    # what is fine stays fine
    ("known tenant with only rejections: kpis", f"/v1/tenants/{ONLY_REJECTED}/kpis", {"as_of": "2026-11-20"}, 200),
    ("known tenant with only rejections: events", f"/v1/tenants/{ONLY_REJECTED}/events", {}, 200),
    *[(f"known tenant with only rejections: {p}", f"/v1/tenants/{ONLY_REJECTED}/{p}", {"as_of": "2026-11-20"}, 200)
      for p in ("actions", "actions.csv", "calendar.ics")],
    ("known tenant with only rejections: page", "/", {"tenant": ONLY_REJECTED, "as_of": "2026-11-20"}, 200),
    ("a real date", f"/v1/tenants/{TENANT}/kpis", {"as_of": "2024-02-29"}, 200),
    ("the start cursor", f"/v1/tenants/{TENANT}/events", {"after": "0-0"}, 200),
    ("a cursor it gave out", f"/v1/tenants/{TENANT}/events", {"after": "MINE"}, 200),
]


def _fill(query: dict[str, str], seeded: dict[str, Any]) -> dict[str, str]:
    names = {"BEYOND": _beyond_the_log(seeded), "OTHER": seeded["other_cursor"], "MINE": seeded["my_cursor"]}
    return {key: names.get(value, value) for key, value in query.items()}


@pytest.mark.parametrize(("what", "path", "query", "status"), HTTP_TABLE, ids=[row[0] for row in HTTP_TABLE])
async def test_bad_reads_over_http(client: httpx.AsyncClient, seeded: dict[str, Any], what: str, path: str,
                                   query: dict[str, str], status: int) -> None:
    response = await client.get(path, params=_fill(query, seeded))
    assert response.status_code == status, (what, response.text[:300])
    if status in (400, 404) and not path == "/":
        assert response.json()["detail"]
    if status == 422 and path != "/":
        assert "as_of" in json.dumps(response.json()["detail"])  # the error names the field


async def test_a_rejection_only_tenant_reads_empty(client: httpx.AsyncClient) -> None:
    events = (await client.get(f"/v1/tenants/{ONLY_REJECTED}/events")).json()
    assert events == {"events": [], "next": "0-0"}
    rejections = (await client.get(f"/v1/tenants/{ONLY_REJECTED}/rejections")).json()["rejections"]
    assert [r["reason"] for r in rejections] == ["unknown_booking"]


CLI_TABLE: list[tuple[str, list[str], int]] = [
    # what, arguments, exit code
    ("unknown tenant: kpi", ["kpi", "--tenant", "nobody"], 1),
    ("unknown tenant: rejections", ["rejections", "--tenant", "nobody"], 1),
    ("unknown tenant: events", ["events", "--tenant", "nobody"], 1),
    ("bad date 0", ["kpi", "--tenant", TENANT, "--as-of", "0"], 2),
    ("impossible date", ["kpi", "--tenant", TENANT, "--as-of", "2026-02-30"], 2),
    ("week date", ["kpi", "--tenant", TENANT, "--as-of", "2026-W10-2"], 2),
    ("unknown tenant: actions", ["actions", "--tenant", "nobody"], 1),
    ("bad date: actions", ["actions", "--tenant", TENANT, "--as-of", "2026-02-30"], 2),
    ("known tenant with only rejections: actions",
     ["actions", "--tenant", ONLY_REJECTED, "--as-of", "2026-11-20", "--json"], 0),
    ("malformed cursor", ["events", "--tenant", TENANT, "--after", "garbage"], 2),
    ("cursor beyond the log", ["events", "--tenant", TENANT, "--after", "BEYOND"], 2),
    ("another tenant's cursor", ["events", "--tenant", TENANT, "--after", "OTHER"], 2),
    ("known tenant with only rejections", ["kpi", "--tenant", ONLY_REJECTED, "--as-of", "2026-11-20", "--json"], 0),
]


@pytest.mark.parametrize(("what", "args", "code"), CLI_TABLE, ids=[row[0] for row in CLI_TABLE])
async def test_bad_reads_over_the_cli(seeded: dict[str, Any], tmp_path: Path, what: str, args: list[str],
                                      code: int) -> None:
    names = {"BEYOND": _beyond_the_log(seeded), "OTHER": seeded["other_cursor"]}
    done = run(seeded["url"], tmp_path, *(names.get(arg, arg) for arg in args))
    stderr = done.stderr.decode()
    assert done.returncode == code, (what, stderr)
    assert "Traceback" not in stderr
    if code == 0:
        return
    assert done.stdout == b""
    lines = stderr.strip().splitlines()
    if lines[-1].startswith("eduplan: "):
        assert len(lines) == 1, stderr  # said in one line
    else:  # the argument parser: its usage line, then the error naming the option
        assert "--as-of" in lines[-1] and "YYYY-MM-DD" in lines[-1], stderr
    if code == 1:
        assert "no message on record" in stderr and "nobody" in stderr
