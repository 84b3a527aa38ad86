"""Inline SVG charts of the dashboard: the cycle gauge, the 12-month season strip and line charts.

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


STATUSES = ("on_track", "behind", "nothing_due_yet")


def gauge(rate: float | None, target: float, status: str, lang: str, *, label: str, uid: str) -> str:
    """A half-circle gauge from 0 to 100 % with the rate as a filled arc and the target as a tick; ``status``
    is the cycle's (``on_track``, ``behind``, ``nothing_due_yet``): nothing due is never shown as behind."""
    status = status if status in STATUSES else "nothing_due_yet"
    status_text = t(lang, f"status_{status}")
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
        colour = {"on_track": "#1a7f37", "behind": "#b4410c"}.get(status, "#8a94a3")
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


_LW, _LH, _PAD_L, _PAD_R, _PAD_T, _PAD_B = 520, 170, 44, 12, 12, 30


def line_chart(points: list[tuple[date, float | None]], lang: str, *, label: str, uid: str, percent: bool = True,
               target: float | None = None, unit: str = "") -> str:
    """A line over dated values (None leaves a gap), with its scale, a tooltip per point and, for a rate, the
    target as a dashed line. The values ride along as ``data-values`` (JSON-like, empty for None)."""
    values = [v for _, v in points if v is not None]
    top = 1.0 if percent else max([*values, 0.0]) or 1.0
    if not percent:
        top = _nice_top(top)
    plot_w, plot_h = _LW - _PAD_L - _PAD_R, _LH - _PAD_T - _PAD_B
    n = len(points)

    def x(i: int) -> float:
        return _PAD_L + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return _PAD_T + plot_h * (1 - min(max(v / top, 0.0), 1.0))

    def shown(v: float) -> str:
        return percent_text(v, lang) if percent else number(v, lang, 1) + (f" {unit}" if unit else "")

    title_id = f"{uid}-title"
    data = ",".join("" if v is None else repr(float(v)) for _, v in points)
    parts = [
        f'<svg class="line-chart" viewBox="0 0 {_LW} {_LH}" role="img" aria-labelledby="{title_id}"'
        f' data-values="{data}" data-dates="{",".join(d.isoformat() for d, _ in points)}">',
        f"<title id=\"{title_id}\">{escape(label)}</title>",
    ]
    for frac in (0.0, 0.5, 1.0):
        gy = _PAD_T + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{_PAD_L}" y1="{gy:.1f}" x2="{_LW - _PAD_R}" y2="{gy:.1f}"/>')
        parts.append(f'<text class="axis" x="{_PAD_L - 6}" y="{gy + 4:.1f}" text-anchor="end">'
                     f"{escape(shown(top * frac) if not percent else percent_text(frac, lang))}</text>")
    if target is not None and percent:
        ty = y(float(target))
        tip = f"{t(lang, 'target_line')} {percent_text(float(target), lang)}"
        parts.append(f'<line class="target-line" x1="{_PAD_L}" y1="{ty:.1f}" x2="{_LW - _PAD_R}" y2="{ty:.1f}">'
                     f"<title>{escape(tip)}</title></line>")
    runs: list[list[str]] = [[]]
    for i, (_, v) in enumerate(points):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(f"{x(i):.1f},{y(float(v)):.1f}")
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline class="line" fill="none" points="{" ".join(run)}"/>')
    for i, (d, v) in enumerate(points):
        if v is not None:
            tip = f"{month_year(d, lang)}: {shown(float(v))}"
            parts.append(f'<circle class="dot" cx="{x(i):.1f}" cy="{y(float(v)):.1f}" r="3">'
                         f"<title>{escape(tip)}</title></circle>")
        if n <= 6 or i % 6 == (n - 1) % 6:
            parts.append(f'<text class="axis" x="{x(i):.1f}" y="{_LH - 10}" text-anchor="middle">'
                         f"{escape(month_year(d, lang))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _nice_top(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if value <= step:
            return float(step)
    return float(math.ceil(value / 1000) * 1000)
