"""The HTTP door (contract §5) through an in-process ASGI client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
import structlog
from message_samples import TENANT, check_in, company_with_bookings, department, settled

from infra.settings import MAX_MESSAGE_BYTES
from services.core.app import App, app_for_url
from services.doors.http import create_app


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url)
    try:
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


async def test_post_one_envelope_accepted_duplicate_rejected(client: httpx.AsyncClient) -> None:
    msg = department("rd")
    first = await client.post("/v1/messages", json=msg)
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "accepted"
    assert body["tenant"] == TENANT and body["message_id"] == msg["message_id"]
    [ref] = body["events"]
    assert set(ref) == {"stream", "version", "position"} and ref["version"] == 1

    again = await client.post("/v1/messages", content=json.dumps(msg))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "tenant": TENANT, "message_id": msg["message_id"], "first": body}

    bad = await client.post("/v1/messages", json=check_in("b-9"))
    assert bad.status_code == 422
    rejected = bad.json()
    assert rejected["status"] == "rejected"
    assert rejected["reason"] == "unknown_booking"
    assert "b-9" in rejected["detail"]
    assert rejected["tenant"] == TENANT

    bad_again = await client.post("/v1/messages", json=check_in("b-9", message_id=rejected["message_id"]))
    assert bad_again.status_code == 200
    assert bad_again.json()["status"] == "duplicate" and bad_again.json()["first"] == rejected


async def test_post_an_array_answers_outcomes_in_order(client: httpx.AsyncClient) -> None:
    a = department("a")
    batch = [a, check_in("b-1"), *company_with_bookings(1), check_in("b-1"), a, "not an object"]
    response = await client.post("/v1/messages", json=batch)
    assert response.status_code == 200
    outcomes = response.json()
    assert isinstance(outcomes, list) and len(outcomes) == len(batch)
    assert [o["status"] for o in outcomes] == [
        "accepted", "rejected", "accepted", "accepted", "accepted", "duplicate", "rejected",
    ]
    assert [o["message_id"] for o in outcomes[:6]] == [m["message_id"] for m in batch[:6]]
    assert outcomes[1]["reason"] == "unknown_booking"
    assert outcomes[4]["events"][0]["version"] == 2
    assert outcomes[5]["first"] == outcomes[0]
    assert outcomes[6]["reason"] == "invalid_envelope"

    empty = await client.post("/v1/messages", json=[])
    assert empty.status_code == 200 and empty.json() == []


async def test_garbage_body_is_an_invalid_envelope(client: httpx.AsyncClient) -> None:
    for body in (b"garbage", b"", b"{\"tenant\": ", b"\xff\xfe", b"42", b"{}"):
        response = await client.post("/v1/messages", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, body
        outcome = response.json()
        assert outcome["status"] == "rejected" and outcome["reason"] == "invalid_envelope", body
        assert outcome["detail"]
        assert outcome["tenant"] is None and outcome["message_id"] is None


async def test_too_large_body_is_rejected_each_time(client: httpx.AsyncClient) -> None:
    msg = department("rd")
    msg["data"]["name"] = "x" * MAX_MESSAGE_BYTES
    for _ in range(2):
        response = await client.post("/v1/messages", json=msg)
        assert response.status_code == 422
        assert response.json()["reason"] == "too_large"
        assert response.json()["message_id"] is None


async def test_rejections_are_listed_per_tenant(client: httpx.AsyncClient) -> None:
    await client.post("/v1/messages", json=[check_in("b-1"), department("ok"), check_in("b-2"),
                                            check_in("b-3", tenant="other")])
    response = await client.get(f"/v1/tenants/{TENANT}/rejections")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"rejections"}
    assert [r["reason"] for r in body["rejections"]] == ["unknown_booking", "unknown_booking"]
    for r in body["rejections"]:
        assert r["status"] == "rejected" and r["tenant"] == TENANT and r["detail"] and r["message_id"]
    other = (await client.get("/v1/tenants/other/rejections")).json()
    assert len(other["rejections"]) == 1
    assert (await client.get("/v1/tenants/nobody/rejections")).status_code == 404  # no message on record


async def test_events_page_to_the_end_with_next(client: httpx.AsyncClient, core: App) -> None:
    sent = [department(f"d-{i}") for i in range(7)] + [department("elsewhere", tenant="other")]
    assert (await client.post("/v1/messages", json=sent)).status_code == 200
    await settled(core)

    first = await client.get(f"/v1/tenants/{TENANT}/events")
    assert first.status_code == 200
    assert set(first.json()) == {"events", "next"}
    assert len(first.json()["events"]) == 7

    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"after": after} if after is not None else {})
        page = (await client.get(f"/v1/tenants/{TENANT}/events", params=params)).json()
        after = page["next"]
        assert isinstance(after, str) and after
        if not page["events"]:
            break
        pages += 1
        seen += page["events"]
    assert pages == 3
    assert [e["data"]["department"] for e in seen] == [f"d-{i}" for i in range(7)]
    assert {e["tenant"] for e in seen} == {TENANT}
    for event in seen:
        assert {"position", "tenant", "stream", "version", "type", "occurred_at", "recorded_at", "message_id",
                "actor", "data", "schema_version"} <= set(event)

    # the next of an empty page continues once more events arrive
    await client.post("/v1/messages", json=department("late"))
    await settled(core)
    page = (await client.get(f"/v1/tenants/{TENANT}/events", params={"after": after})).json()
    assert [e["data"]["department"] for e in page["events"]] == ["late"]


async def test_events_with_a_bad_cursor_is_a_client_error(database_url: str) -> None:
    core = await app_for_url(database_url, max_size=2)
    api = create_app(app=core, run_projections=False)
    try:
        async with api.router.lifespan_context(api):
            # app errors become 500 responses here instead of being raised into the test
            transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
                answers = {}
                for cursor in ("nonsense", "1-2-3", "-1-0", "0-99999999999999999999999"):
                    response = await http.get(f"/v1/tenants/{TENANT}/events", params={"after": cursor})
                    answers[cursor] = response.status_code
    finally:
        await core.close()
    assert answers == {cursor: 400 for cursor in answers}


async def test_healthz_metrics_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"

    await client.post("/v1/messages", json=[department("a"), check_in("b-1")])
    await client.post("/v1/messages", content=b"garbage")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert "eduplan_messages_total" in text
    assert 'eduplan_messages_total{status="accepted"} 1' in text
    assert 'eduplan_messages_total{status="rejected"} 2' in text

    spec = await client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/v1/messages", "/v1/tenants/{tenant}/rejections", "/v1/tenants/{tenant}/events", "/healthz"):
        assert path in paths


async def test_rejections_without_a_readable_tenant_are_listed_apart(client: httpx.AsyncClient) -> None:
    too_large = department("rd")
    too_large["data"]["name"] = "x" * MAX_MESSAGE_BYTES
    await client.post("/v1/messages", content=b"not json")
    await client.post("/v1/messages", json=too_large)
    await client.post("/v1/messages", json=[department("rd", tenant="Not A Tenant!"), check_in("b-1")])

    response = await client.get("/v1/rejections", params={"unattributed": "true"})
    assert response.status_code == 200
    assert set(response.json()) == {"rejections"}
    listed = response.json()["rejections"]
    assert [r["reason"] for r in listed] == ["invalid_envelope", "too_large", "invalid_envelope"]
    assert all(r["tenant"] is None and r["status"] == "rejected" and r["detail"] and "type" in r for r in listed)

    mine = (await client.get(f"/v1/tenants/{TENANT}/rejections")).json()["rejections"]
    assert [(r["reason"], r["type"]) for r in mine] == [("unknown_booking", "ManagerCheckInHeld")]
    assert (await client.get("/v1/rejections")).status_code == 422  # only the unattributed ones are served here


async def test_healthz_names_no_database_error(client: httpx.AsyncClient, database_url: str, pg_server_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A database that is gone makes /healthz answer 503 with a fixed reason; the error's text (which names the
    database, its host or its user) goes to the log only."""
    from services.doors.http import ops

    logged = structlog.testing.CapturingLogger()
    monkeypatch.setattr(ops, "log", structlog.wrap_logger(logged, processors=[]), raising=False)
    assert (await client.get("/healthz")).status_code == 200
    name = urlsplit(database_url).path.lstrip("/")  # a socket directory may follow in the query
    admin = await asyncpg.connect(pg_server_url)
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    health = await client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "unreachable"}
    [call] = [c for c in logged.calls if c.method_name == "error"]
    assert call.kwargs["event"] == "healthz_database_unreachable" and call.kwargs["error"]
    assert call.kwargs["error"] not in health.text and name not in health.text
