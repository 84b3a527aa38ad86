"""A company's planning situation as messages: departments of about 25 people with their wheel, open
agreements, a course catalogue with a year of runs, and bookings already made — for the planning benchmark.

Deterministic per seed. Agreements ask for their course the three ways §8 knows (an AMU code, a gap's
competence, a title); runs last 1 to 5 days (a few 10), have 6 to 14 seats, and some already hold bookings.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

WINDOW = (date(2027, 4, 1), date(2028, 3, 31))
# January … December; the sales departments have their own wheel (busy before Christmas).
COMPANY_WHEEL = "llnnbblnnbnl"
SALES_WHEEL = "lnnnnnlnnnbb"
KINDS = {"l": "low", "n": "normal", "b": "busy"}
DEPARTMENT_SIZE = 25
FAMILIES = {"production": ("unskilled", "skilled", "skilled", "manager"),
            "warehouse": ("unskilled", "unskilled", "skilled"),
            "rd": ("professional", "professional", "skilled", "manager"),
            "sales": ("professional", "skilled", "manager"),
            "admin": ("professional", "skilled")}


def _months(pattern: str) -> dict[str, str]:
    return {str(m + 1): KINDS[c] for m, c in enumerate(pattern)}


def planning_feed(tenant: str, *, employees: int, agreements: int, runs: int, courses: int,
                  bookings: int, seed: int = 2027, crowded: int = 0) -> list[dict[str, Any]]:
    """``crowded`` > 0: every agreement goes to the people of that many departments, so their caps bind."""
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = []

    def add(type_: str, **data: Any) -> None:
        messages.append({"message_id": f"plan-bench-{len(messages)}", "tenant": tenant, "type": type_,
                         "occurred_at": "2027-02-20T08:00:00Z", "data": data})

    start, end = WINDOW
    add("EducationStrategyAdopted", adopted_on="2020-01-01", formality="formal", vision="Everyone learns",
        cycle_start_month=3)
    add("AnnualWheelDefined", effective_from="2020-01-01", department=None, kind="seasonal",
        months=_months(COMPANY_WHEEL))
    kinds = list(FAMILIES)
    departments = [f"{kinds[i % len(kinds)]}-{i}" for i in range(max(1, employees // DEPARTMENT_SIZE))]
    for department in departments:
        add("DepartmentRegistered", department=department, name=department.title())
        if department.startswith("sales"):
            add("AnnualWheelDefined", effective_from="2020-01-01", department=department, kind="departmental",
                months=_months(SALES_WHEEL))
    people = []
    for i in range(employees):
        department = departments[i % len(departments)]
        family = rng.choice(FAMILIES[department.split("-")[0]])
        people.append(f"e{i}")
        add("EmployeeRegistered", employee_id=f"e{i}", name=f"Employee {i}", department=department,
            job_family=family, hired_on=(date(2015, 1, 1) + timedelta(rng.randint(0, 4000))).isoformat())

    catalogue = [("code" if c % 3 == 0 else "competence" if c % 3 == 1 else "title", c) for c in range(courses)]
    run_list = []
    for r in range(runs):
        how, c = catalogue[r % courses]
        length = rng.choice([1, 2, 2, 3, 3, 4, 5, 5, 10])
        first = start + timedelta(rng.randint(0, (end - start).days - length))
        run = {"run_id": f"run-{r:05d}", "title": f"Course {c}", "kind": "amu" if how == "code" else "private",
               "starts_on": first.isoformat(), "ends_on": (first + timedelta(length - 1)).isoformat(),
               "hours": 7.4 * length, "seats": rng.randint(6, 14), "provider": f"Provider {c % 7}",
               "fee": rng.choice([0, 1500, 4200])}
        if how == "code":
            run["code"] = f"4{c:04d}"
        if how == "competence":
            run["competence"] = f"competence-{c}"
        add("CourseRunAnnounced", **run)
        run_list.append(run)

    candidates = [p for i, p in enumerate(people) if not crowded or i % len(departments) < crowded]
    for a in range(agreements):
        person = candidates[(a * 7919) % len(candidates)]
        how, c = catalogue[rng.randrange(courses)]
        data: dict[str, Any] = {"agreement_id": f"agr-{a:05d}", "employee_id": person, "title": f"Course {c}",
                                "agreed_on": (start - timedelta(rng.randint(1, 31))).isoformat()}
        if how == "code":
            data["course_code"] = f"4{c:04d}"
        if how == "competence":
            gap = f"gap-{a:05d}"
            add("CompetenceGapIdentified", gap_id=gap, employee_id=person, competence=f"competence-{c}",
                identified_on=data["agreed_on"], current_level=1, target_level=3, source="mus")
            data["gap_id"] = gap
        if rng.random() < 0.2:
            data["due_by"] = (start + timedelta(rng.randint(120, 360))).isoformat()
        add("EducationAgreed", **data)

    for b in range(bookings):
        run = rng.choice(run_list)
        add("CourseBooked", booking_id=f"bk-{b:05d}", employee_id=rng.choice(people),
            booked_on=(start - timedelta(rng.randint(1, 30))).isoformat(), run_id=run["run_id"],
            course={"title": run["title"], "kind": run["kind"], "hours": run["hours"]},
            starts_on=run["starts_on"], ends_on=run["ends_on"])
    return messages
