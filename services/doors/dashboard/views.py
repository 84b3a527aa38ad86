"""The dashboard's pages from Jinja2 templates (``templates/``, autoescaped): pure functions of the data read.

Every figure comes in as read (KPI document, series, competence matrix, greb views, funding report); this
module only chooses words, formats numbers and dates for the reader's language, and draws inline SVG. The
pages need no script and nothing outside the server: the CSS is inlined, the charts are inline SVG.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from services.doors.dashboard import svg
from services.doors.dashboard.text import (
    count_html,
    day,
    hours_html,
    month_year,
    na,
    norm_lang,
    number,
    percent_html,
    percent_text,
    t,
)

__all__ = ["CSS", "PHASES", "UI", "render"]


def _load_css() -> str:
    try:
        return resources.files("services.doors.dashboard").joinpath("static/dashboard.css").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError, ModuleNotFoundError):
        return ""


CSS = _load_css()

ENV = Environment(
    loader=PackageLoader("services.doors.dashboard", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

RATES = frozenset({
    "agreement_completion_rate", "on_track_rate", "participation_rate_12m", "mus_coverage",
    "mus_education_item_rate", "knowledge_sharing_rate", "season_fit_rate", "buddy_share",
    "substitute_coverage_busy", "completion_target",
})
HOURS = frozenset({"training_hours_per_employee_12m"})

# The KPIs of each phase (CONTRACT §4, §7), in the report's order; committee meetings are the company's only.
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("phase_1", ("mus_coverage", "mus_education_item_rate", "open_gaps", "gaps_closed_in_cycle")),
    ("phase_2", ("agreements_made", "agreement_completion_rate", "on_track_rate", "season_fit_rate",
                 "committee_meetings_12m")),
    ("phase_3", ("participation_rate_12m", "training_hours_per_employee_12m", "buddy_share",
                 "substitute_coverage_busy")),
    ("phase_4", ("knowledge_sharing_rate",)),
)

# The series drawn as line charts: (key, chart title, a rate?).
CHARTS = (
    ("participation_rate_12m", "chart_participation", True),
    ("training_hours_per_employee_12m", "chart_hours", False),
    ("mus_coverage", "chart_mus", True),
    ("knowledge_sharing_rate", "chart_sharing", True),
)


class UI:
    """What a template needs to say things in the reader's language and to link within the dashboard."""

    def __init__(self, lang: str, as_of: date, tenant: str | None = None, *, names: Mapping[str, str] | None = None,
                 company_name: str | None = None, known_at: datetime | None = None) -> None:
        self.lang = norm_lang(lang)
        self.other = "en" if self.lang == "da" else "da"
        self.as_of = as_of
        self.known_at = known_at
        """The instant the page's figures are as known at (CONTRACT §6), or None: as known now."""
        self.tenant = tenant
        self.names = dict(names or {})
        self.company_name = company_name or tenant
        self._n = 0

    # words, numbers and dates
    def t(self, key: str, **values: Any) -> str:
        return t(self.lang, key, **values)

    def has(self, key: str) -> bool:
        from services.doors.dashboard.text import TEXT

        return key in TEXT[self.lang]

    def day(self, value: date | str | None) -> str:
        return "–" if value is None else day(value, self.lang)

    def days_since(self, value: date | str) -> int:
        """Days from ``value`` to the page's date (negative when ``value`` is after it)."""
        return (self.as_of - (date.fromisoformat(value) if isinstance(value, str) else value)).days

    def ago(self, value: date | str) -> str:
        """How long ago ``value`` was, seen from the page's date: "for 12 dage siden", "i dag", "om 3 dage"."""
        n = self.days_since(value)
        if n == 0:
            return self.t("today")
        if n == 1:
            return self.t("day_ago")
        return self.t("days_ago", n=self.num(n)) if n > 0 else self.t("in_days", n=self.num(-n))

    def month(self, value: date | str) -> str:
        d = date.fromisoformat(value + "-01" if isinstance(value, str) and len(value) == 7 else str(value))
        return month_year(d, self.lang)

    def pct(self, rate: float | None) -> Markup:
        return Markup(percent_html(rate, self.lang))

    def count(self, value: int | None) -> Markup:
        return Markup(count_html(value, self.lang))

    def num(self, value: float | int, decimals: int = 0) -> str:
        return number(value, self.lang, decimals)

    def money(self, text: str | None) -> Markup:
        if text is None:
            return Markup(na(self.lang))
        return Markup.escape(f"{number(float(text), self.lang)} {t(self.lang, 'kr')}")

    def figure(self, key: str, value: Any) -> Markup:
        """A KPI value as the reader reads it (a dash with a tooltip for null)."""
        if key in RATES:
            return self.pct(value)
        if key in HOURS:
            return Markup(hours_html(value, self.lang))
        if isinstance(value, bool):
            return Markup.escape(str(value))
        return self.count(value)

    def raw(self, value: Any) -> str:
        """A figure for a ``data-value`` attribute: exactly the read's value (empty for null)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value) if isinstance(value, float) else str(value)

    def status(self, figures: Mapping[str, Any]) -> str:
        status = figures.get("cycle_status")
        return status if status in svg.STATUSES else "nothing_due_yet"

    def verdict(self, figures: Mapping[str, Any]) -> str:
        met = figures.get("target_met")
        return "none" if met is None else ("met" if met else "missed")

    def dept(self, key: str | None) -> str:
        """A department's display name (its key when it has none)."""
        if key is None:
            return "–"
        return self.names.get(key) or key

    # links
    def url(self, path: str = "/", **params: Any) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        query.setdefault("as_of", self.as_of.isoformat())
        if self.known_at is not None:
            query.setdefault("known_at", self.known_text())
        query.setdefault("lang", self.lang)
        return path + "?" + urlencode(query)

    def known_text(self) -> str:
        """The page's known_at as RFC 3339 (as given: its offset kept), or empty."""
        return "" if self.known_at is None else self.known_at.isoformat()

    def known_shown(self) -> str:
        """The page's known_at for the reader: date, time and offset (``2026-12-01 12:00:00 +01:00``)."""
        if self.known_at is None:
            return ""
        offset = self.known_at.isoformat()[19:].lstrip("0123456789.") or "+00:00"
        return f"{self.known_at.strftime('%Y-%m-%d %H:%M:%S')} {'UTC' if offset in ('+00:00', 'Z') else offset}"

    def page(self, name: str, **params: Any) -> str:
        """A page of this company: its own page is ``/?tenant=``, the others ``/dashboard/{tenant}/{name}``."""
        if name == "company":
            return self.url("/", tenant=self.tenant, **params)
        return self.url(f"/dashboard/{self.tenant}/{name}", **params)

    def switch(self, path: str, params: Mapping[str, Any]) -> str:
        """The same page in the other language."""
        return path + "?" + urlencode({**{k: v for k, v in params.items() if v is not None}, "lang": self.other})

    def as_now(self, path: str, params: Mapping[str, Any]) -> str:
        """The same page as known now (without known_at)."""
        query = {k: v for k, v in params.items() if v is not None and k != "known_at"}
        return path + "?" + urlencode({**query, "lang": self.lang})

    # drawings
    def uid(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}"

    def gauge(self, figures: Mapping[str, Any], label: str | None = None) -> Markup:
        target = figures.get("completion_target")
        return Markup(svg.gauge(figures.get("on_track_rate"), 0.85 if target is None else target, self.status(figures),
                                self.lang, label=label or self.t("on_track_rate"), uid=self.uid("gauge")))

    def line(self, points: list[tuple[date, float | None]], title: str, *, percent: bool = True,
             target: float | None = None) -> Markup:
        return Markup(svg.line_chart(points, self.lang, label=title, uid=self.uid("chart"), percent=percent,
                                     target=target, unit=self.t("hours_unit")))

    def strip(self, months: tuple[date, ...], row: svg.SeasonRow, scope: str) -> Markup:
        return Markup(svg.strip(months, row, self.lang, scope=scope, uid=self.uid("strip")))

    def wheel_note(self, row: svg.SeasonRow, company: bool) -> str:
        if not any(row.seasons):
            return self.t("no_wheel")
        whose = self.t("company_wheel") if company or not row.own_wheel else self.t("own_wheel")
        kind = self.t(f"kind_{row.kind}") if row.kind in ("seasonal", "departmental", "fixed", "flexible") else ""
        return f"{whose} · {kind}" if kind else whose

    def percent_text(self, rate: float) -> str:
        return percent_text(rate, self.lang)


def series_points(series: Mapping[str, Any] | None, key: str, scope: tuple[str, str] | None = None
                  ) -> list[tuple[date, float | None]]:
    """(date, value) of one key along a series read, for the company or ``("departments", key)``."""
    found = []
    for point in (series or {}).get("points", []):
        if scope is None:
            figures = point.get("company") or {}
        else:
            figures = (point.get(scope[0]) or {}).get(scope[1]) or {}
        value = figures.get(key)
        found.append((date.fromisoformat(point["as_of"]), None if value is None else float(value)))
    return found


def cycle_points(points: list[tuple[date, float | None]], cycle_start: date) -> list[tuple[date, float | None]]:
    """The points on the last day of each cycle (the day before a cycle starts, in the month before)."""
    last_month = 12 if cycle_start.month == 1 else cycle_start.month - 1
    return [(d, v) for d, v in points if d.month == last_month]


def charts(ui: UI, series: Mapping[str, Any] | None, cycle_start: date | None, target: float | None,
           scope: tuple[str, str] | None = None) -> list[Markup]:
    """The line charts of a scope: completion per cycle, then participation, hours, MUS and sharing by month."""
    drawn = []
    completion = series_points(series, "agreement_completion_rate", scope)
    if cycle_start is not None:
        per_cycle = cycle_points(completion, cycle_start)
        if per_cycle:
            drawn.append(ui.line(per_cycle, ui.t("chart_completion_cycles"), target=target))
    drawn.append(ui.line(completion, ui.t("chart_completion_month"), target=target))
    for key, title, rate in CHARTS:
        drawn.append(ui.line(series_points(series, key, scope), ui.t(title), percent=rate))
    return drawn


def access_banner(lang: str) -> Markup:
    from services.doors.dashboard.access_pages import access_banner as banner

    return Markup(banner(lang))


def render(template: str, ui: UI, *, path: str = "/", params: Mapping[str, Any] | None = None,
           refresh: int | None = None, **context: Any) -> str:
    """A whole page: the template with the reader's UI, the inlined CSS and the access banner."""
    params = dict(params or {})
    params.setdefault("as_of", ui.as_of.isoformat())
    if ui.known_at is not None:
        params.setdefault("known_at", ui.known_text())
    return ENV.get_template(template).render(
        ui=ui, css=Markup(CSS), banner=access_banner(ui.lang), path=path, params=params, refresh=refresh,
        phases=PHASES, **context,
    )
