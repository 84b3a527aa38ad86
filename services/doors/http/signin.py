"""The dashboard's sign-in: a token once, then an HttpOnly, SameSite=Strict session cookie; sign-out.

The cookie holds a random session id, never the token (``infra.tokens``: only its SHA-256 is stored).
A session ends on sign-out, after ``EDUPLAN_DASHBOARD_SESSION_MINUTES``, or when its token is revoked;
a cookie of an ended session is refused like a forged one. The dashboard itself only reads (GET); the
two POSTs here change who is signed in, so each must come from a page of this service: its ``Origin``
(or, without one, its ``Referer``) must be this service's own, else 403 — no other site can sign a
browser in or out.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.core.access import Role
from services.doors.dashboard.access_pages import render_refusal, render_signin
from services.doors.http.access import SESSION_COOKIE, principal_of, public, token_store
from services.doors.http.deps import core

router = APIRouter()

MAX_FORM_BYTES = 8 * 1024
DASHBOARD = frozenset({Role.LEADERSHIP})
"""What a token must grant to sign in: reading the dashboard."""


@router.get("/signin", response_class=HTMLResponse, summary="The dashboard's sign-in page",
            dependencies=[public("the way in")])
async def signin_page(request: Request, next_path: str = Query("/", alias="next"), lang: str = "da") -> HTMLResponse:
    open_mode = not await token_store(request).any_exist()
    return HTMLResponse(render_signin(lang, next_path=_local(next_path), open_mode=open_mode))


@router.post("/signin", response_class=HTMLResponse, summary="Sign in to the dashboard with a token",
             dependencies=[public("the way in; checks its origin")])
async def signin(request: Request) -> Response:
    if not same_origin(request):
        return _refused(request, "da", "sign-in is accepted only from this service's own sign-in page")
    form = await _form(request)
    lang, next_path = form.get("lang", "da"), _local(form.get("next", "/"))
    tokens = token_store(request)
    record = await tokens.find(form.get("token", "").strip())
    if record is None:
        page = render_signin(lang, next_path=next_path, message=_unknown(lang))
        return HTMLResponse(page, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not principal_of(record).may(DASHBOARD):
        return _refused(request, lang, f"a {record.role} token may not read the dashboard", signed_in=False)
    lifetime = timedelta(minutes=core(request).settings.dashboard_session_minutes)
    session = await tokens.open_session(record.id, lifetime)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(SESSION_COOKIE, session, max_age=int(lifetime.total_seconds()), path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/signout", summary="End the dashboard session",
             dependencies=[public("ends a session; checks its origin")])
async def signout(request: Request) -> Response:
    if not same_origin(request):
        return _refused(request, "da", "sign-out is accepted only from this service's own pages")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await token_store(request).end_session(cookie)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this service (Origin, else Referer; neither: no)."""
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == own
    referer = request.headers.get("referer")
    return referer is not None and (referer == own or referer.startswith(own + "/"))


def denied_page(request: Request, status: int, detail: str) -> str:
    """The page for a browser refused by an access rule: 401 signs in, 403 says why not."""
    lang = request.query_params.get("lang", "da")
    if status == 401:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        first_visit = SESSION_COOKIE not in request.cookies and "authorization" not in request.headers
        return render_signin(lang, next_path=_local(here), message=None if first_visit else detail)
    return render_refusal(lang, detail, signed_in=SESSION_COOKIE in request.cookies)


def _refused(request: Request, lang: str, message: str, *, signed_in: bool = False) -> HTMLResponse:
    return HTMLResponse(render_refusal(lang, message, signed_in=signed_in), status_code=403)


def _unknown(lang: str) -> str:
    return ("Tokenet kendes ikke, eller det er trukket tilbage." if lang == "da"
            else "The token is not known, or it was revoked.")


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items() if values}


def _local(path: str) -> str:
    """A path on this service to go to after signing in; anything else (another site) becomes ``/``."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
