"""The funding read: per booking and scheme what can be expected, what was applied for, granted and paid,
what is at risk and what is lost, with every amount explained; totals per department and year; net course cost.
Also the funding actions of the workbench and the CSV export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from domain.funding.claims import ClaimLine, funding_actions
from domain.funding.expected import Expected
from domain.funding.money import ZERO, text
from domain.funding.rules import RuleBook
from infra.collector import deferred
from projections.kpi.funding_read import funding_facts
from services.core.funding.lines import (
    BookingLines,
    claim_lines,
    claimable_courses,
    course_facts,
    gross_cost,
    placements,
)
from services.core.funding.startup import installed_rules
from services.core.tabular import excel_text

FIGURES = ("expected", "applied", "granted", "paid", "at_risk", "lost", "gross_cost", "net_cost")


async def funding_report(pool: asyncpg.Pool, tenant: str, as_of: date, year: int | None = None,
                         book: RuleBook | None = None) -> dict[str, Any]:
    """The report of a tenant (whether it is on record is the caller's check: ``services.core.reads``)."""
    facts = await funding_facts(pool, tenant, as_of)
    rules = book or installed_rules()
    bookings = claim_lines(rules, course_facts(facts, as_of), facts.claims, as_of)
    shown = [b for b in bookings if year is None or b.course.starts_on.year == year]
    return {
        "tenant": tenant,
        "as_of": as_of.isoformat(),
        "year": year,
        "bookings": [_booking(b) for b in sorted(shown, key=lambda b: (b.course.starts_on, b.course.booking_id))],
        "totals": _totals(shown),
    }


async def funding_action_list(pool: asyncpg.Pool, tenant: str, as_of: date, book: RuleBook | None = None, *,
                              manager: str | None = None, department: str | None = None) -> list[dict[str, Any]]:
    """The ``funding_deadline`` and ``funding_unclaimed`` actions on ``as_of``, in the workbench's action shape;
    with ``manager`` / ``department``, only those of the employees with that manager / department on ``as_of``."""
    facts = await funding_facts(pool, tenant, as_of)
    rules = book or installed_rules()
    with deferred():  # thousands of short-lived objects: freed as the read drops them, not walked by collections
        people = placements(facts)
        among = None if manager is None and department is None else {
            employee for employee, placed in people.items()
            if (manager is None or placed.manager_id == manager)
            and (department is None or placed.department == department)
        }
        bookings = claim_lines(rules, claimable_courses(rules, facts, as_of, among), facts.claims, as_of,
                               kept=facts.kept)
        pairs = [(b.course, line) for b in bookings for line in b.lines]
        details: dict[tuple[int, str, str], tuple[Expected, str]] | None = (
            None if facts.kept is None else facts.kept.derive("funding actions: details", dict))
        return funding_actions(pairs, people, as_of, details)


def _line(line: ClaimLine) -> dict[str, Any]:
    return {
        "scheme": line.scheme,
        "name": line.name,
        "state": line.state,
        "eligible": line.expected.eligible,
        "deadline": line.deadline.isoformat() if line.deadline else None,
        "expected": text(line.expected.amount),
        "applied": text(line.applied),
        "applied_on": line.applied_on.isoformat() if line.applied_on else None,
        "granted": text(line.granted),
        "paid": text(line.paid),
        "at_risk": text(line.at_risk),
        "lost": text(line.lost),
        "explain": list(line.expected.explain),
    }


def _costs(b: BookingLines) -> tuple[Decimal, Decimal]:
    gross = gross_cost(b.course)
    return gross, gross - sum((line.expected.amount or ZERO for line in b.lines), ZERO)


def _booking(b: BookingLines) -> dict[str, Any]:
    c = b.course
    gross, net = _costs(b)
    return {
        "booking_id": c.booking_id,
        "employee_id": c.employee_id,
        "department": c.department,
        "course": {"title": c.title, "kind": c.kind, "hours": str(float(c.hours)),
                   "hours_are": "attended" if c.hours_attended else "booked"},
        "booked_on": c.booked_on.isoformat(),
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
        "cancelled": c.cancelled,
        "fee": text(c.fee),
        "hourly_wage": text(c.hourly_wage),
        "gross_cost": text(gross),
        "net_cost": text(net),
        "schemes": [_line(line) for line in b.lines],
    }


def _add(tally: dict[str, Decimal], b: BookingLines) -> None:
    gross, net = _costs(b)
    tally["gross_cost"] += gross
    tally["net_cost"] += net
    for line in b.lines:
        tally["expected"] += line.expected.amount or ZERO
        tally["applied"] += line.applied
        tally["granted"] += line.granted or ZERO
        tally["paid"] += line.paid
        tally["at_risk"] += line.at_risk or ZERO
        tally["lost"] += line.lost or ZERO
        tally["amounts_unknown"] += int(line.expected.amount is None)
    tally["bookings"] += 1


def _shown(tally: dict[str, Decimal]) -> dict[str, Any]:
    return {**{k: text(tally[k]) for k in FIGURES}, "bookings": int(tally["bookings"]),
            "amounts_unknown": int(tally["amounts_unknown"])}


def _totals(bookings: list[BookingLines]) -> dict[str, Any]:
    def blank() -> dict[str, Decimal]:
        return defaultdict(lambda: ZERO)

    company = blank()
    departments: dict[str, dict[str, Decimal]] = defaultdict(blank)
    years: dict[int, dict[str | None, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(blank))
    for b in bookings:
        department = b.course.department or ""
        for tally in (company, departments[department], years[b.course.starts_on.year][None],
                      years[b.course.starts_on.year][department]):
            _add(tally, b)
    return {
        "company": _shown(company),
        "departments": {d: _shown(t) for d, t in sorted(departments.items())},
        "by_year": {
            str(y): {"company": _shown(scopes[None]),
                     "departments": {d: _shown(t) for d, t in sorted((d, t) for d, t in scopes.items() if d)}}
            for y, scopes in sorted(years.items())
        },
    }


CSV_COLUMNS = ("booking_id", "employee_id", "department", "starts_on", "scheme", "state", "deadline", "expected",
               "applied", "granted", "paid", "at_risk", "lost", "gross_cost", "net_cost")


def funding_csv(report: dict[str, Any], lang: str = "en") -> bytes:
    """One row per booking and scheme: UTF-8 with BOM, ``;`` separated, decimal comma when ``lang`` is ``da``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for booking in report["bookings"]:
        for line in booking["schemes"]:
            row = {**booking, **line}
            writer.writerow([_cell(row.get(column), lang, column in FIGURES or column in
                                   ("applied", "granted", "paid")) for column in CSV_COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _cell(value: Any, lang: str, amount: bool) -> str:
    if value is None:
        return ""
    shown = str(value)
    if not amount:
        return excel_text(shown)
    return shown.replace(".", ",") if lang == "da" else shown
