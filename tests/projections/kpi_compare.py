"""Comparing the KPI reads with the reference, key by key, with messages that name the key."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import asyncpg
from kpi_eventlog import EventLog
from reference_kpis import reference_competences, reference_document, reference_series

from projections import SeriesRequest, competence_matrix, kpi_document, kpi_series


def differences(actual: dict[str, Any], expected: dict[str, Any], prefix: str = "") -> list[str]:
    """What differs between two documents (or their ``last_cycle``, or series points): every key of every
    scope, and which scopes are listed."""
    found = []
    for key in ("tenant", "as_of", "cycle", "start", "end"):
        if key in expected and actual.get(key) != expected[key]:
            found.append(f"{prefix}{key}: {actual.get(key)!r} != {expected[key]!r}")
    if set(actual) - {"last_cycle"} != set(expected) - {"last_cycle"}:
        found.append(f"{prefix}parts: {sorted(actual)} != {sorted(expected)}")
    scopes = [(f"{prefix}company", actual.get("company", {}), expected["company"])]
    for level in ("departments", "managers"):
        if level not in expected:
            continue
        mine = actual.get(level, {})
        if set(mine) != set(expected[level]):
            found.append(f"{prefix}{level}: {sorted(mine)} != {sorted(expected[level])}")
        scopes += [(f"{prefix}{level}.{name}", mine.get(name, {}), keys) for name, keys in expected[level].items()]
    for scope, mine, theirs in scopes:
        if set(mine) != set(theirs):
            found.append(f"{scope} keys: {sorted(set(mine) ^ set(theirs))}")
        for key, want in theirs.items():
            got = mine.get(key)
            if not same(got, want):
                found.append(f"{scope}.{key}: {got!r} != {want!r}")
    if "last_cycle" in expected:
        found += differences(actual.get("last_cycle", {"company": {}}), expected["last_cycle"], "last_cycle.")
    return found


def same(got: Any, want: Any) -> bool:
    if isinstance(want, bool) or want is None or isinstance(got, bool) or got is None:
        return got is want or got == want and type(got) is type(want)
    if isinstance(want, float) or isinstance(got, float):
        return isinstance(got, int | float) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return type(got) is type(want) and got == want


def interesting_dates(log: EventLog, tenant: str) -> list[date]:
    """Every date a fact of the tenant carries, with the days around it where a window opens or closes."""
    seen: set[date] = set()
    for event in log.events:
        if event.tenant != tenant:
            continue
        for value in event.data.values():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
                seen.add(date.fromisoformat(value))
    offsets = (-1, 0, 1, 30, 31, 364, 365)
    return sorted({day + timedelta(days=n) for day in seen for n in offsets})


async def assert_matches_reference(
    pool: asyncpg.Pool,
    log: EventLog,
    tenant: str,
    dates: list[date] | None = None,
    *,
    per_department_every: int = 1,
    by_manager_every: int = 1,
) -> None:
    """The projection's document equals the reference on every date (default: the interesting ones), and so
    does the competence matrix.

    Each ``per_department_every``-th date also asks for each department on its own; each
    ``by_manager_every``-th date asks for the managers too.
    """
    dates = interesting_dates(log, tenant) if dates is None else dates
    for n, as_of in enumerate(dates):
        by_manager = n % by_manager_every == 0
        expected = reference_document(log.events, tenant, as_of, by_manager=by_manager)
        actual = await kpi_document(pool, tenant, as_of, by_manager=by_manager)
        problems = differences(actual, expected)
        assert not problems, f"{tenant} as of {as_of}:\n  " + "\n  ".join(problems)
        matrix = await competence_matrix(pool, tenant, as_of)
        assert matrix["employees"] == reference_competences(log.events, tenant, as_of), f"{tenant} as of {as_of}"
        if n % per_department_every == 0:
            for dept in expected["departments"]:
                one = await kpi_document(pool, tenant, as_of, department=dept)
                want = reference_document(log.events, tenant, as_of, department=dept)
                problems = differences(one, want)
                assert not problems, f"{tenant} as of {as_of}, department {dept}:\n  " + "\n  ".join(problems)


async def assert_series_match_reference(
    pool: asyncpg.Pool, log: EventLog, tenant: str, first: date, last: date, keys: list[str] | None = None
) -> None:
    """Monthly and quarterly series (with managers) equal the reference's documents at those dates."""
    for step in ("month", "quarter"):
        request = SeriesRequest.checked(first, last, step, keys)
        series = await kpi_series(pool, tenant, request, by_manager=True)
        wanted = reference_series(log.events, tenant, first, last, step, list(request.keys), by_manager=True)
        assert [p["as_of"] for p in series["points"]] == [p["as_of"] for p in wanted]
        for got, want in zip(series["points"], wanted, strict=True):
            problems = differences(got, want)
            assert not problems, f"{tenant} {step} point {want['as_of']}:\n  " + "\n  ".join(problems)
