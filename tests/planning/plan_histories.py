"""Small random company histories for the planning assistant: every message valid and accepted in order.

They are built to reach every corner of §8: facts dated after the plan's first day (late bookings, moves,
leavers, withdrawals, future wheels and rules), ties between wheels and rules of the same date, codes, gaps
and titles that differ only in case and spaces, runs on the window's edges, full runs, live bookings that
overlap or fill runs, busy months with no room, and unskilled colleagues who could be buddies.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

_ids = itertools.count(1)

TITLES = ["Welding", "Cooling basics", "Excel"]
VARIANTS = {"Welding": ["Welding", " welding", "WELDING "], "Cooling basics": ["Cooling basics", "cooling BASICS"],
            "Excel": ["Excel", "excel "]}
CODES = ["A1", "A2"]
COMPETENCES = ["welding", "cooling"]
FAMILIES = ["unskilled", "skilled", "professional", "manager"]
SEASONS = ["low", "normal", "busy"]


def envelope(tenant: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": f"m-{next(_ids)}", "tenant": tenant, "type": type_,
            "occurred_at": "2026-12-01T08:00:00Z", "data": data}


def iso(day: date) -> str:
    return day.isoformat()


def history(seed: int, tenant: str) -> tuple[list[dict[str, Any]], date, date]:
    rng = random.Random(seed)
    start = date(2027, 1, 1) + timedelta(rng.randint(0, 300))
    end = start + timedelta(rng.randint(15, 120))
    out: list[dict[str, Any]] = []

    def add(type_: str, **data: Any) -> None:
        out.append(envelope(tenant, type_, data))

    def around(before: int, after: int) -> date:
        return start + timedelta(rng.randint(-before, after))

    if rng.random() < 0.5:
        add("EducationStrategyAdopted", adopted_on=iso(start - timedelta(500)), formality="formal", vision="v",
            cycle_start_month=rng.randint(1, 12))
    departments = ["rd", "ops"][: rng.randint(1, 2)]
    for scope in [None, *departments]:
        for _ in range(rng.choice([0, 1, 1, 2]) if scope else rng.choice([0, 1, 1, 1, 2])):
            add("AnnualWheelDefined", effective_from=iso(around(120, 60)), department=scope, kind="seasonal",
                months={str(m): rng.choice(SEASONS) for m in range(1, 13)})
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        shares = {k: rng.choice([0, 0.1, 0.2, 0.25, 0.34, 0.5, 1]) for k in SEASONS if rng.random() < 0.8}
        add("PlanningRulesSet", effective_from=iso(around(30, 10)), away_share=shares)

    people = [f"e{i}" for i in range(rng.randint(3, 8))]
    for person in people:
        hired = around(2000, 10) if rng.random() < 0.9 else around(-1, 30)
        add("EmployeeRegistered", employee_id=person, name=f"Person {person}", department=rng.choice(departments),
            job_family=rng.choice(FAMILIES), hired_on=iso(hired))
        if rng.random() < 0.25:
            add("EmployeeMoved", employee_id=person, department=rng.choice(departments), moved_on=iso(around(60, 30)))
    gaps = {}
    for person in people:
        if rng.random() < 0.3:
            gaps[person] = f"g-{person}"
            add("CompetenceGapIdentified", gap_id=gaps[person], employee_id=person,
                competence=rng.choice(COMPETENCES), identified_on=iso(around(300, 0)), current_level=1,
                target_level=3, source="mus")

    runs = _runs(rng, add, start, end)
    long_course = rng.random() < 0.2
    if long_course:
        runs.append(_long_course_in_busy_months(rng, add, start, departments))
        end = max(end, start + timedelta(130))
    agreements = _agreements(rng, add, people, gaps, start, end)
    if long_course:
        add("EducationAgreed", agreement_id="a-long", employee_id=rng.choice(people), title="long WELDING",
            agreed_on=iso(start - timedelta(30)), due_by=iso(end))
    _bookings(rng, add, people, agreements, runs, start, end)
    for person in people:
        if rng.random() < 0.12:
            add("EmployeeLeft", employee_id=person, left_on=iso(around(100, 30)))
    return out, start, end


def _runs(rng: random.Random, add: Any, start: date, end: date) -> list[tuple[str, date, date]]:
    runs = []
    for i in range(rng.randint(3, 9)):
        first = start + timedelta(rng.randint(-4, (end - start).days + 2))
        last = first + timedelta(rng.choice([0, 0, 1, 2, 4, 6]))
        title = rng.choice(TITLES)
        data: dict[str, Any] = {"run_id": f"r{i}" if rng.random() < 0.8 else f"R{i}",
                                "title": rng.choice(VARIANTS[title]), "starts_on": iso(first), "ends_on": iso(last),
                                "hours": 7.5 * ((last - first).days + 1), "seats": rng.choice([1, 1, 2, 3])}
        if rng.random() < 0.5:
            data["code"] = rng.choice(CODES)
        if rng.random() < 0.5:
            data["competence"] = rng.choice(COMPETENCES)
        add("CourseRunAnnounced", **data)
        runs.append((data["run_id"], first, last))
        if rng.random() < 0.15:
            add("CourseRunWithdrawn", run_id=data["run_id"], withdrawn_on=iso(start + timedelta(rng.randint(-5, 5))))
    return runs


def _long_course_in_busy_months(rng: random.Random, add: Any, start: date,
                                departments: list[str]) -> tuple[str, date, date]:
    """A run of 100 to 105 busy days, worth 0 or less (1000 − 10 per busy day): planning it does not pay."""
    for scope in [None, *departments]:
        add("AnnualWheelDefined", effective_from=iso(start - timedelta(1)), department=scope, kind="seasonal",
            months={str(m): "busy" for m in range(1, 13)})
    add("PlanningRulesSet", effective_from=iso(start), away_share={"busy": 1})
    first, last = start + timedelta(2), start + timedelta(2 + rng.choice([99, 100, 104]))
    add("CourseRunAnnounced", run_id="long", title="Long welding", starts_on=iso(first), ends_on=iso(last),
        hours=500, seats=3)
    return ("long", first, last)


def _agreements(rng: random.Random, add: Any, people: list[str], gaps: dict[str, str], start: date,
                end: date) -> list[tuple[str, str]]:
    agreements = []
    for i in range(rng.randint(2, 7)):
        person = rng.choice(people)
        data: dict[str, Any] = {"agreement_id": f"a{i}", "employee_id": person,
                                "title": rng.choice(VARIANTS[rng.choice(TITLES)]),
                                "agreed_on": iso(start - timedelta(rng.randint(-3, 200)))}
        if rng.random() < 0.5:
            data["due_by"] = iso(start + timedelta(rng.randint(-3, (end - start).days + 20)))
        if rng.random() < 0.3:
            data["course_code"] = rng.choice([*CODES, " "])
        if person in gaps and rng.random() < 0.6:
            data["gap_id"] = gaps[person]
        add("EducationAgreed", **data)
        agreements.append((data["agreement_id"], person))
        if rng.random() < 0.12:
            add("EducationAgreementWithdrawn", agreement_id=data["agreement_id"],
                withdrawn_on=iso(start + timedelta(rng.randint(-5, 5))), reason="changed")
    return agreements


def _bookings(rng: random.Random, add: Any, people: list[str], agreements: list[tuple[str, str]],
              runs: list[tuple[str, date, date]], start: date, end: date) -> None:
    for i in range(rng.randint(0, 6)):
        person = rng.choice(people)
        first = start + timedelta(rng.randint(-5, (end - start).days))
        data: dict[str, Any] = {"booking_id": f"b{i}", "employee_id": person,
                                "booked_on": iso(start + timedelta(rng.randint(-40, 3))),
                                "course": {"title": "Something", "kind": "private", "hours": 7},
                                "starts_on": iso(first), "ends_on": iso(first + timedelta(rng.randint(0, 5)))}
        if runs and rng.random() < 0.4:
            run_id, run_first, run_last = rng.choice(runs)
            data.update(run_id=run_id, starts_on=iso(run_first), ends_on=iso(run_last))
        own = [a for a, p in agreements if p == person]
        if own and rng.random() < 0.4:
            data["agreement_id"] = rng.choice(own)
        add("CourseBooked", **data)
        roll = rng.random()
        if roll < 0.2:
            add("CourseCancelled", booking_id=f"b{i}", cancelled_on=iso(start + timedelta(rng.randint(-5, 5))),
                reason="ill")
        elif roll < 0.35:
            add("CourseCompleted", booking_id=f"b{i}", completed_on=iso(start + timedelta(rng.randint(-5, 5))))
