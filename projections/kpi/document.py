"""The KPI document of a tenant as of a business date (CONTRACT.md §4 and §7), read from the active version.

``kpi_figures`` counts, for each date asked about, every family of keys per scope; this module turns those
counts into the keys (every key is a ratio of two counts, or a count) and lists the scopes the contract
lists. The series (``series``) reads the same counts for many dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

import asyncpg

from projections.kpi.families import FAMILIES
from projections.kpi.queries import kpi_figure_parts
from projections.kpi.reading import fetch_active_parts

DEPARTMENT, MANAGER, COMPANY = 1, 2, 3
"""A tally's level (``windows.Scopes``); the company's is added up from the departments'."""

SCOPE_KEYS = (
    "active_employees",
    "agreements_made",
    "agreements_completed_on_time",
    "agreement_completion_rate",
    "completion_target",
    "target_met",
    "participation_rate_12m",
    "training_hours_per_employee_12m",
    "mus_coverage",
    "mus_education_item_rate",
    "open_gaps",
    "gaps_closed_in_cycle",
    "knowledge_sharing_rate",
    "season_fit_rate",
    "buddy_share",
    "substitute_coverage_busy",
    "agreements_due_to_date",
    "agreements_due_completed_on_time",
    "on_track_rate",
    "cycle_status",
)
"""The keys of every scope: the company, each department, each manager."""

COMPANY_KEYS = (*SCOPE_KEYS, "committee_meetings_12m")

LAST_CYCLE_KEYS = (
    "agreements_made",
    "agreements_completed_on_time",
    "agreement_completion_rate",
    "completion_target",
    "target_met",
)
"""The finished cycle's verdict, per scope."""


@dataclass
class Tally:
    """What one scope counts on one date; every key is a ratio of two of these, or one of them."""

    active: int = 0
    participants: int = 0
    hours: Decimal = Decimal(0)
    covered: int = 0
    education_items: int = 0
    open_gaps: int = 0
    closed_gaps: int = 0
    made: int = 0
    on_time: int = 0
    due: int = 0
    due_on_time: int = 0
    sharing_den: int = 0
    sharing_num: int = 0
    season_den: int = 0
    season_num: int = 0
    buddy_den: int = 0
    buddy_num: int = 0
    busy_den: int = 0
    busy_num: int = 0

    def counts_anything(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @classmethod
    def sum(cls, tallies: Iterable[Tally]) -> Tally:
        total = cls()
        for tally in tallies:
            for f in fields(cls):
                setattr(total, f.name, getattr(total, f.name) + getattr(tally, f.name))
        return total


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _cycle_status(on_track: float | None, target: float) -> str:
    if on_track is None:
        return "nothing_due_yet"
    return "on_track" if on_track >= target else "behind"


def figures(t: Tally, target: float) -> dict[str, Any]:
    """Every key of a scope (``SCOPE_KEYS``)."""
    rate = _ratio(t.on_time, t.made)
    on_track = _ratio(t.due_on_time, t.due)
    return {
        "active_employees": t.active,
        "agreements_made": t.made,
        "agreements_completed_on_time": t.on_time,
        "agreement_completion_rate": rate,
        "completion_target": target,
        "target_met": None if rate is None else rate >= target,
        "participation_rate_12m": _ratio(t.participants, t.active),
        "training_hours_per_employee_12m": float(t.hours / t.active) if t.active else 0.0,
        "mus_coverage": _ratio(t.covered, t.active),
        "mus_education_item_rate": _ratio(t.education_items, t.covered),
        "open_gaps": t.open_gaps,
        "gaps_closed_in_cycle": t.closed_gaps,
        "knowledge_sharing_rate": _ratio(t.sharing_num, t.sharing_den),
        "season_fit_rate": _ratio(t.season_num, t.season_den),
        "buddy_share": _ratio(t.buddy_num, t.buddy_den),
        "substitute_coverage_busy": _ratio(t.busy_num, t.busy_den),
        "agreements_due_to_date": t.due,
        "agreements_due_completed_on_time": t.due_on_time,
        "on_track_rate": on_track,
        "cycle_status": _cycle_status(on_track, target),
    }


@dataclass
class Point:
    """Everything counted for one as-of date."""

    as_of: date
    cycle_start: date
    cycle_end: date
    target: float
    meetings: int
    tallies: dict[tuple[int, str | None], Tally] = field(default_factory=dict)

    def company(self) -> dict[str, Any]:
        company = figures(self.tallies.get((COMPANY, None), Tally()), self.target)
        company["committee_meetings_12m"] = self.meetings
        return company

    def listed(self, level: int, only: str | None = None) -> dict[str, dict[str, Any]]:
        """The scopes of a level the contract lists — those with anything counted in any key — or just
        ``only`` (even when it counts nothing), each with every key."""
        if only is not None:
            chosen = {only: self.tallies.get((level, only), Tally())}
        else:
            chosen = {
                name: tally for (of, name), tally in self.tallies.items()
                if of == level and name is not None and tally.counts_anything()
            }
        return {name: figures(chosen[name], self.target) for name in sorted(chosen)}

    def scopes(self, department: str | None, by_manager: bool) -> dict[str, dict[str, dict[str, Any]]]:
        """``departments`` (and ``managers``) of a document on this date."""
        listed = {"departments": self.listed(DEPARTMENT, department)}
        if by_manager:
            listed["managers"] = self.listed(MANAGER)
        return listed


def read_points(rows: list[asyncpg.Record]) -> dict[date, Point]:
    """The rows of ``kpi_figures`` as one Point per as-of date: each figure of each scope summed over the spans
    that hold on the date; the company is every department together."""
    windows = sorted((row for row in rows if row["family"] == "window"), key=lambda row: row["as_of"])
    points = [
        Point(row["as_of"], row["cycle_start"], row["cycle_end"], row["target"], int(row["meetings"]))
        for row in windows
    ]
    edges: dict[tuple[int, str, str], list[Any]] = {}
    for row in rows:
        if row["family"] == "window" or row["scope"] is None:
            continue
        for figure, first, after, amount in FAMILIES[row["family"]].spans(row["part"], row["edges"], row["counts"]):
            if first < min(after, len(points)) and amount:
                deltas = edges.setdefault((row["level"], row["scope"], figure), [0] * (len(points) + 1))
                deltas[first] += amount
                deltas[after] -= amount
    for (level, scope, figure), deltas in edges.items():
        for point, total in zip(points, accumulate(deltas), strict=False):
            if total:
                value = total if figure == "hours" else int(total)
                setattr(point.tallies.setdefault((level, scope), Tally()), figure, value)
    for point in points:
        point.tallies[(COMPANY, None)] = Tally.sum(t for (level, _), t in point.tallies.items() if level == DEPARTMENT)
    return {point.as_of: point for point in points}


async def kpi_document(
    pool: asyncpg.Pool, tenant: str, as_of: date, department: str | None = None, *, by_manager: bool = False,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The §4 document with the §7 keys in every scope and ``last_cycle``; with ``department``, ``departments``
    holds that one only (even when it counts nothing); with ``by_manager``, also ``managers``; with
    ``known_at`` (an aware datetime), as known then: only events recorded by then count."""
    statements = kpi_figure_parts(last_cycles=True, by_manager=by_manager, known=known_at is not None)
    rows = await fetch_active_parts(pool, statements, tenant, [as_of], *known(known_at), hashed=known_at is not None)
    return document_of(read_points(rows), tenant, as_of, department, by_manager)


def document_of(found: dict[date, Point], tenant: str, as_of: date, department: str | None = None,
                by_manager: bool = False) -> dict[str, Any]:
    """The document on ``as_of`` from points read with ``last_cycles`` (see ``kpi_document``)."""
    point = found[as_of]
    return {
        "tenant": tenant,
        "as_of": as_of.isoformat(),
        "cycle": {"start": point.cycle_start.isoformat(), "end": point.cycle_end.isoformat()},
        "company": point.company(),
        **point.scopes(department, by_manager),
        "last_cycle": _verdict(found[point.cycle_start - timedelta(days=1)], department, by_manager),
    }


def known(known_at: datetime | None) -> tuple[datetime, ...]:
    """The parameter a read as known at an instant adds ($3), if any."""
    if known_at is None:
        return ()
    if known_at.tzinfo is None:
        raise ValueError("known_at must carry its offset from UTC")
    return (known_at,)


def _verdict(point: Point, department: str | None, by_manager: bool) -> dict[str, Any]:
    """The finished cycle's keys, per scope, exactly as the document on ``point`` has them."""
    return {
        "start": point.cycle_start.isoformat(),
        "end": point.cycle_end.isoformat(),
        "company": _only(point.company(), LAST_CYCLE_KEYS),
        **{
            level: {name: _only(keys, LAST_CYCLE_KEYS) for name, keys in scopes.items()}
            for level, scopes in point.scopes(department, by_manager).items()
        },
    }


def _only(keys: dict[str, Any], wanted: tuple[str, ...]) -> dict[str, Any]:
    return {key: keys[key] for key in wanted if key in keys}
