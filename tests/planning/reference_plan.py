"""An independent reading of contract §8 over the messages a tenant sent (all of them accepted, in order).

It shares no code with the planner: it reads the messages' data itself, decides what is plannable, which
runs are eligible, what each day's cap is, checks a plan against H1–H5, works out each unplanned
agreement's ``why``, and finds the best objective by exhaustive search (small cases only). Everything is
written from the contract's sentences, in the plainest way (loops over days, fractions for shares).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

DEFAULT_SHARES = {"low": Fraction(1, 4), "normal": Fraction(15, 100), "busy": Fraction(5, 100)}


def d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


@dataclass
class Person:
    department: str
    family: str
    hired_on: date
    registered_at: int
    moves: list[tuple[date, int, str]] = field(default_factory=list)
    left_on: date | None = None

    def department_on(self, day: date) -> str:
        """§4: latest of registration (dated hired_on) and moves dated ≤ day; before hired_on, the registered one."""
        if day < self.hired_on:
            return self.department
        changes = [(self.hired_on, self.registered_at, self.department)]
        changes += [move for move in self.moves if move[0] <= day]
        return max(changes)[2]

    def active_on(self, day: date) -> bool:
        return self.hired_on <= day and not (self.left_on is not None and self.left_on <= day)


@dataclass
class World:
    start: date
    end: date
    people: dict[str, Person] = field(default_factory=dict)
    agreements: dict[str, dict[str, Any]] = field(default_factory=dict)
    gaps: dict[str, str] = field(default_factory=dict)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: list[tuple[date, int, dict[str, Fraction]]] = field(default_factory=list)
    wheels: list[tuple[str | None, date, int, dict[str, str]]] = field(default_factory=list)
    strategies: list[tuple[date, int, int]] = field(default_factory=list)
    rooms: dict[tuple[str, date], int] = field(default_factory=dict)


def read(messages: list[dict[str, Any]], start: date, end: date) -> World:
    w = World(start, end)
    for i, m in enumerate(messages):
        t, x = m["type"], m["data"]
        if t == "EmployeeRegistered":
            w.people[x["employee_id"]] = Person(x["department"], x["job_family"], d(x["hired_on"]), i)  # type: ignore[arg-type]
        elif t == "EmployeeMoved":
            w.people[x["employee_id"]].moves.append((d(x["moved_on"]), i, x["department"]))  # type: ignore[arg-type]
        elif t == "EmployeeLeft":
            w.people[x["employee_id"]].left_on = d(x["left_on"])
        elif t == "EducationStrategyAdopted":
            w.strategies.append((d(x["adopted_on"]), i, x.get("cycle_start_month") or 3))  # type: ignore[arg-type]
        elif t == "CompetenceGapIdentified":
            w.gaps[x["gap_id"]] = x["competence"]
        elif t == "EducationAgreed":
            w.agreements[x["agreement_id"]] = {**x, "withdrawn_on": None}
        elif t == "EducationAgreementWithdrawn":
            w.agreements[x["agreement_id"]]["withdrawn_on"] = d(x["withdrawn_on"])
        elif t == "CourseBooked":
            w.bookings[x["booking_id"]] = {**x, "cancelled_on": None, "completed_on": None}
        elif t == "CourseCancelled":
            w.bookings[x["booking_id"]]["cancelled_on"] = d(x["cancelled_on"])
        elif t == "CourseCompleted":
            w.bookings[x["booking_id"]]["completed_on"] = d(x["completed_on"])
        elif t == "CourseRunAnnounced":
            w.runs[x["run_id"]] = {**x, "withdrawn_on": None}
        elif t == "CourseRunWithdrawn":
            w.runs[x["run_id"]]["withdrawn_on"] = d(x["withdrawn_on"])
        elif t == "PlanningRulesSet":
            shares = {k: Fraction(str(x["away_share"].get(k, float(v)))) for k, v in DEFAULT_SHARES.items()}
            w.rules.append((d(x["effective_from"]), i, shares))  # type: ignore[arg-type]
        elif t == "AnnualWheelDefined":
            w.wheels.append((x.get("department"), d(x["effective_from"]), i, x["months"]))  # type: ignore[arg-type]
    return w


# --- §7 and §8 definitions --------------------------------------------------------------------------


def due_by(w: World, a: dict[str, Any]) -> date:
    if a.get("due_by"):
        return d(a["due_by"])  # type: ignore[return-value]
    agreed = d(a["agreed_on"])
    assert agreed is not None
    in_force = [s for s in w.strategies if s[0] <= agreed]
    month = max(in_force)[2] if in_force else 3
    year = agreed.year if agreed.month >= month else agreed.year - 1
    return date(year + 1, month, 1) - timedelta(1)


def live(b: dict[str, Any], day: date) -> bool:
    """§7: booked_on ≤ D and not cancelled as of D."""
    return d(b["booked_on"]) <= day and not (b["cancelled_on"] is not None and b["cancelled_on"] <= day)  # type: ignore[operator]


def open_on(w: World, agreement_id: str, day: date) -> bool:
    a = w.agreements[agreement_id]
    if d(a["agreed_on"]) > day:  # type: ignore[operator]
        return False
    if a["withdrawn_on"] is not None and a["withdrawn_on"] <= day:
        return False
    return not any(b.get("agreement_id") == agreement_id and b["completed_on"] is not None
                   and b["completed_on"] <= day for b in w.bookings.values())


def plannable(w: World) -> list[str]:
    found = []
    for agreement_id, a in w.agreements.items():
        person = w.people[a["employee_id"]]
        if not (open_on(w, agreement_id, w.start) and person.active_on(w.start) and due_by(w, a) >= w.start):
            continue
        if any(b.get("agreement_id") == agreement_id and live(b, w.start) for b in w.bookings.values()):
            continue
        found.append(agreement_id)
    return sorted(found)


def fits(w: World, a: dict[str, Any], r: dict[str, Any]) -> bool:
    if a.get("course_code") and a["course_code"].strip():
        return bool(r.get("code") == a["course_code"])
    if a.get("gap_id"):
        return bool(r.get("competence") == w.gaps[a["gap_id"]])
    return bool(r["title"].strip().lower() == a["title"].strip().lower())


def eligible(w: World, agreement_id: str) -> list[str]:
    """H2, earliest first (starts_on, then run_id in code-point order)."""
    a = w.agreements[agreement_id]
    found = []
    for run_id, r in w.runs.items():
        if r["withdrawn_on"] is not None and r["withdrawn_on"] <= w.start:
            continue
        if d(r["starts_on"]) < w.start or d(r["ends_on"]) > min(w.end, due_by(w, a)):  # type: ignore[operator]
            continue
        if fits(w, a, r):
            found.append(run_id)
    return sorted(found, key=lambda run_id: (w.runs[run_id]["starts_on"], run_id))


def run_days(w: World, run_id: str) -> list[date]:
    r = w.runs[run_id]
    return days(d(r["starts_on"]), d(r["ends_on"]))  # type: ignore[arg-type]


def season(w: World, department: str, day: date) -> str:
    for scope in (department, None):
        in_force = [(f, i, months) for s, f, i, months in w.wheels if s == scope and f <= day]
        if in_force:
            return str(max(in_force, key=lambda x: (x[0], x[1]))[2][str(day.month)])
    return "normal"


def shares(w: World) -> dict[str, Fraction]:
    in_force = [(f, i, s) for f, i, s in w.rules if f <= w.start]
    return max(in_force, key=lambda x: (x[0], x[1]))[2] if in_force else DEFAULT_SHARES


def staff_on_first_day(w: World) -> dict[str, str]:
    """Employees active on D1 → their department on D1."""
    return {e: p.department_on(w.start) for e, p in w.people.items() if p.active_on(w.start)}


def cap(w: World, department: str, day: date) -> int:
    n = sum(1 for dept in staff_on_first_day(w).values() if dept == department)
    kind = season(w, department, day)
    value = math.floor(shares(w)[kind] * n)
    return max(value, 1) if kind in ("low", "normal") else value


def away(w: World, department: str, day: date) -> int:
    staff = staff_on_first_day(w)
    return len({b["employee_id"] for b in w.bookings.values()
                if staff.get(b["employee_id"]) == department and live(b, w.start)
                and d(b["starts_on"]) <= day <= d(b["ends_on"])})  # type: ignore[operator]


def room(w: World, department: str, day: date) -> int:
    if (department, day) not in w.rooms:
        w.rooms[(department, day)] = max(0, cap(w, department, day) - away(w, department, day))
    return w.rooms[(department, day)]


def live_on_run(w: World, run_id: str) -> int:
    return sum(1 for b in w.bookings.values() if b.get("run_id") == run_id and live(b, w.start))


def share_a_day(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def span(w: World, run_id: str) -> tuple[date, date]:
    r = w.runs[run_id]
    return d(r["starts_on"]), d(r["ends_on"])  # type: ignore[return-value]


def objective(w: World, plan: dict[str, str]) -> int:
    """Σ 1000 − 10 × busy days − normal days, + 5 for an unskilled/skilled with a same-department colleague."""
    staff = staff_on_first_day(w)
    total = 0
    for agreement_id, run_id in plan.items():
        e = w.agreements[agreement_id]["employee_id"]
        dept = staff[e]
        kinds = [season(w, dept, day) for day in run_days(w, run_id)]
        total += 1000 - 10 * kinds.count("busy") - kinds.count("normal")
        others = [w.agreements[o]["employee_id"] for o, r in plan.items() if r == run_id and o != agreement_id]
        if w.people[e].family in ("unskilled", "skilled") and any(o != e and staff[o] == dept for o in others):
            total += 5
    return total


# --- checking a plan ---------------------------------------------------------------------------------


def violations(w: World, document: dict[str, Any]) -> list[str]:
    problems = []
    plan = {a["agreement_id"]: a["run_id"] for a in document["assignments"]}
    listed = [a["agreement_id"] for a in document["assignments"]] + [u["agreement_id"] for u in document["unplanned"]]
    if sorted(listed) != plannable(w):
        problems.append(f"H1: listed {sorted(listed)} but plannable {plannable(w)}")
    for a in document["assignments"]:
        if a["employee_id"] != w.agreements[a["agreement_id"]]["employee_id"]:
            problems.append(f"H1: {a} names the wrong employee")
        if a["run_id"] not in eligible(w, a["agreement_id"]):
            problems.append(f"H2: {a['run_id']} is not eligible for {a['agreement_id']}")
    problems += _hard_rules(w, plan)
    if objective(w, plan) != document["objective"]:
        problems.append(f"objective {document['objective']} but the plan is worth {objective(w, plan)}")
    for u in document["unplanned"]:
        expected = why(w, plan, u["agreement_id"])
        if u["why"] != expected:
            problems.append(f"why of {u['agreement_id']}: {u['why']}, expected {expected}")
    return problems


def _hard_rules(w: World, plan: dict[str, str]) -> list[str]:
    problems = []
    for run_id in set(plan.values()):
        used = sum(1 for r in plan.values() if r == run_id) + live_on_run(w, run_id)
        if used > w.runs[run_id]["seats"]:
            problems.append(f"H3: run {run_id} holds {used} of {w.runs[run_id]['seats']} seats")
    for agreement_id, run_id in plan.items():
        e = w.agreements[agreement_id]["employee_id"]
        for other_id, other_run in plan.items():
            if other_id != agreement_id and w.agreements[other_id]["employee_id"] == e \
                    and share_a_day(span(w, run_id), span(w, other_run)):
                problems.append(f"H4: {e} has {run_id} and {other_run} on the same day")
        for b in w.bookings.values():
            if b["employee_id"] == e and live(b, w.start) \
                    and share_a_day(span(w, run_id), (d(b["starts_on"]), d(b["ends_on"]))):  # type: ignore[arg-type]
                problems.append(f"H4: {e}'s run {run_id} overlaps booking {b['booking_id']}")
    staff = staff_on_first_day(w)
    out: dict[tuple[str, date], set[str]] = {}  # every day of [D1, D2] nobody is planned on has 0 ≤ room
    for a, r in plan.items():
        e = w.agreements[a]["employee_id"]
        for day in run_days(w, r):
            out.setdefault((staff[e], day), set()).add(e)
    for (dept, day), people in sorted(out.items()):
        if not w.start <= day <= w.end or len(people) > room(w, dept, day):
            problems.append(f"H5: {dept} has {len(people)} away on {day}, room {room(w, dept, day)}")
    return problems


def why(w: World, plan: dict[str, str], agreement_id: str) -> str:
    runs = eligible(w, agreement_id)
    if not runs:
        return "no_eligible_run"
    run_id = runs[0]
    others = {a: r for a, r in plan.items() if a != agreement_id}
    if sum(1 for r in others.values() if r == run_id) + live_on_run(w, run_id) >= w.runs[run_id]["seats"]:
        return "seats"
    e = w.agreements[agreement_id]["employee_id"]
    mine = [r for a, r in others.items() if w.agreements[a]["employee_id"] == e]
    booked = [(d(b["starts_on"]), d(b["ends_on"])) for b in w.bookings.values()
              if b["employee_id"] == e and live(b, w.start)]
    if any(share_a_day(span(w, run_id), span(w, r)) for r in mine) or \
            any(share_a_day(span(w, run_id), s) for s in booked):  # type: ignore[arg-type]
        return "overlap"
    staff = staff_on_first_day(w)
    dept = staff[e]
    for day in run_days(w, run_id):
        out = {w.agreements[a]["employee_id"] for a, r in others.items()
               if staff[w.agreements[a]["employee_id"]] == dept and day in run_days(w, r)}
        if len(out | {e}) > room(w, dept, day):
            return "capacity"
    return "not_chosen"


# --- the best plan by exhaustive search ----------------------------------------------------------------


def best_objective(w: World) -> int:
    agreements = plannable(w)
    options = {a: eligible(w, a) for a in agreements}
    best = 0

    def search(i: int, plan: dict[str, str]) -> None:
        nonlocal best
        if i == len(agreements):
            best = max(best, objective(w, plan))
            return
        search(i + 1, plan)
        for run_id in options[agreements[i]]:
            plan[agreements[i]] = run_id
            if not _hard_rules(w, plan):
                search(i + 1, plan)
            del plan[agreements[i]]

    search(0, {})
    return best
