"""From the projection's funding facts to claim lines: each booking's course facts on the read's date, each
scheme's expected amount (rules files) and where its claim stands."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.funding.claims import ClaimLine, ClaimStep, Placement, claim_line
from domain.funding.expected import Expected, fund_expected, step, veu_expected
from domain.funding.facts import CourseFacts
from domain.funding.hours import shifted
from domain.funding.money import ZERO, kroner
from domain.funding.rules import VEU_SCHEME, RuleBook
from projections.kpi.funding_read import FundingFacts, KeptFacts


def _in_force(rows: Iterable[Any], day: date, dated: str) -> Any:
    """The row with the latest date on or before ``day`` (equal dates: accepted last), or None."""
    best = None
    for row in rows:
        if row[dated] <= day and (best is None or (row[dated], row["seq"]) > (best[dated], best["seq"])):
            best = row
    return best


def _latest(rows: Iterable[Any], column: str) -> Any:
    """The value of ``column`` in the latest row (by date, then seq) that has one."""
    best = None
    for row in rows:
        newer = best is None or (row["recorded_on"], row["seq"]) > (best["recorded_on"], best["seq"])
        if row[column] is not None and newer:
            best = row
    return None if best is None else best[column]


_USUAL_WEEK = Fraction(37)
"""The weekly hours of an employee with no employment terms recorded."""


@dataclass(frozen=True)
class _Grouped:
    """The rows a course's facts are made of, by employee or booking."""

    terms: Mapping[str, list[Any]]
    levels: Mapping[str, list[Any]]
    costs: Mapping[str, list[Any]]


def _grouped(terms: Iterable[Any], education: Iterable[Any], costs: Iterable[Any]) -> _Grouped:
    by_terms, by_levels, by_costs = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in terms:
        by_terms[row["employee_id"]].append(row)
    for row in education:
        by_levels[row["employee_id"]].append(row)
    for row in costs:
        by_costs[row["booking_id"]].append(row)
    return _Grouped(by_terms, by_levels, by_costs)


def _rows_by_key(facts: FundingFacts) -> _Grouped:
    """The terms, education levels and costs by employee or booking (of every date, when kept: each read takes
    the costs recorded by its date)."""
    kept = facts.kept
    if kept is None:
        return _grouped(facts.terms, facts.education, facts.costs)
    return kept.derive("course facts: rows", lambda: _grouped(kept.terms, kept.education, kept.costs))


def course_facts(facts: FundingFacts, as_of: date) -> list[CourseFacts]:
    """Each booking's course facts on ``as_of`` (``facts`` read for that date). Facts kept for the projection's
    state (``facts.kept``) keep each booking's course facts too, by what they depend on that the date can turn:
    whether it is completed, whether cancelled, and which cost rows are recorded."""
    kept = facts.kept
    grouped = _rows_by_key(facts)
    known: dict[tuple[Any, ...], CourseFacts] = {} if kept is None else kept.derive("course facts: by booking", dict)
    exact: dict[Any, Fraction] = {}
    courses = []
    for b in facts.bookings:
        costs = grouped.costs.get(b["booking_id"])
        booked_costs = [r for r in costs if r["recorded_on"] <= as_of] if costs else []
        completed = b["completed_on"] is not None and b["completed_on"] <= as_of and b["hours_attended"] is not None
        cancelled = b["cancelled_on"] is not None and b["cancelled_on"] <= as_of
        key = (b["booking_id"], completed, cancelled, tuple(r["seq"] for r in booked_costs))
        course = known.get(key)
        if course is None:
            if len(known) >= _KNOWN_COURSES:
                known.clear()
            course = known[key] = _course(b, grouped, booked_costs, completed, cancelled, exact)
            if kept is not None:
                kept.grown += 1
        courses.append(course)
    return courses


_KNOWN_COURSES = 50_000
"""At most this many course facts are kept per state (emptied when full)."""


def _course(b: Any, grouped: _Grouped, booked_costs: list[Any], completed: bool, cancelled: bool,
            exact: dict[Any, Fraction]) -> CourseFacts:
    def fraction(value: Any) -> Fraction:  # the same few hour figures recur in thousands of rows
        found = exact.get(value)
        if found is None:
            found = exact[value] = Fraction(value)
        return found

    term = _in_force(grouped.terms.get(b["employee_id"], ()), b["starts_on"], "effective_from")
    level = _in_force(grouped.levels.get(b["employee_id"], ()), b["starts_on"], "recorded_on")
    fee = travel_km = hourly_wage = paid_wage = None
    if booked_costs:
        paid_wage = _latest([r for r in booked_costs if r["wage_paid"]], "hourly_wage")
        fee, travel_km = _latest(booked_costs, "fee"), _latest(booked_costs, "travel_km")
        hourly_wage = paid_wage if paid_wage is not None else _latest(booked_costs, "hourly_wage")
    return CourseFacts(
        booking_id=b["booking_id"], employee_id=b["employee_id"], department=b["department"], title=b["title"],
        kind=b["kind"], booked_on=b["booked_on"], starts_on=b["starts_on"], ends_on=b["ends_on"],
        hours=fraction(b["hours_attended"] if completed else b["hours"]), hours_attended=completed,
        cancelled=cancelled,
        fee=fee, travel_km=travel_km, hourly_wage=hourly_wage, wage_paid=paid_wage is not None,
        hired_on=b["hired_on"], left_on=b["left_on"], job_family=b["job_family"],
        education_level=level["level"] if level else None,
        higher_last_used_on=level["higher_last_used_on"] if level else None,
        collective_agreement=term["collective_agreement"] if term else None,
        weekly_hours=fraction(term["weekly_hours"]) if term else _USUAL_WEEK,
        apprentice=bool(term and term["apprentice"]), public_benefits=bool(term and term["public_benefits"]),
    )


@dataclass(frozen=True)
class BookingLines:
    course: CourseFacts
    lines: list[ClaimLine]


def claim_lines(book: RuleBook, courses: list[CourseFacts], claims: Iterable[Any], as_of: date,
                kept: KeptFacts | None = None) -> list[BookingLines]:
    """Per booking: VEU (when configured), each fund of the employee's collective agreement, and any other
    scheme the company claimed for it.

    With ``kept`` (the facts ``courses`` come from, kept between reads): the lines of a booking claimed from VEU
    alone, with no claim step, are the same on every date until its claim lapses — they are kept too, per
    course facts (by identity) and rules, and whether the claim has lapsed on ``as_of``."""
    steps: dict[tuple[str, str], list[ClaimStep]] = defaultdict(list)
    claimed: dict[str, set[str]] = defaultdict(set)
    for row in claims:
        steps[(row["booking_id"], row["scheme"])].append(
            ClaimStep(row["seq"], row["step"], row["on_date"], row["amount"]))
        claimed[row["booking_id"]].add(row["scheme"])
    veu = {c.booking_id: veu_expected(book.veu, c) for c in courses} if book.veu else {}
    by_employee: dict[str, list[CourseFacts]] = defaultdict(list)
    for course in courses:
        by_employee[course.employee_id].append(course)
    funds: dict[tuple[str, str], dict[str, Expected]] = {}

    def fund_line(course: CourseFacts, scheme: str) -> Expected | None:
        """A fund's amounts of one employee's courses, computed when a line of theirs first names the fund (the
        amounts of a fund the employee's agreement does not pay into are refusals that use none of its days)."""
        if scheme not in book.funds:
            return None
        key = (course.employee_id, scheme)
        if key not in funds:
            funds[key] = fund_expected(book.funds[scheme], by_employee[course.employee_id], book.agreements, veu)
        return funds[key].get(course.booking_id)

    reused: dict[int, tuple[CourseFacts, RuleBook, bool, BookingLines]] | None = None
    if kept is not None and book.veu:
        reused = kept.derive("claim lines: VEU alone", dict)
    result = []
    for course in courses:
        agreed = book.agreements.get(course.collective_agreement or "", ())
        if kept is not None and reused is not None and not agreed and course.booking_id not in claimed:
            expected = veu[course.booking_id]
            lapsed = expected.deadline is not None and as_of > expected.deadline
            entry = reused.get(id(course))
            # the entry holds the course: its id is not reused while it is there
            if entry is None or entry[0] is not course or entry[1] is not book or entry[2] != lapsed:
                if len(reused) >= _KNOWN_COURSES:
                    reused.clear()
                line = claim_line(book.scheme_name(VEU_SCHEME), expected, course, (), as_of)
                entry = reused[id(course)] = (course, book, lapsed, BookingLines(course, [line]))
                kept.grown += 1
            result.append(entry[3])
            continue
        schemes = ([VEU_SCHEME] if book.veu else []) + list(agreed)
        schemes += sorted(claimed.get(course.booking_id, set()) - set(schemes))
        lines = []
        for scheme in schemes:
            found = veu.get(course.booking_id) if scheme == VEU_SCHEME else fund_line(course, scheme)
            expected = found or _unconfigured(scheme)
            lines.append(claim_line(book.scheme_name(scheme), expected, course,
                                    steps.get((course.booking_id, scheme), []), as_of))
        result.append(BookingLines(course, lines))
    return result


def _unconfigured(scheme: str) -> Expected:
    return Expected(scheme, ZERO, False, None, (step("scheme", f"no rules are configured for {scheme!r}"),))


def placements(facts: FundingFacts) -> Mapping[str, Placement]:
    """Each employee's placement on the facts' date; their manager is the assignment that took effect last
    (``facts.managers`` come in that order)."""
    managers = {row["employee_id"]: row["manager_id"] for row in facts.managers}
    alike: dict[tuple[bool, str | None, str | None], Placement] = {}  # a few departments and managers: shared
    found = {}
    for row in facts.placed:
        key = (bool(row["active"]), row["department"], managers.get(row["employee_id"]))
        placement = alike.get(key)
        if placement is None:
            placement = alike[key] = Placement(*key)
        found[row["employee_id"]] = placement
    return found


def gross_cost(course: CourseFacts) -> Decimal:
    """What the course costs the company before funding: the fee and the wage for its hours (when recorded)."""
    wage = Fraction(course.hourly_wage) * course.hours if course.hourly_wage is not None else Fraction(0)
    return (course.fee or ZERO) + kroner(wage)


def claimable_courses(book: RuleBook, facts: FundingFacts, as_of: date,
                      among: Collection[str] | None = None) -> list[CourseFacts]:
    """The course facts whose claim lines can be at risk on ``as_of`` — of employees active then (and ``among``
    these, when given) — with every course their amounts depend on; the funding actions need no others.

    A line is at risk only while its deadline (VEU: the course's end + ``deadline_days_after_end``; a fund: its lead
    time before the start) has not passed and the booking is not cancelled. A VEU amount depends on its own course
    only; a fund's on the employee's earlier courses (days used, the yearly cap), so an employee with a course that
    can still be claimed from a fund keeps all their courses.
    """
    active = {row["employee_id"] for row in facts.placed
              if row["active"] and (among is None or row["employee_id"] in among)}
    # (booked_on, employee_id, booking_id, cancelled_on, starts_on, ends_on, the row) of facts.bookings
    dated = _booking_fields(facts, as_of)
    rows = [b for b in dated if b[1] in active and not (b[3] is not None and b[3] <= as_of)]
    veu_open = set()
    if book.veu is not None:
        # ends_on + lapse >= as_of, for a lapse of no fewer than 0 days (the rules refuse negative numbers)
        last_open_end = shifted(as_of, -book.veu.deadline_days_after_end)
        veu_open = {b[2] for b in rows if b[5] >= last_open_end}
    terms = _rows_by_key(facts).terms
    whole: set[str] = set()
    for b in rows:
        if b[4] >= as_of and b[1] not in whole:
            # the terms in force on the course's first day, as in ``course_facts``
            term = _in_force(terms.get(b[1], ()), b[4], "effective_from")
            agreement = term["collective_agreement"] if term else None
            if any(scheme in book.funds for scheme in book.agreements.get(agreement or "", ())):
                whole.add(b[1])
    chosen = [b[6] for b in dated if b[1] in whole or b[2] in veu_open]
    return course_facts(replace(facts, bookings=chosen), as_of)


_Fields = tuple[date, str, str, "date | None", date, date, Any]


def _fields(b: Any) -> _Fields:
    return b["booked_on"], b["employee_id"], b["booking_id"], b["cancelled_on"], b["starts_on"], b["ends_on"], b


def _booking_fields(facts: FundingFacts, as_of: date) -> list[_Fields]:
    """The fields ``claimable_courses`` reads of each of ``facts.bookings``, in their order. Of facts kept between
    reads, taken once per state: ``facts.bookings`` are then the kept ones booked by ``as_of``
    (``funding_read.on_date``) — when their number says otherwise, they are read from the rows."""
    kept = facts.kept
    if kept is not None:
        every = kept.derive("claimable courses: fields", lambda: [_fields(b) for b in kept.bookings])
        dated = [b for b in every if b[0] <= as_of]
        if len(dated) == len(facts.bookings):
            return dated
    return [_fields(b) for b in facts.bookings]
