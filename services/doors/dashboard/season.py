"""The season strip of a company page, built from the projection's wheels and course starts.

For each scope (the company, and every department with a wheel of its own) and each of the 12 months ending
with the as-of month: the wheel in force on the month's last day (at most the as-of date) — the latest
``effective_from`` on or before it, equal dates: the one accepted last — and the live course starts of the
month, a department's counted by the employee's department on booked_on (``projections.kpi.greb_read``).
A department without a wheel of its own in a month shows the company's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.doors.dashboard.svg import SeasonRow, SeasonStrip

__all__ = ["months_ending", "month_end", "season_strip"]


def months_ending(as_of: date, n: int = 12) -> tuple[date, ...]:
    """The first days of the ``n`` calendar months ending with the month of ``as_of``, oldest first."""
    index = as_of.year * 12 + as_of.month - 1
    first = max(index - (n - 1), 12)  # never before year 1
    return tuple(date(i // 12, i % 12 + 1, 1) for i in range(first, index + 1))


def month_end(month_start: date) -> date:
    index = month_start.year * 12 + month_start.month
    if index // 12 > 9999:
        return date(9999, 12, 31)
    return date.fromordinal(date(index // 12, index % 12 + 1, 1).toordinal() - 1)


def _in_force(wheels: list[dict[str, Any]], day: date) -> dict[str, Any] | None:
    found = None
    for wheel in wheels:  # oldest first, then in the order accepted: the last that applies wins
        if wheel["effective_from"] <= day:
            found = wheel
    return found


def _season(wheel: dict[str, Any] | None, month: date) -> str | None:
    if wheel is None or len(wheel["months"]) < month.month:
        return None
    season = wheel["months"][month.month - 1]
    return None if season is None else str(season)


def season_strip(facts: Mapping[str, Any], as_of: date, departments: list[str]) -> SeasonStrip:
    """The strip of the company and of ``departments`` (plus every department with a wheel or starts of its own)."""
    months = months_ending(as_of)
    cutoffs = [min(month_end(m), as_of) for m in months]
    by_scope: dict[str | None, list[dict[str, Any]]] = {}
    for wheel in facts["wheels"]:
        by_scope.setdefault(wheel["department"], []).append(wheel)
    index = {m: i for i, m in enumerate(months)}
    company_starts = [0] * len(months)
    dept_starts: dict[str, list[int]] = {}
    for month, department, starts in facts["starts"]:
        i = index.get(month)
        if i is None:
            continue
        company_starts[i] += starts
        if department is not None:
            dept_starts.setdefault(department, [0] * len(months))[i] += starts

    company_wheels = by_scope.get(None, [])
    company_in_force = [_in_force(company_wheels, day) for day in cutoffs]
    company_seasons = tuple(_season(w, m) for w, m in zip(company_in_force, months, strict=True))
    last_company = company_in_force[-1]
    company = SeasonRow(company_seasons, tuple(company_starts), own_wheel=True,
                        kind=last_company["kind"] if last_company else None)
    focus = tuple((f["quarter"], f["title"]) for f in (last_company or {}).get("focus_areas", []))
    rows: dict[str, SeasonRow] = {}
    for key in sorted(set(departments) | set(dept_starts) | {d for d in by_scope if d is not None}):
        own = by_scope.get(key, [])
        own_in_force = [_in_force(own, day) for day in cutoffs]
        seasons = tuple(
            _season(mine, m) if mine is not None else theirs
            for mine, theirs, m in zip(own_in_force, company_seasons, months, strict=True)
        )
        last_own = own_in_force[-1]
        kind = (last_own or last_company or {}).get("kind")
        rows[key] = SeasonRow(seasons, tuple(dept_starts.get(key) or [0] * len(months)), own_wheel=bool(own),
                              kind=kind)
    return SeasonStrip(months=months, company=company, departments=rows, focus_areas=focus)
