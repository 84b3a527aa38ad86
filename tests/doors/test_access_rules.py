"""The access rules' edges: messages for a tenant the token does not hold, tokens in URLs, routes without
a rule, and tokens created or revoked while the server runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from access_support import OTHER, OWN, http_client, seed, token
from fastapi import APIRouter, FastAPI
from message_samples import department

from infra.tokens import TokenStore
from services.core.app import App, app_for_url
from services.doors.http.access import check_every_route, public, requires, token_in_query


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=4)
    try:
        await seed(app)
        yield app
    finally:
        await app.close()


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(core) as http:
        yield http


async def _outcome_count(core: App) -> int:
    return int(await core.pool.fetchval("SELECT count(*) FROM outcomes"))


async def test_a_message_for_another_tenant_is_403_and_nothing_is_stored(core: App, client: httpx.AsyncClient) -> None:
    writer = await token(TokenStore(core.pool), "hr_system", OWN)
    before = await _outcome_count(core)
    foreign = department("qa", tenant=OTHER, message_id="m-foreign")
    response = await client.post("/v1/messages", json=foreign, headers=writer)
    assert response.status_code == 403
    assert response.json() == {"status": "rejected", "tenant": OTHER, "message_id": "m-foreign",
                               "reason": "forbidden", "detail": response.json()["detail"]}
    assert OTHER in response.json()["detail"]
    assert await _outcome_count(core) == before
    assert await core.store.outcome(OTHER, "m-foreign") is None  # the other tenant's id is not used up


async def test_one_foreign_message_in_an_array_refuses_the_whole_array(core: App, client: httpx.AsyncClient) -> None:
    writer = await token(TokenStore(core.pool), "hr_system", OWN)
    before = await _outcome_count(core)
    batch = [department("qa", message_id="m-own"), department("qa", tenant=OTHER, message_id="m-theirs"),
             "not an envelope"]
    response = await client.post("/v1/messages", json=batch, headers=writer)
    assert response.status_code == 403
    body = response.json()
    assert [(f["index"], f["tenant"], f["reason"]) for f in body["forbidden"]] == [(1, OTHER, "forbidden")]
    assert "nothing" in body["detail"]
    assert await _outcome_count(core) == before
    assert await core.store.outcome(OWN, "m-own") is None


async def test_an_invalid_envelope_naming_another_tenant_is_refused_too(core: App, client: httpx.AsyncClient) -> None:
    # Stored as a rejection it would land among the other tenant's and use up its message id.
    writer = await token(TokenStore(core.pool), "hr_system", OWN)
    broken = {"message_id": "m-broken", "tenant": OTHER, "type": "DepartmentRegistered", "data": {}}
    response = await client.post("/v1/messages", json=broken, headers=writer)
    assert response.status_code == 403 and response.json()["reason"] == "forbidden"
    assert await core.store.outcome(OTHER, "m-broken") is None


async def test_own_tenant_and_unreadable_tenants_go_through_the_intake(core: App, client: httpx.AsyncClient) -> None:
    writer = await token(TokenStore(core.pool), "hr_system", OWN)
    accepted = await client.post("/v1/messages", json=department("qa", message_id="m-qa"), headers=writer)
    assert accepted.status_code == 201
    unreadable = await client.post("/v1/messages", content=b"{not json", headers=writer)
    assert unreadable.status_code == 422 and unreadable.json()["reason"] == "invalid_envelope"
    every = await token(TokenStore(core.pool), "hr_system", None)
    both = [department("ops", message_id="m-ops"), department("ops", tenant=OTHER, message_id="m-ops")]
    response = await client.post("/v1/messages", json=both, headers=every)
    assert [o["status"] for o in response.json()] == ["accepted", "accepted"]


QUERIES_WITH_TOKENS = ("access_token={token}", "token={token}", "TOKEN=x", "api_key=x",
                       "as_of=2026-01-01&Authorization=x", "as_of={token}", "next=%2F%3Fx%3D{token}")


async def test_a_token_in_the_query_string_is_refused(core: App, client: httpx.AsyncClient) -> None:
    tokens = TokenStore(core.pool)
    _, text = await tokens.create("admin", None, None)
    for query in QUERIES_WITH_TOKENS:
        for path in ("/v1/tenants/acme/kpis", "/healthz", "/", "/signin"):
            response = await client.get(f"{path}?{query.format(token=text)}")
            assert response.status_code == 400, (path, query)
            assert "Authorization: Bearer" in response.json()["detail"]
    # The same token in the header is fine: the refusal is about where it was, not what it was.
    assert (await client.get("/v1/tenants/acme/kpis", headers={"Authorization": f"Bearer {text}"})).status_code == 200


def test_ordinary_queries_are_not_taken_for_tokens() -> None:
    assert not token_in_query("as_of=2026-01-01&lang=da&tenant=acme&department=rd")
    assert not token_in_query("after=123-456&limit=10")
    assert not token_in_query("")


def test_an_app_with_a_route_without_a_rule_is_not_built() -> None:
    router = APIRouter()

    @router.get("/v1/tenants/{tenant}/forgotten")
    async def forgotten(tenant: str) -> dict[str, str]:
        return {}

    @router.get("/fine", dependencies=[public("a test")])
    async def fine() -> dict[str, str]:
        return {}

    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    api.include_router(router)
    with pytest.raises(RuntimeError, match=r"GET /v1/tenants/\{tenant\}/forgotten declares no access rule"):
        check_every_route(api)


def test_a_rule_must_fit_its_path() -> None:
    misfits = (("/v1/reports", requires("leadership")), ("/v1/tenants/{tenant}/x", requires("admin", tenant="all")))
    for path, rule in misfits:
        router = APIRouter()
        router.add_api_route(path, lambda: {}, dependencies=[rule])
        api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        api.include_router(router)
        with pytest.raises(RuntimeError, match="tenant='path'"):
            check_every_route(api)


def test_fastapis_own_documentation_routes_would_be_refused() -> None:
    api = FastAPI()  # /openapi.json, /docs and /redoc as FastAPI adds them: no rule can be declared on them
    with pytest.raises(RuntimeError, match="/docs"):
        check_every_route(api)


async def test_a_token_created_while_running_ends_open_mode_at_the_next_request(core: App,
                                                                                client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/tenants/acme/kpis")).status_code == 200  # open mode
    tokens = TokenStore(core.pool)
    record, text = await tokens.create("leadership", OWN, "first")
    closed = await client.get("/v1/tenants/acme/kpis")
    assert closed.status_code == 401 and closed.headers["www-authenticate"] == "Bearer"
    bearer = {"Authorization": f"Bearer {text}"}
    assert (await client.get("/v1/tenants/acme/kpis", headers=bearer)).status_code == 200
    await tokens.revoke(record.id)
    revoked = await client.get("/v1/tenants/acme/kpis", headers=bearer)
    assert revoked.status_code == 401 and 'error="invalid_token"' in revoked.headers["www-authenticate"]
    # Revoking the only token does not reopen the service.
    assert (await client.get("/v1/tenants/acme/kpis")).status_code == 401


async def test_open_mode_answers_loopback_peers_only(core: App) -> None:
    async with http_client(core, peer="192.0.2.7") as remote:
        response = await remote.get("/v1/tenants/acme/kpis")
        assert response.status_code == 401 and "loopback" in response.json()["detail"]
        assert (await remote.get("/healthz")).status_code == 200
    async with http_client(core, peer="::1") as local:
        assert (await local.get("/v1/tenants/acme/kpis")).status_code == 200


async def test_open_mode_refuses_a_token_it_does_not_know(client: httpx.AsyncClient) -> None:
    bogus = {"Authorization": "Bearer eduplan_0123456789ab_" + "B" * 43}
    assert (await client.get("/v1/tenants/acme/kpis", headers=bogus)).status_code == 401


async def test_tokens_are_stored_only_as_digests_and_last_use_is_recorded(core: App,
                                                                          client: httpx.AsyncClient) -> None:
    tokens = TokenStore(core.pool)
    record, text = await tokens.create("auditor", OWN, "audit firm")
    assert record.last_used_at is None
    await client.get("/v1/tenants/acme/events", headers={"Authorization": f"Bearer {text}"})
    rows = await core.pool.fetch("SELECT * FROM access_tokens")
    stored = json.dumps([{k: str(v) for k, v in dict(row).items()} for row in rows])
    assert text not in stored and text.split("_")[-1] not in stored
    [listed] = [r for r in await tokens.list() if r.id == record.id]
    assert listed.last_used_at is not None and text.startswith(f"eduplan_{record.id}_")


async def test_admin_erases_over_http_and_the_name_reads_null(core: App, client: httpx.AsyncClient) -> None:
    tokens = TokenStore(core.pool)
    admin = await token(tokens, "admin", OWN)
    erased = await client.post(f"/v1/tenants/{OWN}/employees/e-1/erase", headers=admin)
    assert erased.status_code == 200 and erased.json() == {"tenant": OWN, "employee_id": "e-1", "erased": True}
    again = await client.post(f"/v1/tenants/{OWN}/employees/e-1/erase", headers=admin)
    assert again.json()["erased"] is False
    events = (await client.get(f"/v1/tenants/{OWN}/events", headers=admin)).json()["events"]
    [registered] = [e for e in events if e["type"] == "EmployeeRegistered"]
    assert registered["data"]["name"] is None
    other = (await client.get(f"/v1/tenants/{OTHER}/events", headers=await token(tokens, "admin", None))).json()
    assert [e["data"]["name"] for e in other["events"] if e["type"] == "EmployeeRegistered"] == ["Person e-1"]
