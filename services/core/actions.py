"""The HR manager's actions (CONTRACT.md §7): what is due for whom on a date, from the projections.

The kinds of the contract's table come from ``projections.kpi.actions``; the funding read adds its own
(``funding_deadline``, ``funding_unclaimed``) for a company that reports funding facts (``uses_funding``) — one
that sends only the contract's messages gets exactly the contract's kinds. Each action says in ``detail`` what
is missing, in a short English (or, asked for, Danish) sentence that names the agreement or course by its
title — never a person (names are personal data, readable only while their key exists; the employee is named
by ``employee_id``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import asyncpg

from infra.collector import deferred
from projections.kpi.actions import action_rows, bookings_known_by
from projections.kpi.funding_read import uses_funding

FIELDS = ("kind", "employee_id", "manager_id", "department", "ref", "since", "detail")
"""The fields of an action, in the contract's order (also the CSV's columns)."""


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "?"


def _named(title: str | None, fallback: str) -> str:
    return f"{title!r}" if title else fallback


_DETAILS: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "agreement_overdue": lambda r: (
        f"agreement {_named(r['title'], r['ref'])} was due by {_day(r['until_date'])} and is not completed"),
    "agreement_not_booked": lambda r: (
        f"agreement {_named(r['title'], r['ref'])} of {_day(r['on_date'])} has no booking"
        f" (due by {_day(r['until_date'])})"),
    "review_missing": lambda r: (
        f"no development review since hiring on {_day(r['on_date'])}" if r["about"] == "hiring"
        else f"no development review since the one of {_day(r['on_date'])}"),
    "follow_up_due": lambda r: (
        f"the review of {_day(r['on_date'])} set a follow-up on {_day(r['until_date'])};"
        " no education agreed since the review"),
    "check_in_missing": lambda r: (
        f"no manager check-in during {_named(r['title'], 'the course')}"
        f" ({_day(r['on_date'])} to {_day(r['until_date'])})"),
    "sharing_missing": lambda r: (
        f"{_named(r['title'], 'the course')} was completed on {_day(r['on_date'])}; no knowledge shared yet"),
    "substitute_missing": lambda r: (
        f"{_named(r['title'], 'the course')} starts on {_day(r['on_date'])}, a busy month; no substitute arranged"),
    "buddy_missing": lambda r: (
        f"{_named(r['title'], 'the course')} starts on {_day(r['on_date'])}; no buddy"),
}


_DETAILS_DA: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "agreement_overdue": lambda r: (
        f"aftalen {_named(r['title'], r['ref'])} havde frist {_day(r['until_date'])} og er ikke gennemført"),
    "agreement_not_booked": lambda r: (
        f"aftalen {_named(r['title'], r['ref'])} fra {_day(r['on_date'])} har ingen tilmelding"
        f" (frist {_day(r['until_date'])})"),
    "review_missing": lambda r: (
        f"ingen MUS siden ansættelsen {_day(r['on_date'])}" if r["about"] == "hiring"
        else f"ingen MUS siden samtalen {_day(r['on_date'])}"),
    "follow_up_due": lambda r: (
        f"MUS'en {_day(r['on_date'])} satte opfølgning til {_day(r['until_date'])};"
        " ingen uddannelse aftalt siden samtalen"),
    "check_in_missing": lambda r: (
        f"ingen lederopfølgning under {_named(r['title'], 'kurset')}"
        f" ({_day(r['on_date'])} til {_day(r['until_date'])})"),
    "sharing_missing": lambda r: (
        f"{_named(r['title'], 'kurset')} blev gennemført {_day(r['on_date'])}; ingen videndeling endnu"),
    "substitute_missing": lambda r: (
        f"{_named(r['title'], 'kurset')} starter {_day(r['on_date'])} i en travl måned; ingen afløser aftalt"),
    "buddy_missing": lambda r: (
        f"{_named(r['title'], 'kurset')} starter {_day(r['on_date'])}; ingen makker"),
}


def _action(row: Mapping[str, Any], details: Mapping[str, Callable[[Mapping[str, Any]], str]] = _DETAILS
            ) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "employee_id": row["employee_id"],
        "manager_id": row["manager_id"],
        "department": row["department"],
        "ref": row["ref"],
        "since": row["since"].isoformat(),
        "detail": details[row["kind"]](row),
    }


def _order(action: Mapping[str, Any]) -> tuple[str, ...]:
    """Sorted by since, kind, ref (code-point order); ties (a booking's two funding schemes) by detail."""
    return (action["since"], action["kind"], action["ref"], action["employee_id"], action["detail"])


async def actions_of(pool: asyncpg.Pool, tenant: str, as_of: date, manager: str | None = None,
                     department: str | None = None, *, lang: str = "en",
                     known_at: datetime | None = None) -> dict[str, Any]:
    """The actions document of a tenant on ``as_of`` (whether the tenant is on record and the projections are
    up to date is the caller's check: ``services.core.reads``); ``lang="da"``: the contract's kinds' details
    in Danish. With ``known_at``, the contract's kinds as known then (CONTRACT §6); the funding kinds are
    read as now (their facts do not record when they became known), for the bookings known by then."""
    from services.core.funding.report import funding_action_list

    async def funding_kinds() -> list[dict[str, Any]]:
        if not await uses_funding(pool, tenant, known_at):
            return []
        return await funding_action_list(pool, tenant, as_of, manager=manager, department=department)

    # Two reads on two connections: the funding read's arithmetic runs while the table's statement does.
    rows, funding = await asyncio.gather(action_rows(pool, tenant, as_of, manager, department, known_at=known_at),
                                         funding_kinds())
    if known_at is not None:  # the funding kinds as now, of the bookings known by then
        known = await bookings_known_by(pool, tenant, known_at)
        funding = [action for action in funding if action["ref"] in known]
    details = _DETAILS_DA if lang == "da" else _DETAILS
    with deferred():  # many short-lived objects (see infra.collector)
        found = [_action(row, details) for row in rows]
        found += [
            {field: action[field] for field in FIELDS}
            for action in funding
            if (manager is None or action["manager_id"] == manager)
            and (department is None or action["department"] == department)
        ]
        return {"tenant": tenant, "as_of": as_of.isoformat(), "actions": sorted(found, key=_order)}
