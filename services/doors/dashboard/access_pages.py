"""The dashboard's access pages and banner: sign-in, refusals, and the line that says who is looking.

From the templates ``access.html``, ``banner.html`` and ``sign_out.html`` (autoescaped), with the
dashboard's CSS and no script. :func:`access_banner` is the hook a page
layout calls at the top of its body: it reads who the current request acts for from :data:`viewer`
(set by the dashboard's route) and says "open mode" (no token exists: anyone on this machine sees the
dashboard), or who is signed in with a sign-out button, or nothing.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from markupsafe import Markup

from services.core.access import Principal
from services.doors.dashboard.text import norm_lang
from services.doors.dashboard.views import CSS

__all__ = ["access_banner", "render_refusal", "render_signin", "viewer"]

viewer: ContextVar[Principal | None] = ContextVar("dashboard_viewer", default=None)
"""Who the page being rendered is for; the dashboard's route sets it for the request."""

TEXT = {
    "da": {
        "title": "Log ind",
        "lead": "Indsæt dit adgangstoken. Det gemmes ikke i browseren; du får en session, der udløber.",
        "token": "Adgangstoken",
        "submit": "Log ind",
        "sign_out": "Log ud",
        "signed_in": "Logget ind som {who} ({role})",
        "open_mode": "Åben tilstand: der er endnu intet adgangstoken, så alle på denne maskine ser"
                     " dashboardet uden at logge ind. Opret det første med"
                     " `eduplan tokens create --role admin --all-tenants`.",
        "open_signin": "Der er endnu intet adgangstoken, så dashboardet kræver ikke log ind på denne maskine.",
        "to_dashboard": "Til dashboardet",
        "other_token": "Log ind med et andet token",
        "refused": "Ingen adgang",
    },
    "en": {
        "title": "Sign in",
        "lead": "Paste your access token. The browser does not keep it; you get a session that expires.",
        "token": "Access token",
        "submit": "Sign in",
        "sign_out": "Sign out",
        "signed_in": "Signed in as {who} ({role})",
        "open_mode": "Open mode: no access token exists yet, so anyone on this machine sees the dashboard"
                     " without signing in. Create the first with `eduplan tokens create --role admin --all-tenants`.",
        "open_signin": "No access token exists yet, so the dashboard needs no sign-in on this machine.",
        "to_dashboard": "To the dashboard",
        "other_token": "Sign in with another token",
        "refused": "No access",
    },
}

_BANNER_STYLE = "margin:0;padding:.5rem 1.5rem;border-bottom:1px solid #d9dee6;font-size:.9rem;"
_OPEN_STYLE = _BANNER_STYLE + "background:#fff4d6;color:#5c3d00;"
_SIGNED_STYLE = _BANNER_STYLE + "background:#ffffff;color:#5b6575;display:flex;gap:1rem;align-items:center;"


def _t(lang: str, key: str) -> str:
    return TEXT[norm_lang(lang)][key]


def _render(template: str, lang: str, **context: Any) -> str:
    from services.doors.dashboard.views import ENV

    return ENV.get_template(template).render(lang=norm_lang(lang), t=TEXT[norm_lang(lang)], **context)


def sign_out_form(lang: str) -> Markup:
    return Markup(_render("sign_out.html", lang))


def access_banner(lang: str) -> str:
    """The banner for the top of a dashboard page (empty when there is nothing to say)."""
    who = viewer.get()
    if who is None or not (who.open_mode or who.via_session):
        return ""
    label = _t(lang, "signed_in").format(who=who.name or who.token_id, role=who.role.value)
    return _render("banner.html", lang, who=who, label=label, sign_out=sign_out_form(lang), open_style=_OPEN_STYLE,
                   signed_style=_SIGNED_STYLE).strip()


def _page(lang: str, title: str, **context: Any) -> str:
    return _render("access.html", lang, title=title, css=Markup(CSS), **context)


def render_signin(lang: str, *, next_path: str = "/", message: str | None = None, open_mode: bool = False) -> str:
    """The sign-in form (posting to ``/signin``), or in open mode a note that none is needed."""
    if open_mode:
        return _page(lang, _t(lang, "title"), kind="open")
    return _page(lang, _t(lang, "title"), kind="signin", next_path=next_path, message=message)


def render_refusal(lang: str, message: str, *, signed_in: bool) -> str:
    """403: the token may not see this; sign out, or sign in with another token."""
    return _page(lang, _t(lang, "refused"), kind="refused", message=message, signed_in=signed_in,
                 sign_out=sign_out_form(lang))
