"""Access to the HTTP door (CONTRACT §6): every route declares, where it is defined, who may use it.

    @router.get("/v1/tenants/{tenant}/series", dependencies=[requires("leadership")])

``requires(*grants, tenant=…)`` is a FastAPI dependency: the grants are role names (see
``services.core.access``: ``auditor`` also holds ``leadership``, ``admin`` holds all); ``"any"`` is
any valid token. ``tenant`` says where the request's tenant is:

- ``"path"`` (the default): the path's ``{tenant}``; a token for another tenant gets 404, exactly the
  answer for a tenant with no message on record;
- ``"each"``: in the body or query; the handler takes the principal (``principal: Principal =
  requires(…, tenant="each")``) and checks each tenant it touches with ``principal.holds``;
- ``"all"``: the route reads across tenants; only a token for every tenant may use it (else 403);
- ``"none"``: the route shows nothing of any tenant.

``session=True`` also accepts the dashboard's session cookie (pages a browser opens). ``public()``
is the declared absence of a check (``/healthz``, the sign-in page). :func:`check_every_route` runs
when the app is built: a route without exactly one rule, or whose rule does not match its path, stops
the app from starting — deny by default.

Who a request acts for: ``Authorization: Bearer TOKEN`` (missing, unknown or revoked: 401 with
``WWW-Authenticate: Bearer``); on a ``session=True`` route, else the session cookie; else, while no
token has ever been created, the open-mode principal — for loopback peers only. Tokens are looked up
on every request (no cache; the requests that arrive while one read is under way are looked up
together by the next, :class:`infra.tokens.TokenLookups`), so a token created or revoked while the
server runs counts from the next request on (the reads go over the intake's pool, whose connections
need no session reset). Whether any token exists is remembered once true: tokens are never deleted. A token
in the query string is refused with 400 before any route runs (:class:`RefuseTokensInQuery`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from infra.tokens import TOKEN_PATTERN, TokenLookups, TokenRecord, TokenStore
from services.core.access import OPEN_MODE, Principal, Role, is_loopback
from services.core.reads import UnknownTenant
from services.doors.http.deps import core

__all__ = [
    "SESSION_COOKIE",
    "AccessDenied",
    "AccessRule",
    "Principal",
    "PublicRule",
    "RefuseTokensInQuery",
    "check_every_route",
    "install",
    "public",
    "requires",
    "rule_of",
]

log = structlog.get_logger(__name__)

TenantFrom = Literal["path", "each", "all", "none"]
Grant = Literal["hr_system", "leadership", "auditor", "admin", "any"]

SESSION_COOKIE = "eduplan_session"

_bearer = HTTPBearer(auto_error=False, description="an access token made with `eduplan tokens create`")


class AccessDenied(Exception):
    """401 (who are you?) or 403 (you may not); ``invalid_token`` when a token was given but is not live."""

    def __init__(self, status: int, detail: str, *, invalid_token: bool = False) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.invalid_token = invalid_token


@dataclass(frozen=True, eq=False)
class AccessRule:
    needs: frozenset[Role]
    tenant: TenantFrom
    session: bool

    async def __call__(self, request: Request,
                       credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        principal = await _principal(request, credentials, session=self.session)
        self.check(principal, request)
        return principal

    def check(self, principal: Principal, request: Request) -> None:
        """Raise UnknownTenant or AccessDenied when the principal may not make this request."""
        if self.tenant == "path":
            tenant = request.path_params["tenant"]
            if not principal.holds(tenant):
                raise UnknownTenant(tenant)  # the very answer for a tenant with no message on record
        elif self.tenant == "all" and not principal.holds_every_tenant:
            raise AccessDenied(403, f"this reads across every tenant; the token holds only {principal.tenant!r}")
        if not principal.may(self.needs):
            needed = " and ".join(sorted(self.needs))
            raise AccessDenied(403, f"a token with the role {principal.role.value} may not do this"
                                    f" (it needs: {needed})")

    def describe(self) -> str:
        grants = ", ".join(sorted(self.needs)) or "any"
        return f"requires({grants}, tenant={self.tenant})"


@dataclass(frozen=True, eq=False)
class PublicRule:
    """A route anyone may call; declared, so that no route is public by forgetting."""

    reason: str

    async def __call__(self) -> None:
        return None

    def describe(self) -> str:
        return f"public({self.reason})"


def requires(*grants: Grant, tenant: TenantFrom = "path", session: bool = False) -> Any:
    """The access rule of a route, as a dependency (see the module doc)."""
    if not grants:
        raise ValueError("requires() names at least one grant: a role, or 'any'")
    needs = frozenset(Role(grant) for grant in grants if grant != "any")
    return Depends(AccessRule(needs=needs, tenant=tenant, session=session))


def public(reason: str) -> Any:
    return Depends(PublicRule(reason))


# --------------------------------------------------------------------------------------------------
# Who the request acts for


def token_store(request: Request) -> TokenStore:
    app = core(request)
    return TokenStore(app.pool, lookups=app.store.write_pool)


def token_lookups(request: Request) -> TokenLookups:
    """The app's bearer-token look-ups, made together for the requests that arrive meanwhile."""
    return request.app.state.token_lookups  # type: ignore[no-any-return]


def principal_of(record: TokenRecord, *, via_session: bool = False) -> Principal:
    return Principal(token_id=record.id, role=Role(record.role), tenant=record.tenant, name=record.name,
                     via_session=via_session)


async def _principal(request: Request, credentials: HTTPAuthorizationCredentials | None, *,
                     session: bool) -> Principal:
    tokens = token_store(request)
    if request.headers.get("authorization") is not None:
        if credentials is None:
            raise AccessDenied(401, "the Authorization header must be 'Bearer TOKEN'", invalid_token=True)
        record = await token_lookups(request).find(credentials.credentials)
        if record is None:
            raise AccessDenied(401, "the token is not known, or it was revoked", invalid_token=True)
        return principal_of(record)
    cookie = request.cookies.get(SESSION_COOKIE) if session else None
    if cookie:
        record = await tokens.find_session(cookie)
        if record is not None:
            return principal_of(record, via_session=True)
    if not await tokens_exist(request, tokens):
        if request.client is not None and is_loopback(request.client.host):
            return OPEN_MODE
        raise AccessDenied(401, "no access token exists yet; until one does, eduplan answers only on loopback")
    if cookie:
        raise AccessDenied(401, "the session has ended (signed out, expired or its token revoked): sign in again")
    raise AccessDenied(401, "an access token is needed: send Authorization: Bearer TOKEN")


async def tokens_exist(request: Request, tokens: TokenStore | None = None) -> bool:
    """Whether a token was ever created. Once seen, remembered for the app's life: tokens are never
    deleted (revoking keeps the row), so open mode never comes back. Until then asked on every request,
    so a token created by another process ends open mode from the next request on."""
    state = request.app.state
    if getattr(state, "tokens_exist", False):
        return True
    exist = await (tokens or token_store(request)).any_exist()
    if exist:
        state.tokens_exist = True
    return exist


# --------------------------------------------------------------------------------------------------
# Every route has a rule


def served_routes(api: FastAPI) -> list[Any]:
    """Every route the app serves (those of included routers too), each with ``path``, ``methods`` and
    the ``dependant`` it runs with. FastAPI ≥ 0.16x keeps included routers whole in ``api.routes`` and
    walks them with ``iter_route_contexts``; older releases copy their routes into ``api.routes``."""
    import fastapi.routing

    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(api.routes) if walk is None else list(walk(api.routes))


def is_api_route(route: Any) -> bool:
    return isinstance(getattr(route, "original_route", route), APIRoute)


def rule_of(route: Any) -> AccessRule | PublicRule | None:
    """The one access rule a served route declares (None when it declares none)."""
    found = [dep.call for dep in _dependants(route.dependant) if isinstance(dep.call, AccessRule | PublicRule)]
    if len(found) > 1:
        raise RuntimeError(f"{_name(route)} declares {len(found)} access rules; a route has exactly one")
    return found[0] if found else None


def _dependants(dependant: Any) -> list[Any]:
    found = []
    for sub in dependant.dependencies:
        found.append(sub)
        found.extend(_dependants(sub))
    return found


def _name(route: Any) -> str:
    methods = ",".join(sorted(getattr(route, "methods", None) or [])) or type(route).__name__
    return f"{methods} {getattr(route, 'path', route)}"


def check_every_route(api: FastAPI) -> None:
    """Refuse to build an app with a route that declares no access rule, or one that does not fit its path."""
    problems = []
    for route in served_routes(api):
        if not is_api_route(route):
            problems.append(f"{_name(route)} is not an API route, so it cannot declare an access rule")
            continue
        rule = rule_of(route)
        if rule is None:
            problems.append(f"{_name(route)} declares no access rule: add dependencies=[requires(...)] or public()")
        elif isinstance(rule, AccessRule) and (rule.tenant == "path") != ("{tenant}" in route.path):
            problems.append(f"{_name(route)}: tenant='path' is for paths with {{tenant}}, and such paths need it")
    if problems:
        raise RuntimeError("routes without a fitting access rule:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------------------------------
# Answers


def wants_page(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def _access_denied(request: Request, error: Exception) -> Response:
    assert isinstance(error, AccessDenied)
    log.info("access_refused", status=error.status, method=request.method, path=request.url.path,
             detail=error.detail)  # the detail never holds the token
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if error.invalid_token else "Bearer"
    if wants_page(request):
        from services.doors.http.signin import denied_page

        response: Response = HTMLResponse(denied_page(request, error.status, error.detail),
                                          status_code=error.status, headers=headers)
    else:
        response = JSONResponse({"detail": error.detail}, status_code=error.status, headers=headers)
    if error.status == 401 and SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


QUERY_TOKEN_NAMES = frozenset({"access_token", "token", "bearer", "api_key", "apikey", "auth", "authorization"})


class RefuseTokensInQuery:
    """400 for a request whose URL carries a token (RFC 6750's ``access_token``, a look-alike name, or a
    value shaped like an eduplan token): URLs end up in logs and browser history, so a token there is
    never accepted, not even on a public route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and token_in_query(scope.get("query_string", b"").decode("latin-1")):
            response = JSONResponse({"detail": "an access token is never accepted in the URL: send it as"
                                               " Authorization: Bearer TOKEN (and revoke a real token sent so)"},
                                    status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def token_in_query(query: str) -> bool:
    if not query:
        return False
    if TOKEN_PATTERN.search(unquote_plus(query)):
        return True
    return any(name.strip().lower() in QUERY_TOKEN_NAMES for name, _ in parse_qsl(query, keep_blank_values=True))


def install(api: FastAPI) -> None:
    api.add_exception_handler(AccessDenied, _access_denied)
    api.add_middleware(RefuseTokensInQuery)
    check_every_route(api)
