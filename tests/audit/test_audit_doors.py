"""Tamper evidence through the doors: `eduplan audit …`, `GET /v1/tenants/{t}/audit/verify`, the guard at
start-up and on /healthz, and an export verified offline with only the public key."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from audit_support import KEY, history, rows, run, signed_log, tamper
from message_samples import TENANT

from infra.tokens import TokenStore
from services.core.app import App
from services.doors.http import create_app


def _feed(path: Path) -> Path:
    path.write_text("".join(json.dumps(message) + "\n" for message in history()), encoding="utf-8")
    return path


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await signed_log(database_url, keys=KEY)
    try:
        yield app
    finally:
        await app.close()


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    core.audit_keys = KEY
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


async def test_http_verify_answers_the_report(client: httpx.AsyncClient, core: App, database_url: str) -> None:
    log = await rows(database_url)
    intact = await client.get(f"/v1/tenants/{TENANT}/audit/verify")
    assert intact.status_code == 200
    assert intact.json() == {"status": "intact", "events": len(log),
                             "checkpoint": f"{log[-1]['transaction_id']}-{log[-1]['position']}"}
    assert (await client.get("/v1/tenants/nobody/audit/verify")).status_code == 404
    await tamper(database_url, "DELETE FROM events WHERE position = $1", args=(log[4]["position"],))
    broken = (await client.get(f"/v1/tenants/{TENANT}/audit/verify")).json()
    assert broken["status"] == "broken"
    assert {"kind": "removed", "stream": log[4]["stream"], "version": log[4]["version"],
            "position": log[4]["position"]}.items() <= broken["problems"][0].items()


async def test_http_verify_is_for_auditors_and_admins(client: httpx.AsyncClient, core: App) -> None:
    tokens = TokenStore(core.pool)
    answers = {}
    for role in ("hr_system", "leadership", "auditor", "admin"):
        _, text = await tokens.create(role, TENANT, None)
        reply = await client.get(f"/v1/tenants/{TENANT}/audit/verify", headers={"Authorization": f"Bearer {text}"})
        answers[role] = reply.status_code
    assert answers == {"hr_system": 403, "leadership": 403, "auditor": 200, "admin": 200}


async def test_healthz_answers_503_while_a_guard_trigger_is_disabled(client: httpx.AsyncClient, core: App) -> None:
    assert (await client.get("/healthz")).status_code == 200
    await core.pool.execute("ALTER TABLE events DISABLE TRIGGER events_no_update_delete")
    unhealthy = await client.get("/healthz")
    assert unhealthy.status_code == 503
    assert "events_no_update_delete" in json.dumps(unhealthy.json())
    await core.pool.execute("ALTER TABLE events ENABLE TRIGGER events_no_update_delete")
    await core.pool.execute("DROP TRIGGER events_chain_hash ON events")
    assert (await client.get("/healthz")).status_code == 503


async def test_serve_and_worker_refuse_to_start_without_the_guard(database_url: str, tmp_path: Path) -> None:
    assert run(database_url, tmp_path, "ingest", str(_feed(tmp_path / "feed.jsonl"))).returncode == 0
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("ALTER TABLE events DISABLE TRIGGER ALL")
    finally:
        await conn.close()
    serve = run(database_url, tmp_path, "serve", "--port", "8799", timeout=60)
    assert serve.returncode == 1, serve.stderr
    assert b"not protected" in serve.stderr and b"disabled" in serve.stderr
    worker = run(database_url, tmp_path, "worker", timeout=60, env={"EDUPLAN_KAFKA_BOOTSTRAP": "127.0.0.1:9"})
    assert worker.returncode == 1, worker.stderr
    assert b"not protected" in worker.stderr


async def test_cli_ingest_leaves_a_checkpoint_and_verify_exits_by_status(database_url: str, tmp_path: Path) -> None:
    env = {"EDUPLAN_AUDIT_KEY": "a shared secret"}
    assert run(database_url, tmp_path, "ingest", str(_feed(tmp_path / "feed.jsonl")), env=env).returncode == 0
    verified = run(database_url, tmp_path, "audit", "verify", "--tenant", TENANT, env=env)
    assert verified.returncode == 0, verified.stderr
    body = json.loads(verified.stdout)
    assert body["status"] == "intact" and body["events"] == len(history()) and "problems" not in body
    wrong = run(database_url, tmp_path, "audit", "verify", "--tenant", TENANT, env={"EDUPLAN_AUDIT_KEY": "guess"})
    assert wrong.returncode == 1 and json.loads(wrong.stdout)["status"] == "broken"
    await tamper(database_url, "UPDATE events SET actor = 'x' WHERE position = 3")
    broken = run(database_url, tmp_path, "audit", "verify", "--tenant", TENANT, env=env)
    assert broken.returncode == 1
    [problem] = json.loads(broken.stdout)["problems"]
    assert (problem["kind"], problem["position"]) == ("changed", 3)
    unknown = run(database_url, tmp_path, "audit", "verify", "--tenant", "nobody", env=env)
    assert unknown.returncode == 1 and b"nobody" in unknown.stderr


async def test_an_export_verifies_offline_with_only_the_public_key(database_url: str, tmp_path: Path) -> None:
    key = tmp_path / "audit.key"
    assert run(database_url, tmp_path, "audit", "keygen", "--out", str(key)).returncode == 0
    signing = {"EDUPLAN_AUDIT_SIGNING_KEY": str(key)}
    assert run(database_url, tmp_path, "ingest", str(_feed(tmp_path / "feed.jsonl")), env=signing).returncode == 0
    export = tmp_path / "acme.jsonl"
    exported = run(database_url, tmp_path, "audit", "export", "--tenant", TENANT, "--out", str(export), env=signing)
    assert exported.returncode == 0, exported.stderr
    key.unlink()  # the auditor has the public key only, and no database
    offline = {"EDUPLAN_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    verified = run(database_url, tmp_path, "audit", "verify", "--file", str(export),
                   "--public-key", f"{key}.pub", env=offline)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["events"] == len(history())
    without_key = run(database_url, tmp_path, "audit", "verify", "--file", str(export), env=offline)
    assert without_key.returncode == 1
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"actor":"hr-system:test"', '"actor":"someone"')
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tampered = run(database_url, tmp_path, "audit", "verify", "--file", str(export),
                   "--public-key", f"{key}.pub", env=offline)
    assert tampered.returncode == 1
    [problem] = json.loads(tampered.stdout)["problems"]
    assert problem["kind"] == "changed" and problem["position"] == json.loads(lines[3])["position"]
