"""Comparing a KPI document with the reference, key by key, with messages that name the key."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import asyncpg
from kpi_eventlog import EventLog
from reference_kpis import reference_document

from projections import kpi_document


def differences(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    found = []
    for key in ("tenant", "as_of", "cycle"):
        if actual.get(key) != expected[key]:
            found.append(f"{key}: {actual.get(key)!r} != {expected[key]!r}")
    if set(actual["departments"]) != set(expected["departments"]):
        found.append(f"departments: {sorted(actual['departments'])} != {sorted(expected['departments'])}")
    scopes = [("company", actual["company"], expected["company"])]
    scopes += [
        (f"departments.{d}", actual["departments"].get(d, {}), figures)
        for d, figures in expected["departments"].items()
    ]
    for scope, mine, theirs in scopes:
        if set(mine) != set(theirs):
            found.append(f"{scope} keys: {sorted(set(mine) ^ set(theirs))}")
        for key, want in theirs.items():
            got = mine.get(key)
            if not same(got, want):
                found.append(f"{scope}.{key}: {got!r} != {want!r}")
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
) -> None:
    """The projection's document equals the reference on every date (default: the interesting ones).

    Each ``per_department_every``-th date also asks for each department on its own.
    """
    dates = interesting_dates(log, tenant) if dates is None else dates
    for n, as_of in enumerate(dates):
        expected = reference_document(log.events, tenant, as_of)
        actual = await kpi_document(pool, tenant, as_of)
        problems = differences(actual, expected)
        assert not problems, f"{tenant} as of {as_of}:\n  " + "\n  ".join(problems)
        if n % per_department_every == 0:
            for dept in expected["departments"]:
                one = await kpi_document(pool, tenant, as_of, department=dept)
                want = reference_document(log.events, tenant, as_of, department=dept)
                problems = differences(one, want)
                assert not problems, f"{tenant} as of {as_of}, department {dept}:\n  " + "\n  ".join(problems)
