"""KPI series (CONTRACT.md §7): chosen keys at each month's (calendar quarter's) last day in a window, every
point equal to the document on its date — counted for all dates in one statement (see ``windows``)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import asyncpg

from projections.kpi.document import COMPANY_KEYS, SCOPE_KEYS, Point, known, read_points
from projections.kpi.queries import kpi_figure_parts
from projections.kpi.reading import InvalidRead, fetch_active_parts

Step = Literal["month", "quarter"]
STEPS: tuple[Step, ...] = ("month", "quarter")
MAX_YEARS = 10
"""The longest window a series reads: 120 month ends."""


@dataclass(frozen=True)
class SeriesRequest:
    start: date
    end: date
    step: Step
    keys: tuple[str, ...]

    @classmethod
    def checked(cls, start: date, end: date, step: str, keys: Iterable[str] | None = None) -> SeriesRequest:
        """The request, or InvalidRead naming the first parameter that is wrong."""
        if end < start:
            raise InvalidRead("to", f"({end}) must not be before from ({start})")
        if _years_later(start, MAX_YEARS) < end:
            raise InvalidRead("to", f"must be at most {MAX_YEARS} years after from ({start})")
        if step not in STEPS:
            raise InvalidRead("step", f"must be 'month' or 'quarter', not {step!r}")
        wanted = tuple(dict.fromkeys(key.strip() for key in keys or () if key.strip())) or COMPANY_KEYS
        unknown = [key for key in wanted if key not in COMPANY_KEYS]
        if unknown:
            known = ", ".join(COMPANY_KEYS)
            raise InvalidRead("keys", f"has unknown keys {', '.join(map(repr, unknown))}; known: {known}")
        return cls(start, end, step, wanted)

    def dates(self) -> list[date]:
        """Each month's (calendar quarter's) last day in [start, end]."""
        months = range(self.start.year * 12 + self.start.month - 1, self.end.year * 12 + self.end.month)
        ends = [_month_end(n // 12, n % 12 + 1) for n in months if self.step == "month" or (n % 12 + 1) % 3 == 0]
        return [day for day in ends if self.start <= day <= self.end]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


async def kpi_series(
    pool: asyncpg.Pool, tenant: str, request: SeriesRequest, department: str | None = None, *, by_manager: bool = False,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """``points``: for every date of the request, the requested keys of the company and of the scopes the
    document on that date lists (``department``: that one only; ``by_manager``: also ``managers``); with
    ``known_at``, as known then."""
    dates = request.dates()
    statements = kpi_figure_parts(last_cycles=False, by_manager=by_manager, known=known_at is not None)
    rows = await fetch_active_parts(pool, statements, tenant, dates, *known(known_at), hashed=known_at is not None) \
        if dates else []
    return series_of(read_points(rows), tenant, request, department, by_manager)


def series_of(found: dict[date, Point], tenant: str, request: SeriesRequest, department: str | None = None,
              by_manager: bool = False) -> dict[str, Any]:
    """The series from points read for (at least) every date of the request (see ``kpi_series``)."""
    dates = request.dates()
    scope_keys = [key for key in request.keys if key in SCOPE_KEYS]
    points = []
    for day in dates:
        point = found[day]
        company = point.company()
        scopes = {
            level: {name: {key: keys[key] for key in scope_keys} for name, keys in listed.items()}
            for level, listed in point.scopes(department, by_manager).items()
        }
        points.append({"as_of": day.isoformat(), "company": {key: company[key] for key in request.keys}, **scopes})
    return {
        "tenant": tenant,
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "step": request.step,
        "keys": list(request.keys),
        "points": points,
    }
