"""The dashboard's sign-in: a token once, then a session cookie — forged, replayed, expired and revoked
sessions refused; sign-in and sign-out only from the service's own pages."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from access_support import ORIGIN, OTHER, OWN, http_client, seed

from infra.tokens import TokenStore
from services.core.app import App, app_for_url
from services.doors.http.access import SESSION_COOKIE

HTML = {"Accept": "text/html,application/xhtml+xml"}
SAME_ORIGIN = {"Origin": ORIGIN}


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


async def _sign_in(client: httpx.AsyncClient, text: str, *, next_path: str = "/",
                   headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/signin", data={"token": text, "next": next_path},
                             headers=SAME_ORIGIN if headers is None else headers)


def _session_of(response: httpx.Response) -> str:
    [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]
    return cookie.split(";", 1)[0].split("=", 1)[1]


async def _page(client: httpx.AsyncClient, session: str | None, path: str = "/") -> httpx.Response:
    client.cookies.clear()  # only the cookie given here
    headers = dict(HTML)
    if session is not None:
        headers["Cookie"] = f"{SESSION_COOKIE}={session}"
    return await client.get(path, headers=headers)


async def test_signing_in_sets_an_httponly_strict_cookie_that_is_not_the_token(core: App,
                                                                                client: httpx.AsyncClient) -> None:
    _, text = await TokenStore(core.pool).create("leadership", OWN, "CFO")
    unsigned = await _page(client, None)
    assert unsigned.status_code == 401 and unsigned.headers["www-authenticate"] == "Bearer"
    assert 'action="/signin"' in unsigned.text  # the sign-in form, in place of the page
    response = await _sign_in(client, text, next_path="/?lang=en")
    assert response.status_code == 303 and response.headers["location"] == "/?lang=en"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert re.search(r"(?i)samesite=strict", cookie)
    session = _session_of(response)
    assert text not in cookie and text.split("_")[-1] not in cookie and len(session) >= 43
    stored = await core.pool.fetch("SELECT digest::text AS digest, token_id FROM dashboard_sessions")
    assert session not in str([dict(row) for row in stored])  # kept only as its SHA-256

    page = await _page(client, session)
    assert page.status_code == 200 and "CFO" in page.text and 'action="/signout"' in page.text
    assert f'data-tenant="{OWN}"' in page.text or OWN in page.text


async def test_a_session_is_for_the_dashboard_only(core: App, client: httpx.AsyncClient) -> None:
    _, text = await TokenStore(core.pool).create("admin", None, None)
    session = _session_of(await _sign_in(client, text))
    client.cookies.clear()
    api = await client.get(f"/v1/tenants/{OWN}/kpis", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert api.status_code == 401  # the API takes bearer tokens only: a cookie cannot be ridden across sites


async def test_forged_cookies_are_refused(core: App, client: httpx.AsyncClient) -> None:
    _, text = await TokenStore(core.pool).create("leadership", OWN, None)
    session = _session_of(await _sign_in(client, text))
    flipped = session[:-1] + ("A" if session[-1] != "A" else "B")
    for forged in (secrets.token_urlsafe(32), flipped, text, "", "x" * 5000):
        response = await _page(client, forged)
        assert response.status_code == 401, forged[:20]
    assert (await _page(client, session)).status_code == 200


async def test_a_cookie_replayed_after_sign_out_is_refused(core: App, client: httpx.AsyncClient) -> None:
    _, text = await TokenStore(core.pool).create("leadership", OWN, None)
    session = _session_of(await _sign_in(client, text))
    assert (await _page(client, session)).status_code == 200
    client.cookies.clear()
    out = await client.post("/signout", headers={**SAME_ORIGIN, "Cookie": f"{SESSION_COOKIE}={session}"})
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert any(c.startswith(f'{SESSION_COOKIE}=""') or "max-age=0" in c.lower()
               for c in out.headers.get_list("set-cookie"))
    replay = await _page(client, session)
    assert replay.status_code == 401 and 'action="/signin"' in replay.text


async def test_a_cookie_replayed_after_expiry_or_revocation_is_refused(core: App, client: httpx.AsyncClient) -> None:
    tokens = TokenStore(core.pool)
    record, text = await tokens.create("leadership", OWN, None)
    expiring = _session_of(await _sign_in(client, text))
    lasting = _session_of(await _sign_in(client, text))
    # Time passes for the first session only: its expiry is moved to the past.
    await core.pool.execute("UPDATE dashboard_sessions SET expires_at = clock_timestamp() - interval '1 second'"
                            " WHERE digest = sha256(convert_to($1, 'UTF8'))", expiring)
    assert (await _page(client, expiring)).status_code == 401
    assert (await _page(client, lasting)).status_code == 200
    await tokens.revoke(record.id)
    assert (await _page(client, lasting)).status_code == 401


async def test_sign_in_and_out_only_from_this_services_pages(core: App, client: httpx.AsyncClient) -> None:
    _, text = await TokenStore(core.pool).create("leadership", OWN, None)
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Referer": "https://evil.example/page"}, {"Referer": ORIGIN + ".evil.example/"}):
        response = await _sign_in(client, text, headers=headers)
        assert response.status_code == 403, headers
        assert not response.headers.get_list("set-cookie")
    assert (await _sign_in(client, text, headers={"Referer": ORIGIN + "/signin"})).status_code == 303
    session = _session_of(await _sign_in(client, text))
    client.cookies.clear()
    forced = await client.post("/signout", headers={"Origin": "https://evil.example",
                                                    "Cookie": f"{SESSION_COOKIE}={session}"})
    assert forced.status_code == 403
    assert (await _page(client, session)).status_code == 200


async def test_sign_in_refuses_unknown_tokens_and_roles_without_the_dashboard(core: App,
                                                                              client: httpx.AsyncClient) -> None:
    tokens = TokenStore(core.pool)
    _, writer = await tokens.create("hr_system", OWN, None)
    refused = await _sign_in(client, writer)
    assert refused.status_code == 403 and not refused.headers.get_list("set-cookie")
    unknown = await _sign_in(client, "eduplan_0123456789ab_" + "C" * 43)
    assert unknown.status_code == 401 and not unknown.headers.get_list("set-cookie")


async def test_after_sign_in_only_pages_of_this_service(core: App, client: httpx.AsyncClient) -> None:
    _, text = await TokenStore(core.pool).create("leadership", OWN, None)
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example", "evil"):
        assert (await _sign_in(client, text, next_path=elsewhere)).headers["location"] == "/"


async def test_a_one_tenant_session_sees_its_tenant_and_no_other(core: App, client: httpx.AsyncClient) -> None:
    tokens = TokenStore(core.pool)
    _, text = await tokens.create("leadership", OWN, None)
    session = _session_of(await _sign_in(client, text))
    home = await _page(client, session)
    assert home.status_code == 200 and OTHER not in home.text
    foreign = await _page(client, session, f"/?tenant={OTHER}")
    ghost = await _page(client, session, "/?tenant=ghost")
    assert foreign.status_code == ghost.status_code == 404
    assert foreign.text.replace(OTHER, "T") == ghost.text.replace("ghost", "T")


async def test_open_mode_shows_a_banner_and_needs_no_sign_in(client: httpx.AsyncClient) -> None:
    page = await _page(client, None)
    assert page.status_code == 200 and "open-mode" in page.text
    signin = await client.get("/signin", headers=HTML)
    assert signin.status_code == 200 and 'name="token"' not in signin.text
