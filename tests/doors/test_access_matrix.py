"""Every route × every caller (CONTRACT §6, access), enumerated from the app's own routes.

A route that declares no access rule fails here (and stops the app from being built); a route whose rule
differs from the contract's table below fails here; and every declared rule is checked to hold for no
token, a malformed header, an unknown and a revoked token, and each role with a token for the tenant,
for another tenant and for all tenants.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from access_support import OTHER, OWN, SEEDED, Case, http_client, make_cases, seed

from infra.tokens import TokenStore
from services.core.access import GRANTS, Role
from services.core.app import App, app_for_url
from services.core.reads import UnknownTenant
from services.doors.http import create_app
from services.doors.http.access import AccessRule, PublicRule, rule_of, served_routes

ALLOWED = "allowed"
PUBLIC = "public"


def _served() -> list[tuple[str, str, Any]]:
    api = create_app(run_projections=False)  # builds the routes only; no database until it starts
    return sorted((method, route.path, route) for route in served_routes(api) for method in route.methods)


SERVED = _served()

# The contract's access table, by path (first match wins): grants needed, and where the tenant is.
# A new route matches a line here, or gets one: the test below fails for a route the table does not know.
CONTRACT_RULES: list[tuple[str, str, frozenset[str] | str, str | None]] = [
    ("POST", r"/v1/messages", frozenset({"hr_system"}), "each"),
    ("GET", r"/v1/tenants/\{tenant\}/(events|rejections)", frozenset({"auditor"}), "path"),
    ("GET", r"/v1/tenants/\{tenant\}/audit(/.*)?", frozenset({"auditor"}), "path"),
    ("GET", r"/v1/tenants/\{tenant\}/(exports?/)?xapi.*", frozenset({"auditor"}), "path"),
    ("GET", r"/v1/tenants/\{tenant\}/(kpis(\.csv|/series)?|series|competences|actions(\.csv)?|calendars?.*"
            r"|plans.*|funding(\.csv)?)", frozenset({"leadership"}), "path"),
    ("POST", r"/v1/tenants/\{tenant\}/plans/\{\w+\}/accept", frozenset({"leadership", "hr_system"}), "path"),
    ("POST", r"/v1/tenants/\{tenant\}/plans", frozenset({"leadership"}), "path"),
    ("POST", r"/v1/tenants/\{tenant\}/employees/\{employee_id\}/erase", frozenset({"admin"}), "path"),
    ("GET", r"/v1/rejections", frozenset({"admin"}), "all"),
    ("GET", r"/", frozenset({"leadership"}), "each"),
    ("GET", r"/dashboard/\{tenant\}/(managers|competences|greb|print|funding|actions|plan)", frozenset({"leadership"}),
     "path"),
    ("GET", r"/v1/tenants", frozenset({"leadership"}), "each"),
    ("GET", r"/v1/tenants/\{tenant\}", frozenset({"leadership"}), "path"),
    ("GET", r"/metrics", frozenset(), "all"),
    ("GET", r"/(docs|openapi\.json)", frozenset(), "none"),
    ("GET", r"/healthz", PUBLIC, None),
    ("GET", r"/docs/assets/\{name\}", PUBLIC, None),
    ("GET", r"/signin", PUBLIC, None),
    ("POST", r"/(signin|signout)", PUBLIC, None),
]


@dataclass(frozen=True)
class EachRoute:
    """How to aim a tenant="each" route at the tenant acme, and what a token for beta gets."""

    request: dict[str, Any]
    other_tenant_status: int


EACH_ROUTES = {
    ("POST", "/v1/messages"): EachRoute({"json": SEEDED[OWN][0]}, 403),
    ("GET", "/"): EachRoute({"params": {"tenant": OWN}}, 404),
    ("GET", "/v1/tenants"): EachRoute({}, 200),  # lists only the companies the token holds
}
EXAMPLE_QUERIES = {"/v1/rejections": {"unattributed": "true"}}


def test_every_route_declares_exactly_one_rule() -> None:
    missing = [f"{method} {path}" for method, path, route in SERVED if rule_of(route) is None]
    assert not missing, f"routes without an access rule: {missing}"
    assert len(SERVED) >= 15


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in SERVED])
def test_the_declared_rule_is_the_contracts(method: str, path: str) -> None:
    rule = rule_of(next(route for m, p, route in SERVED if (m, p) == (method, path)))
    wanted = next(((needs, tenant) for m, pattern, needs, tenant in CONTRACT_RULES
                   if m == method and re.fullmatch(pattern, path)), None)
    assert wanted is not None, f"{method} {path} is not in the access table of this test: add its line"
    needs, tenant = wanted
    if needs == PUBLIC:
        assert isinstance(rule, PublicRule)
    else:
        assert isinstance(rule, AccessRule)
        assert (rule.needs, rule.tenant) == (frozenset(Role(n) for n in needs), tenant)


def expected(rule: AccessRule | PublicRule, case: Case, method: str, path: str) -> str | int:
    if isinstance(rule, PublicRule):
        return PUBLIC
    if case.role is None:
        return 401
    may = rule.needs <= GRANTS[case.role]
    if rule.tenant == "path":
        if not case.holds_own:
            return 404
        return ALLOWED if may else 403
    if rule.tenant == "all":
        return ALLOWED if may and case.scope == "all" else 403
    if not may:
        return 403
    if rule.tenant == "each" and not case.holds_own:
        return EACH_ROUTES[(method, path)].other_tenant_status
    return ALLOWED


@pytest.fixture(scope="module")
async def world(module_database_url: str) -> AsyncIterator[tuple[App, list[Case]]]:
    app = await app_for_url(module_database_url, max_size=4)
    try:
        await seed(app)
        yield app, await make_cases(TokenStore(app.pool))
    finally:
        await app.close()


@pytest.fixture(scope="module")
async def client(world: tuple[App, list[Case]]) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(world[0]) as http:
        yield http


def _request(method: str, path: str) -> dict[str, Any]:
    if "{tenant}" not in path:
        each = EACH_ROUTES.get((method, path))
        if each is not None:
            return dict(each.request)
        return {"params": EXAMPLE_QUERIES.get(path, {})}
    filled = re.sub(r"\{(\w+)\}", lambda m: OWN if m[1] == "tenant" else "x", path)
    return {"url": filled, "json": {}} if method == "POST" else {"url": filled}


UNKNOWN_OWN = {"detail": str(UnknownTenant(OWN))}


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in SERVED])
async def test_every_caller_gets_what_the_rule_says(world: tuple[App, list[Case]], client: httpx.AsyncClient,
                                                   method: str, path: str) -> None:
    _, cases = world
    rule = rule_of(next(route for m, p, route in SERVED if (m, p) == (method, path)))
    assert rule is not None
    if isinstance(rule, AccessRule) and rule.tenant == "each" and (method, path) not in EACH_ROUTES:
        pytest.fail(f"{method} {path} takes its tenant from the request: add it to EACH_ROUTES")
    wrong = []
    public_answers = set()
    for case in cases:
        kwargs = _request(method, path)
        url = kwargs.pop("url", path)
        response = await client.request(method, url, headers=case.headers, **kwargs)
        want = expected(rule, case, method, path)
        got = response.status_code
        if want == PUBLIC:
            public_answers.add(got)  # whoever calls, and with whatever token: the same answer
            continue
        if want == ALLOWED:
            ok = got not in (401, 403) and not (got == 404 and _json(response) == UNKNOWN_OWN)
        else:
            ok = got == want
            if want == 401:
                ok = ok and response.headers.get("www-authenticate", "").startswith("Bearer")
            if want == 404 and "{tenant}" in path:
                ok = ok and _json(response) == UNKNOWN_OWN  # word for word a tenant with nothing on record
        if not ok:
            wrong.append(f"{case.name}: wanted {want}, got {got} {response.text[:120]}")
    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)
    assert len(public_answers) <= 1, f"{method} {path} is public, yet answers {public_answers} by caller"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


async def test_another_tenant_answers_exactly_like_a_tenant_with_nothing_on_record(
        world: tuple[App, list[Case]], client: httpx.AsyncClient) -> None:
    tokens = TokenStore(world[0].pool)
    _, own_text = await tokens.create("auditor", OWN, None)
    _, all_text = await tokens.create("auditor", None, None)
    own, every = ({"Authorization": f"Bearer {text}"} for text in (own_text, all_text))
    for read in ("kpis", "events", "rejections"):
        foreign = await client.get(f"/v1/tenants/{OTHER}/{read}", headers=own)
        nowhere = await client.get(f"/v1/tenants/ghost/{read}", headers=every)
        assert (foreign.status_code, nowhere.status_code) == (404, 404)
        assert foreign.json() == {"detail": str(UnknownTenant(OTHER))}
        assert nowhere.json() == {"detail": str(UnknownTenant("ghost"))}
        assert foreign.headers["content-type"] == nowhere.headers["content-type"]
    # The answer does not depend on whether the other tenant exists.
    ghost = await client.get("/v1/tenants/ghost/kpis", headers=own)
    assert (ghost.status_code, ghost.json()) == (404, {"detail": str(UnknownTenant("ghost"))})
