"""The dashboard's HTML pages, built from KPI documents (CONTRACT.md §4) and season strips.

Pure functions: give them the data, get a complete HTML page back. Every text that comes from data
(tenant, department keys and names, focus areas) is escaped; links are built with ``urlencode``.
The pages need no script and no external resource: the CSS from ``services/doors/dashboard/static/dashboard.css`` is
inlined, and the charts are inline SVG.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from services.doors.dashboard.svg import SeasonRow, SeasonStrip, gauge, strip
from services.doors.dashboard.text import (
    TEXT,
    count_html,
    day,
    hours_html,
    norm_lang,
    number,
    percent_html,
    percent_text,
    t,
)

__all__ = ["SeasonRow", "SeasonStrip", "render_notice", "render_overview", "render_tenant_page",
           "render_unknown_tenant"]


def _load_css() -> str:
    try:
        return resources.files("services.doors.dashboard").joinpath("static/dashboard.css").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError, ModuleNotFoundError):
        return ""


CSS = _load_css()


class _Ids:
    """Element ids unique within one page."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"


def _href(lang: str, as_of: date, tenant: str | None = None) -> str:
    params: dict[str, str] = {}
    if tenant:
        params["tenant"] = tenant
    params["as_of"] = as_of.isoformat()
    params["lang"] = lang
    return escape("?" + urlencode(params))


def _access_banner(lang: str) -> str:
    from services.doors.dashboard.access_pages import access_banner  # it builds on this module's CSS

    return access_banner(lang)


def _page(*, lang: str, as_of: date, tenant: str | None, title: str, body: str, refresh: int | None = None) -> str:
    other = "en" if lang == "da" else "da"
    names = {"da": "Dansk", "en": "English"}
    hidden = f'<input type="hidden" name="tenant" value="{escape(tenant)}">' if tenant else ""
    switch = (
        f'<nav class="lang" aria-label="{escape(t(lang, "language"))}">'
        f'<span aria-current="true" lang="{lang}">{names[lang]}</span> '
        f'<a href="{_href(other, as_of, tenant)}" lang="{other}" hreflang="{other}">{names[other]}</a></nav>'
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        + (f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh is not None else "")
        + f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + _access_banner(lang)
        + '<header class="topbar">'
        f'<a class="brand" href="{_href(lang, as_of)}">eduplan · {escape(t(lang, "app"))}</a>'
        '<div class="controls">'
        '<form method="get" action="" role="search">'
        f'<label for="as-of">{escape(t(lang, "as_of"))}</label>'
        f'<input type="date" id="as-of" name="as_of" value="{as_of.isoformat()}" required>'
        f'<input type="hidden" name="lang" value="{lang}">{hidden}'
        f'<button type="submit">{escape(t(lang, "show"))}</button></form>'
        f"{switch}</div></header>"
        f"<main>{body}</main>"
        f"<footer><p>{escape(t(lang, 'note_asof'))}</p><p>{escape(t(lang, 'note_null'))}</p>"
        f"{'<p>' + escape(t(lang, 'note_strip')) + '</p>' if tenant else ''}</footer>"
        "</body></html>"
    )


# --------------------------------------------------------------------------------------------------
# Building blocks


def _status(figures: Mapping[str, Any]) -> str:
    if figures.get("agreement_completion_rate") is None:
        return "no-agreements"
    return "on-track" if figures.get("target_met") else "at-risk"


_STATUS_KEY = {"no-agreements": "no_agreements", "on-track": "on_track", "at-risk": "at_risk"}


def _gauge_block(figures: Mapping[str, Any], lang: str, ids: _Ids) -> str:
    rate = figures.get("agreement_completion_rate")
    target = figures.get("completion_target")
    target = 0.85 if target is None else target
    status = _status(figures)
    label = t(lang, "agreement_completion_rate")
    made = figures.get("agreements_made") or 0
    done = figures.get("agreements_completed_on_time") or 0
    detail = t(lang, "agreements_of", done=number(done, lang), made=number(made, lang))
    return (
        '<div class="gauge-box">'
        + gauge(rate, target, figures.get("target_met"), lang, label=label, uid=ids("gauge"))
        + f'<p class="gauge-title" title="{escape(t(lang, "help_agreement_completion_rate"))}">{escape(label)}</p>'
        f'<p class="gauge-detail">{escape(detail)} · {escape(t(lang, "target"))} '
        f"{escape(percent_text(target, lang))}</p>"
        f'<span class="status {status}">{escape(t(lang, _STATUS_KEY[status]))}</span>'
        "</div>"
    )


def _bar(rate: float | None) -> str:
    if rate is None:
        return ""
    width = max(0.0, min(100.0, float(rate) * 100))
    return f'<span class="bar" aria-hidden="true"><span style="width:{width:.1f}%"></span></span>'


def _kpi(lang: str, key: str, value_html: str, *, sub: str = "", bar: str = "") -> str:
    help_text = t(lang, f"help_{key}") if f"help_{key}" in TEXT[lang] else ""
    title = f' title="{escape(help_text)}"' if help_text else ""
    sub_html = f'<span class="sub">{sub}</span>' if sub else ""
    return (
        f'<div class="kpi" data-kpi="{key}"><dt{title}>{escape(t(lang, key))}</dt>'
        f"<dd>{value_html}{sub_html}{bar}</dd></div>"
    )


def _rate_kpi(lang: str, figures: Mapping[str, Any], key: str, sub: str = "") -> str:
    rate = figures.get(key)
    return _kpi(lang, key, percent_html(rate, lang), sub=sub, bar=_bar(rate))


def _kpi_list(figures: Mapping[str, Any], lang: str, *, company: bool) -> str:
    items = [
        _kpi(lang, "active_employees", count_html(figures.get("active_employees"), lang)),
        _rate_kpi(lang, figures, "participation_rate_12m"),
        _kpi(lang, "training_hours_per_employee_12m", hours_html(figures.get("training_hours_per_employee_12m"), lang),
             sub=escape(t(lang, "hours_sub"))),
        _rate_kpi(lang, figures, "mus_coverage",
                  sub=f'{percent_html(figures.get("mus_education_item_rate"), lang)} '
                      f'{escape(t(lang, "mus_education_item_rate"))}'),
        _kpi(lang, "open_gaps", count_html(figures.get("open_gaps"), lang),
             sub=f'{count_html(figures.get("gaps_closed_in_cycle"), lang)} {escape(t(lang, "gaps_closed_in_cycle"))}'),
        _rate_kpi(lang, figures, "knowledge_sharing_rate"),
        _rate_kpi(lang, figures, "buddy_share"),
        _rate_kpi(lang, figures, "substitute_coverage_busy"),
        _rate_kpi(lang, figures, "season_fit_rate"),
    ]
    if company:
        items.append(_kpi(lang, "committee_meetings_12m", count_html(figures.get("committee_meetings_12m"), lang)))
    return f'<dl class="kpis">{"".join(items)}</dl>'


def _department_title(key: str, names: Mapping[str, str]) -> str:
    name = names.get(key)
    if name and name != key:
        return f'{escape(name)} <span class="key">({escape(key)})</span>'
    return escape(key)


def _department_label(key: str, names: Mapping[str, str]) -> str:
    return names.get(key) or key


def _season_row(months: tuple[date, ...], row: SeasonRow, lang: str, ids: _Ids, *, label_html: str,
                scope: str, note: str, fit: float | None) -> str:
    return (
        '<div class="season-row">'
        f'<div class="label">{label_html}<small>{escape(note)}</small></div>'
        f'<div class="strip-box">{strip(months, row, lang, scope=scope, uid=ids("strip"))}</div>'
        f'<div class="fit"><small>{escape(t(lang, "season_fit_rate"))}</small>'
        f"<strong>{percent_html(fit, lang)}</strong></div>"
        "</div>"
    )


def _wheel_note(row: SeasonRow, lang: str, *, company: bool) -> str:
    if not any(row.seasons):
        return t(lang, "no_wheel")
    whose = t(lang, "company_wheel") if company or not row.own_wheel else t(lang, "own_wheel")
    kind = t(lang, f"kind_{row.kind}") if row.kind in ("seasonal", "departmental", "fixed", "flexible") else ""
    return f"{whose} · {kind}" if kind else whose


def _season_section(doc: Mapping[str, Any], season: SeasonStrip, names: Mapping[str, str], lang: str,
                    ids: _Ids, as_of: date) -> str:
    legend = "".join(
        f'<li><span class="swatch {key}"></span>{escape(t(lang, key if key != "none" else "no_wheel"))}</li>'
        for key in ("busy", "normal", "low", "none")
    )
    focus = ""
    if season.focus_areas:
        listed = "; ".join(f"{t(lang, 'quarter', q=q)}: {title}" for q, title in season.focus_areas)
        focus = f'<p class="focus">{escape(t(lang, "focus_areas"))}: {escape(listed)}</p>'
    rows = [
        _season_row(season.months, season.company, lang, ids, label_html=escape(t(lang, "company")),
                    scope=t(lang, "company"), note=_wheel_note(season.company, lang, company=True),
                    fit=doc["company"].get("season_fit_rate"))
    ]
    for key, figures in doc.get("departments", {}).items():
        row = season.row_for(key)
        rows.append(
            _season_row(season.months, row, lang, ids, label_html=escape(_department_label(key, names)),
                        scope=_department_label(key, names), note=_wheel_note(row, lang, company=False),
                        fit=figures.get("season_fit_rate"))
        )
    return (
        f'<section aria-labelledby="season-h"><h2 id="season-h">{escape(t(lang, "season_title"))}</h2>'
        f'<div class="season"><p class="meta">{escape(t(lang, "season_lead", as_of=day(as_of, lang)))}</p>'
        f'<ul class="legend">{legend}</ul>{focus}{"".join(rows)}</div></section>'
    )


# --------------------------------------------------------------------------------------------------
# Pages


def render_tenant_page(doc: Mapping[str, Any], strip_data: SeasonStrip | None, lang: str = "da", *,
                       names: Mapping[str, str] | None = None) -> str:
    """One company: the whole company, the season strips, and a card per department."""
    lang = norm_lang(lang)
    names = names or {}
    ids = _Ids()
    tenant = str(doc["tenant"])
    as_of = date.fromisoformat(doc["as_of"])
    cycle = doc.get("cycle") or {}
    meta = f"{t(lang, 'as_of')} {day(as_of, lang)}"
    if cycle.get("start") and cycle.get("end"):
        meta += f" · {t(lang, 'cycle')} {day(cycle['start'], lang)} – {day(cycle['end'], lang)}"
    company = doc["company"]
    departments = doc.get("departments") or {}
    cards = []
    for i, (key, figures) in enumerate(departments.items(), start=1):
        cards.append(
            f'<article class="card dept" id="dept-{i}" data-department="{escape(key)}"'
            f' aria-labelledby="dept-{i}-h"><h3 id="dept-{i}-h">{_department_title(key, names)}</h3>'
            f"{_gauge_block(figures, lang, ids)}{_kpi_list(figures, lang, company=False)}</article>"
        )
    dept_html = (f'<div class="grid">{"".join(cards)}</div>' if cards
                 else f'<p class="meta">{escape(t(lang, "no_departments"))}</p>')
    body = (
        f'<nav class="crumbs" aria-label="breadcrumb"><a href="{_href(lang, as_of)}">'
        f'{escape(t(lang, "overview"))}</a> › {escape(tenant)}</nav>'
        f"<h1>{escape(tenant)}</h1><p class=\"meta\">{escape(meta)}</p>"
        + f'<section aria-labelledby="company-h"><h2 id="company-h">{escape(t(lang, "company"))}</h2>'
        f'<div class="card company" data-scope="company">{_gauge_block(company, lang, ids)}'
        f"{_kpi_list(company, lang, company=True)}</div></section>"
        + (_season_section(doc, strip_data, names, lang, ids, as_of) if strip_data is not None else "")
        + f'<section aria-labelledby="departments-h"><h2 id="departments-h">{escape(t(lang, "departments"))}</h2>'
        f"{dept_html}</section>"
    )
    title = f"{tenant} – {t(lang, 'app')} – {day(as_of, lang)}"
    return _page(lang=lang, as_of=as_of, tenant=tenant, title=title, body=body)


def render_overview(docs: Iterable[Mapping[str, Any]], *, as_of: date, lang: str = "da") -> str:
    """All companies: a card each with the headline figures and a link to its page."""
    lang = norm_lang(lang)
    ids = _Ids()
    cards = []
    for doc in docs:
        tenant = str(doc["tenant"])
        company = doc["company"]
        headline = [
            _kpi(lang, "active_employees", count_html(company.get("active_employees"), lang)),
            _rate_kpi(lang, company, "participation_rate_12m"),
            _kpi(lang, "training_hours_per_employee_12m",
                 hours_html(company.get("training_hours_per_employee_12m"), lang)),
            _rate_kpi(lang, company, "mus_coverage"),
            _rate_kpi(lang, company, "knowledge_sharing_rate"),
            _rate_kpi(lang, company, "season_fit_rate"),
        ]
        link = _href(lang, as_of, tenant)
        h_id = ids("tenant")
        cards.append(
            f'<article class="card tenant-card" data-tenant="{escape(tenant)}" aria-labelledby="{h_id}">'
            f'<h2 id="{h_id}"><a href="{link}">{escape(tenant)}</a></h2>'
            f"{_gauge_block(company, lang, ids)}"
            f'<dl class="kpis">{"".join(headline)}</dl>'
            f'<a class="open" href="{link}">{escape(t(lang, "open_tenant"))} →</a></article>'
        )
    content = (f'<div class="grid">{"".join(cards)}</div>' if cards
               else f'<p class="notice">{escape(t(lang, "no_tenants"))}</p>')
    body = (
        f"<h1>{escape(t(lang, 'overview'))}</h1>"
        f'<p class="meta">{escape(t(lang, "as_of"))} {escape(day(as_of, lang))} · '
        f'{escape(t(lang, "overview_lead"))}</p>'
        + content
    )
    return _page(lang=lang, as_of=as_of, tenant=None, title=f"{t(lang, 'app')} – {t(lang, 'overview')}", body=body)


def render_unknown_tenant(tenant: str, *, as_of: date, lang: str = "da") -> str:
    """A tenant nobody has sent anything for."""
    lang = norm_lang(lang)
    body = (
        f'<nav class="crumbs" aria-label="breadcrumb"><a href="{_href(lang, as_of)}">'
        f'{escape(t(lang, "overview"))}</a></nav>'
        f"<h1>{escape(tenant)}</h1>"
        f'<p class="notice">{escape(t(lang, "unknown_tenant", tenant=tenant))}</p>'
    )
    return _page(lang=lang, as_of=as_of, tenant=tenant, title=f"{tenant} – {t(lang, 'app')}", body=body)


def render_notice(tenant: str | None, notice: str, *, as_of: date, lang: str = "da", refresh: int | None = None) -> str:
    """A page that only says why there are no figures to show (``refresh``: seconds until it reloads)."""
    lang = norm_lang(lang)
    heading = tenant if tenant is not None else t(lang, "overview")
    body = (
        f'<nav class="crumbs" aria-label="breadcrumb"><a href="{_href(lang, as_of)}">'
        f'{escape(t(lang, "overview"))}</a></nav>'
        f"<h1>{escape(heading)}</h1>"
        f'<p class="notice" role="status">{escape(notice)}</p>'
    )
    return _page(lang=lang, as_of=as_of, tenant=tenant, title=f"{heading} – {t(lang, 'app')}", body=body,
                 refresh=refresh)
