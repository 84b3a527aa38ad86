"""Inline SVG charts of the dashboard: the agreement completion gauge and the 12-month season strip.

Server-side only: the browser needs no script. Every chart has a text alternative (``role="img"`` with
a label, and a ``<title>`` per month in the strip), and its numbers are plain SVG text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape

from services.doors.dashboard.text import MONTHS_SHORT, month_year, number, percent_text, t

SEASONS = ("busy", "normal", "low")


@dataclass(frozen=True)
class SeasonRow:
    """One scope's strip: per month the season of the wheel in force (None: no wheel) and the course starts."""

    seasons: tuple[str | None, ...]
    starts: tuple[int, ...]
    own_wheel: bool = True
    """For a department: True when it has its own wheel, False when the company wheel is shown."""
    kind: str | None = None
    """The kind of the wheel in force in the last month (seasonal, departmental, fixed, flexible)."""


@dataclass(frozen=True)
class SeasonStrip:
    """The season fit of a tenant over the 12 months ending at the as-of date."""

    months: tuple[date, ...]
    """The first day of each month, oldest first; the last is the month of the as-of date."""
    company: SeasonRow
    departments: dict[str, SeasonRow] = field(default_factory=dict)
    focus_areas: tuple[tuple[int, str], ...] = ()
    """(quarter, title) of the company wheel in force on the as-of date."""

    def row_for(self, department: str) -> SeasonRow:
        """The department's own row, else the company wheel without starts."""
        return self.departments.get(department) or SeasonRow(
            self.company.seasons, (0,) * len(self.months), own_wheel=False, kind=self.company.kind
        )


def gauge(rate: float | None, target: float, target_met: bool | None, lang: str, *, label: str, uid: str) -> str:
    """A half-circle gauge from 0 to 100 % with the rate as a filled arc and the target as a tick."""
    status = "no-agreements" if rate is None else ("on-track" if target_met else "at-risk")
    status_text = t(lang, {"no-agreements": "no_agreements", "on-track": "on_track", "at-risk": "at_risk"}[status])
    value_text = "–" if rate is None else percent_text(rate, lang)
    target_text = percent_text(target, lang)
    aria = f"{label}: {value_text if rate is not None else t(lang, 'no_data')}, " \
           f"{t(lang, 'target')} {target_text}, {status_text}"
    title_id = f"{uid}-title"
    r, cx, cy = 80.0, 100.0, 100.0
    arc = f"M {cx - r:.0f} {cy:.0f} A {r:.0f} {r:.0f} 0 0 1 {cx + r:.0f} {cy:.0f}"
    parts = [
        f'<svg class="gauge {status}" viewBox="0 0 200 126" role="img" aria-labelledby="{title_id}"'
        f' data-rate="{"" if rate is None else repr(float(rate))}" data-target="{float(target)!r}"'
        f' data-status="{status}">',
        f'<title id="{title_id}">{escape(aria)}</title>',
        f'<path class="track" d="{arc}" fill="none" stroke="#d9dee6" stroke-width="18" pathLength="100"/>',
    ]
    if rate is not None and rate > 0:
        filled = min(100.0, max(0.0, float(Decimal(repr(float(rate))) * 100)))
        colour = "#1a7f37" if target_met else "#b4410c"
        parts.append(
            f'<path class="value value-{status}" d="{arc}" fill="none" stroke="{colour}" stroke-width="18"'
            f' pathLength="100" stroke-dasharray="{filled:.2f} 100"/>'
        )
    theta = math.pi * (1.0 - min(1.0, max(0.0, float(target))))
    x1, y1 = cx + 66 * math.cos(theta), cy - 66 * math.sin(theta)
    x2, y2 = cx + 96 * math.cos(theta), cy - 96 * math.sin(theta)
    parts.append(
        f'<line class="target" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#1d2430"'
        f' stroke-width="3"><title>{escape(t(lang, "target_line"))} {escape(target_text)}</title></line>'
    )
    parts += [
        f'<text class="gauge-value" x="{cx:.0f}" y="{cy - 8:.0f}" text-anchor="middle">{escape(value_text)}</text>',
        f'<text class="gauge-scale" x="20" y="120" text-anchor="middle">{escape(number(0, lang))}</text>',
        f'<text class="gauge-scale" x="180" y="120" text-anchor="middle">{escape(number(100, lang))}</text>',
        "</svg>",
    ]
    return "".join(parts)


_CELL_W, _GAP, _CELL_H, _TOP = 56, 4, 40, 6
_FILL = {"busy": "#f1a07f", "normal": "#e3e6eb", "low": "#9fcbe3", None: "#ffffff"}


def strip(months: tuple[date, ...], row: SeasonRow, lang: str, *, scope: str, uid: str) -> str:
    """Twelve month cells coloured busy/normal/low, each with its number of course starts."""
    width = len(months) * _CELL_W
    title_id = f"{uid}-title"
    first = month_year(months[0], lang) if months else ""
    last = month_year(months[-1], lang) if months else ""
    label = t(lang, "strip_label", scope=scope, first=first, last=last)
    parts = [
        f'<svg class="strip" viewBox="0 0 {width} 80" role="img" aria-labelledby="{title_id}"'
        f' data-months="{len(months)}">',
        f'<title id="{title_id}">{escape(label)}</title>',
    ]
    for i, (month, season, starts) in enumerate(zip(months, row.seasons, row.starts, strict=True)):
        x = i * _CELL_W + _GAP / 2
        w = _CELL_W - _GAP
        season_key = season if season in SEASONS else None
        season_text = t(lang, season_key) if season_key else t(lang, "no_wheel")
        word = t(lang, "start") if starts == 1 else t(lang, "starts")
        tip = f"{month_year(month, lang)}: {season_text} · {number(starts, lang)} {word}"
        if season_key == "busy" and starts:
            tip += f" ({t(lang, 'busy_starts')})"
        css = f"cell-{season_key or 'none'}"
        parts.append(
            f'<g class="month season-{season_key or "none"}" data-month="{month:%Y-%m}"'
            f' data-season="{season_key or ""}" data-starts="{starts}">'
            f"<title>{escape(tip)}</title>"
            f'<rect class="{css}" x="{x:.0f}" y="{_TOP}" width="{w}" height="{_CELL_H}" rx="4"'
            f' fill="{_FILL[season_key]}"/>'
        )
        if season_key == "busy":
            parts.append(f'<rect class="busy-mark" x="{x:.0f}" y="{_TOP}" width="{w}" height="5" fill="#9c3d14"/>')
        text_css = "starts" + (" clash" if season_key == "busy" and starts else "") + ("" if starts else " zero")
        parts.append(
            f'<text class="{text_css}" x="{x + w / 2:.0f}" y="{_TOP + 26}" text-anchor="middle">'
            f"{escape(number(starts, lang))}</text>"
            f'<text class="month-label" x="{x + w / 2:.0f}" y="{_TOP + _CELL_H + 15}" text-anchor="middle">'
            f"{escape(MONTHS_SHORT[lang][month.month - 1])}</text>"
        )
        if i == 0 or month.month == 1:
            parts.append(
                f'<text class="year-label" x="{x + w / 2:.0f}" y="{_TOP + _CELL_H + 28}" text-anchor="middle">'
                f"{month.year}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
