"""POST /v1/messages answers the same whichever way a request takes: directly (a body of known length)
or through the route (a streamed body, no Content-Length) — same status, same bytes."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from access_support import ORIGIN, OTHER, OWN, http_client, seed, token
from message_samples import department

from infra.tokens import TokenStore
from services.core.app import App, app_for_url
from services.core.reads import ProjectionsBehind, UnknownTenant
from services.doors.http import create_app
from services.doors.http.access import AccessRule
from services.doors.http.messages import DirectMessages


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=4)
    try:
        await seed(app)
        yield app
    finally:
        await app.close()


async def _both(client: httpx.AsyncClient, body: Any, headers: dict[str, str]) -> tuple[httpx.Response, ...]:
    raw = json.dumps(body).encode()

    async def streamed() -> AsyncIterator[bytes]:
        yield raw

    direct = await client.post("/v1/messages", content=raw, headers=headers)
    assert "content-length" in direct.request.headers
    routed = await client.post("/v1/messages", content=streamed(), headers=headers)
    assert "content-length" not in routed.request.headers
    return direct, routed


def _same(direct: httpx.Response, routed: httpx.Response) -> None:
    assert (direct.status_code, direct.content) == (routed.status_code, routed.content)
    assert direct.headers["content-type"] == routed.headers["content-type"]


async def test_refusals_and_token_errors_are_answered_alike(core: App) -> None:
    tokens = TokenStore(core.pool)
    writer = await token(tokens, "hr_system", OWN)
    reader = await token(tokens, "leadership", OWN)
    revoked, text = await tokens.create("hr_system", OWN, None)
    await tokens.revoke(revoked.id)
    foreign = department("qa", tenant=OTHER, message_id="m-foreign")
    async with http_client(core) as client:
        cases = [
            (foreign, writer, 403),
            ([department("qa", message_id="m-own"), foreign], writer, 403),
            (department("qa", message_id="m-1"), reader, 403),
            (department("qa", message_id="m-1"), {"Authorization": f"Bearer {text}"}, 401),
            (department("qa", message_id="m-1"), {"Authorization": "Basic YWRtaW46YWRtaW4="}, 401),
            (department("qa", message_id="m-1"), {}, 401),
        ]
        for body, headers, status in cases:
            direct, routed = await _both(client, body, headers)
            assert direct.status_code == status
            _same(direct, routed)
            if status == 401:
                assert direct.headers["www-authenticate"] == routed.headers["www-authenticate"]
    assert await core.store.outcome(OWN, "m-1") is None
    assert await core.store.outcome(OWN, "m-own") is None


async def test_outcomes_of_either_way_are_the_others_duplicates(core: App, monkeypatch: pytest.MonkeyPatch) -> None:
    routed_calls: list[str] = []
    route_rule = AccessRule.__call__

    @functools.wraps(route_rule)  # the same signature, so the same dependencies
    async def counted(self: AccessRule, request: Any, credentials: Any = None) -> Any:
        routed_calls.append(request.url.path)
        return await route_rule(self, request, credentials)

    monkeypatch.setattr(AccessRule, "__call__", counted)
    writer = await token(TokenStore(core.pool), "hr_system", OWN)
    async with http_client(core) as client:
        first = department("qa", message_id="m-a")
        direct, again = await _both(client, first, writer)
        assert direct.status_code == 201 and again.status_code == 200
        assert routed_calls == ["/v1/messages"]  # the streamed one only: the other went the direct way
        assert again.json() == {"status": "duplicate", "tenant": OWN, "message_id": "m-a", "first": direct.json()}

        routed = await client.post("/v1/messages", content=_stream(department("ops", message_id="m-b")),
                                   headers=writer)
        assert routed.status_code == 201
        duplicate = await client.post("/v1/messages", json=department("ops", message_id="m-b"), headers=writer)
        assert duplicate.status_code == 200 and duplicate.json()["first"] == routed.json()

        rejected, rejected_again = await _both(client, {"tenant": OWN, "message_id": "m-c"}, writer)
        assert rejected.status_code == 422 and rejected.json()["reason"] == "invalid_envelope"
        assert rejected_again.json()["first"] == rejected.json()

        array, array_again = await _both(client, [department("hr", message_id="m-d"), "x"], writer)
        assert array.status_code == array_again.status_code == 200
        assert [o["status"] for o in array.json()] == ["accepted", "rejected"]
        assert array_again.json()[0]["first"] == array.json()[0]


async def test_open_mode_takes_the_direct_way_on_loopback_only(database_url: str) -> None:
    app = await app_for_url(database_url, max_size=4)
    try:
        await seed(app)
        async with http_client(app) as client:
            direct, routed = await _both(client, department("qa", message_id="m-open"), {})
            assert direct.status_code == 201 and routed.status_code == 200
        async with http_client(app, peer="192.0.2.7") as client:
            direct, routed = await _both(client, department("qa", message_id="m-far"), {})
            assert direct.status_code == 401
            _same(direct, routed)
    finally:
        await app.close()


def test_the_direct_way_uses_the_routes_own_rule() -> None:
    from services.doors.http import create_app
    from services.doors.http.access import rule_of, served_routes

    api = create_app(run_projections=False)
    [route] = [r for r in served_routes(api) if getattr(r, "path", "") == "/v1/messages"]
    direct = DirectMessages(api)
    request = type("R", (), {"app": api})()
    assert direct._find_rule(request) is rule_of(route)  # type: ignore[arg-type]


def _stream(body: Any) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        yield json.dumps(body).encode()

    return chunks()


async def test_a_chunked_body_never_takes_the_direct_way_whatever_length_it_declares() -> None:
    """A body sent chunked may be longer than its Content-Length says: the route reads and limits it."""
    handed: list[bytes] = []
    received = 0

    async def route(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        handed.append(message["body"])

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"x" * 100_000, "more_body": False}

    async def send(message: Any) -> None:
        raise AssertionError("the direct way answered")

    scope = {"type": "http", "method": "POST", "path": "/v1/messages", "query_string": b"", "root_path": "",
             "headers": [(b"content-length", b"5"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 50000)}
    await DirectMessages(route)(scope, receive, send)
    assert handed == [b"x" * 100_000] and received == 1  # the route got the body untouched, read once by it


@contextlib.asynccontextmanager
async def _tolerant_client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """A client that receives the server's own answer to an exception (as a real server's client does)."""
    api = create_app(app=app, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 50123), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            yield client


def _raising(error: Exception) -> Any:
    async def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fail


async def test_errors_of_the_intake_are_answered_alike(core: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the app's exception handlers answer for the route (a 503 with Retry-After, a 404), and the server's
    500 for anything else, the direct way answers too: same status, headers and bytes."""
    writer = await token(TokenStore(core.pool), "hr_system", OWN)
    cases = [
        (ProjectionsBehind(OWN, retry_after=7), 503),
        (UnknownTenant(OWN), 404),
        (RuntimeError("unexpected"), 500),
    ]
    async with _tolerant_client(core) as client:
        for error, status in cases:
            monkeypatch.setattr(core.intake, "submit", _raising(error))
            monkeypatch.setattr(core.intake, "process", _raising(error))
            for body in (department("qa", message_id="m-err"), [department("qa", message_id="m-err")]):
                direct, routed = await _both(client, body, writer)
                assert direct.status_code == status, (error, direct.text)
                _same(direct, routed)
                assert direct.headers.get("retry-after") == routed.headers.get("retry-after")
        assert direct.headers.get("retry-after") is None
    monkeypatch.undo()
    assert await core.store.outcome(OWN, "m-err") is None


async def test_a_database_gone_is_answered_alike(database_url: str, pg_server_url: str) -> None:
    app = await app_for_url(database_url, max_size=4)
    try:
        await seed(app)
        writer = await token(TokenStore(app.pool), "hr_system", OWN)
        async with _tolerant_client(app) as client:
            admin = await asyncpg.connect(pg_server_url)
            try:
                await admin.execute(f'DROP DATABASE "{urlsplit(database_url).path.lstrip("/")}" WITH (FORCE)')
            finally:
                await admin.close()
            for headers in (writer, {}):
                direct, routed = await _both(client, department("qa", message_id="m-gone"), headers)
                assert direct.status_code == 500
                _same(direct, routed)
    finally:
        await app.close()
