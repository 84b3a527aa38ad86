"""The actions through the doors: HTTP JSON and CSV (in-process ASGI), and the CLI as a separate process —
shapes, filters, and the bad reads of CONTRACT §5."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date as D
from pathlib import Path
from typing import Any

import actions_facts as f
import httpx
import pytest

from services.core.app import App
from services.doors.http import create_app

T = "acme"
FACTS = (
    f.hire("boss", "hq", D(2020, 1, 1), family="manager"),
    f.hire("e1", "rd", D(2024, 1, 1)),
    f.hire("e2", "ops", D(2024, 1, 1), family="unskilled"),
    f.manager("e1", "boss"),
    f.review("e1", D(2025, 1, 10)),
    f.review("e2", D(2025, 1, 10)),
    f.agree("a1", "e1", D(2025, 1, 10), due=D(2025, 3, 31), title="Køling; niveau 2"),
    f.book("b2", "e2", D(2025, 4, 1), D(2025, 5, 5), D(2025, 5, 9), title="AMU truck"),
)
AS_OF = "2025-04-15"


@pytest.fixture
async def seeded(core: App, given: Any) -> App:
    await given(*FACTS)
    return core


@pytest.fixture
async def client(seeded: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=seeded, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


EXPECTED = [
    {"kind": "buddy_missing", "employee_id": "e2", "manager_id": None, "department": "ops", "ref": "b2",
     "since": "2025-04-01"},
    {"kind": "agreement_overdue", "employee_id": "e1", "manager_id": "boss", "department": "rd", "ref": "a1",
     "since": "2025-04-01"},
    {"kind": "review_missing", "employee_id": "boss", "manager_id": None, "department": "hq", "ref": "boss",
     "since": "2020-03-31"},
]


def _without_detail(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in a.items() if k != "detail"} for a in actions]


async def test_actions_over_http_with_filters(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/tenants/{T}/actions", params={"as_of": AS_OF})
    assert response.status_code == 200
    body = response.json()
    assert (body["tenant"], body["as_of"]) == (T, AS_OF)
    assert _without_detail(body["actions"]) == sorted(EXPECTED, key=lambda a: (a["since"], a["kind"], a["ref"]))
    assert all(isinstance(a["detail"], str) and a["detail"] for a in body["actions"])
    by_boss = (await client.get(f"/v1/tenants/{T}/actions", params={"as_of": AS_OF, "manager": "boss"})).json()
    assert [a["ref"] for a in by_boss["actions"]] == ["a1"]
    in_ops = (await client.get(f"/v1/tenants/{T}/actions", params={"as_of": AS_OF, "department": "ops"})).json()
    assert [a["ref"] for a in in_ops["actions"]] == ["b2"]


async def test_actions_csv_for_excel_in_english_and_danish(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/v1/tenants/{T}/actions")).json()  # today: whatever is due, same rows as CSV
    english = await client.get(f"/v1/tenants/{T}/actions.csv")
    assert english.status_code == 200 and english.headers["content-type"].startswith("text/csv")
    assert english.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["tenant", "as_of", "kind", "employee_id", "manager_id", "department", "ref", "since", "detail"]
    assert [r[2:] for r in rows[1:]] == [
        [a["kind"], a["employee_id"], a["manager_id"] or "", a["department"], a["ref"], a["since"], a["detail"]]
        for a in body["actions"]]
    danish = await client.get(f"/v1/tenants/{T}/actions.csv", params={"as_of": AS_OF, "lang": "da"})
    rows = list(csv.reader(io.StringIO(danish.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["virksomhed", "pr_dato", "handling", "medarbejder"]
    assert len(rows) == 1 + len(EXPECTED)
    overdue = next(r for r in rows if r[2] == "agreement_overdue")
    assert "Køling; niveau 2" in overdue[8]  # a ';' inside a field is quoted, not a new column
    assert len(overdue) == 9


async def test_bad_reads_of_actions_over_http(client: httpx.AsyncClient) -> None:
    for path in ("actions", "actions.csv"):
        assert (await client.get(f"/v1/tenants/nobody/{path}")).status_code == 404
        assert (await client.get(f"/v1/tenants/{T}/{path}", params={"as_of": "2025-4-1"})).status_code == 422


def _run(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    script = Path(sys.executable).with_name("eduplan")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data")}
    env.pop("EDUPLAN_KAFKA_BOOTSTRAP", None)
    return subprocess.run([*command, *args], capture_output=True, env=env, timeout=120, check=False)


async def test_actions_over_the_cli(seeded: App, database_url: str, tmp_path: Path) -> None:
    as_json = _run(database_url, tmp_path, "actions", "--tenant", T, "--as-of", AS_OF, "--json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert _without_detail(document["actions"]) == sorted(EXPECTED, key=lambda a: (a["since"], a["kind"], a["ref"]))
    piped = _run(database_url, tmp_path, "actions", "--tenant", T, "--as-of", AS_OF, "--manager", "boss")
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.decode().splitlines()
    assert lines[0].split("\t") == ["since", "kind", "employee_id", "manager_id", "department", "ref", "detail"]
    assert [line.split("\t")[:6] for line in lines[1:]] == [["2025-04-01", "agreement_overdue", "e1", "boss", "rd",
                                                             "a1"]]
    unknown = _run(database_url, tmp_path, "actions", "--tenant", "nobody")
    assert unknown.returncode == 1 and b"nobody" in unknown.stderr
    bad = _run(database_url, tmp_path, "actions", "--tenant", T, "--as-of", "15.04.2025")
    assert bad.returncode == 2
