"""An independent, brute-force reading of CONTRACT.md §4 over a list of events in log order.

Nothing here is shared with the SQL side: every key is recomputed from the events for one as-of date,
straight from the contract's words. Slow on purpose; used to check the projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

KEYS = (
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
)


def _d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


class Facts:
    """The tenant's events, indexed by entity; ``order`` is the place in the log (accepted last = larger)."""

    def __init__(self, events: Iterable[Any], tenant: str) -> None:
        self.strategies: list[tuple[date, int, dict[str, Any]]] = []
        self.employees: dict[str, dict[str, Any]] = {}
        self.reviews: list[tuple[int, dict[str, Any]]] = []
        self.assessments: list[dict[str, Any]] = []
        self.gaps: dict[str, dict[str, Any]] = {}
        self.agreements: dict[str, dict[str, Any]] = {}
        self.bookings: dict[str, dict[str, Any]] = {}
        self.wheels: list[tuple[int, dict[str, Any]]] = []
        self.meetings: list[date] = []
        for order, event in enumerate(events):
            if event.tenant == tenant:
                self._take(order, event.type, event.data)

    def _take(self, order: int, kind: str, d: dict[str, Any]) -> None:
        if kind == "EducationStrategyAdopted":
            self.strategies.append((_d(d["adopted_on"]), order, d))
        elif kind == "EmployeeRegistered":
            self.employees[d["employee_id"]] = {
                "department": d["department"],
                "job_family": d["job_family"],
                "hired_on": _d(d["hired_on"]),
                "order": order,
                "moves": [],
                "left_on": None,
            }
        elif kind == "EmployeeMoved":
            self.employees[d["employee_id"]]["moves"].append((_d(d["moved_on"]), order, d["department"]))
        elif kind == "EmployeeLeft":
            self.employees[d["employee_id"]]["left_on"] = _d(d["left_on"])
        elif kind == "DevelopmentReviewHeld":
            self.reviews.append((order, d))
        elif kind == "CompetenceAssessed":
            self.assessments.append(d)
        elif kind == "CompetenceGapIdentified":
            self.gaps[d["gap_id"]] = {**d, "closed_on": None}
        elif kind == "CompetenceGapClosed":
            self.gaps[d["gap_id"]]["closed_on"] = _d(d["closed_on"])
        elif kind == "EducationAgreed":
            self.agreements[d["agreement_id"]] = {**d, "withdrawn_on": None}
        elif kind == "EducationAgreementWithdrawn":
            self.agreements[d["agreement_id"]]["withdrawn_on"] = _d(d["withdrawn_on"])
        elif kind == "CourseBooked":
            self.bookings[d["booking_id"]] = {
                **d,
                "completion": None,
                "cancelled_on": None,
                "paired": [],
                "substitutes": [],
                "shared": [],
            }
        elif kind == "CourseCompleted":
            self.bookings[d["booking_id"]]["completion"] = d
        elif kind == "CourseCancelled":
            self.bookings[d["booking_id"]]["cancelled_on"] = _d(d["cancelled_on"])
        elif kind == "BuddyPaired":
            self.bookings[d["booking_id"]]["paired"].append(_d(d["paired_on"]))
        elif kind == "SubstituteArranged":
            self.bookings[d["booking_id"]]["substitutes"].append(_d(d["arranged_on"]))
        elif kind == "KnowledgeShared":
            self.bookings[d["booking_id"]]["shared"].append(_d(d["shared_on"]))
        elif kind == "AnnualWheelDefined":
            self.wheels.append((order, d))
        elif kind == "CommitteeMeetingHeld":
            self.meetings.append(_d(d["held_on"]))

    # --- the contract's definitions -------------------------------------------------------------

    def strategy_on(self, x: date) -> dict[str, Any] | None:
        candidates = [(on, order, d) for on, order, d in self.strategies if on <= x]
        return max(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None

    def cycle_of(self, x: date) -> tuple[date, date]:
        strategy = self.strategy_on(x)
        month = strategy["cycle_start_month"] if strategy else 3
        year = x.year if x.month >= month else x.year - 1
        start = date(year, month, 1)
        end = date(year + 1, month, 1) - timedelta(days=1)
        return start, end

    def active_on(self, employee_id: str, x: date) -> bool:
        e = self.employees.get(employee_id)
        if e is None:
            return False
        return e["hired_on"] <= x and not (e["left_on"] is not None and e["left_on"] <= x)

    def department_on(self, employee_id: str, x: date) -> str:
        e = self.employees[employee_id]
        if x < e["hired_on"]:
            return str(e["department"])
        dated = [(e["hired_on"], e["order"], e["department"])] + [m for m in e["moves"] if m[0] <= x]
        dated = [c for c in dated if c[0] <= x]
        return str(max(dated, key=lambda c: (c[0], c[1]))[2])

    def gap_closed_on(self, gap: dict[str, Any]) -> date | None:
        identified = _d(gap["identified_on"])
        reached = [
            _d(a["assessed_on"])
            for a in self.assessments
            if a["employee_id"] == gap["employee_id"]
            and a["competence"] == gap["competence"]
            and _d(a["assessed_on"]) >= identified
            and a["level"] >= gap["target_level"]
        ]
        dates = [c for c in [gap["closed_on"], min(reached) if reached else None] if c is not None]
        return min(dates) if dates else None

    def due_by(self, agreement: dict[str, Any]) -> date:
        if agreement["due_by"] is not None:
            return _d(agreement["due_by"])
        return self.cycle_of(_d(agreement["agreed_on"]))[1]

    def wheel_for(self, booking: dict[str, Any]) -> dict[str, Any] | None:
        starts = _d(booking["starts_on"])
        department = self.department_on(booking["employee_id"], _d(booking["booked_on"]))
        for scope in (department, None):
            candidates = [
                (order, w)
                for order, w in self.wheels
                if w.get("department") == scope and _d(w["effective_from"]) <= starts
            ]
            if candidates:
                return max(candidates, key=lambda c: (_d(c[1]["effective_from"]), c[0]))[1]
        return None

    def cancelled(self, booking: dict[str, Any], x: date) -> bool:
        return booking["cancelled_on"] is not None and booking["cancelled_on"] <= x


class Counter:
    def __init__(self) -> None:
        self.values: dict[tuple[str | None, str], Any] = {}

    def add(self, department: str, name: str, amount: Any = 1) -> None:
        for scope in (department, None):
            self.values[(scope, name)] = self.values.get((scope, name), 0) + amount

    def get(self, scope: str | None, name: str) -> Any:
        return self.values.get((scope, name), 0)

    def departments(self) -> set[str]:
        return {scope for (scope, _), v in self.values.items() if scope is not None and v}


def reference_document(events: Iterable[Any], tenant: str, as_of: date, department: str | None = None) -> dict:
    f = Facts(events, tenant)
    D = as_of
    cycle_start, cycle_end = f.cycle_of(D)
    strategy = f.strategy_on(D)
    target = strategy["completion_target"] if strategy else 0.85
    year_start = D - timedelta(days=364)
    c = Counter()

    def in_year(x: date) -> bool:
        return year_start <= x <= D

    for employee_id in f.employees:
        if not f.active_on(employee_id, D):
            continue
        dept = f.department_on(employee_id, D)
        c.add(dept, "active")
        completions = [
            b["completion"]
            for b in f.bookings.values()
            if b["employee_id"] == employee_id and b["completion"] and in_year(_d(b["completion"]["completed_on"]))
        ]
        if completions:
            c.add(dept, "participants")
            c.add(dept, "hours", sum(float(x["hours_attended"]) for x in completions))
        reviews = [
            (r["held_on"], order, r)
            for order, r in f.reviews
            if r["employee_id"] == employee_id and cycle_start <= _d(r["held_on"]) <= D
        ]
        if reviews:
            c.add(dept, "covered")
            latest = max(reviews, key=lambda t: (_d(t[0]), t[1]))[2]
            if latest["education_item"]:
                c.add(dept, "education_items")
        for gap in f.gaps.values():
            if gap["employee_id"] != employee_id:
                continue
            closed = f.gap_closed_on(gap)
            if _d(gap["identified_on"]) <= D and not (closed is not None and closed <= D):
                c.add(dept, "open_gaps")
            if closed is not None and cycle_start <= closed <= D:
                c.add(dept, "closed_gaps")

    for agreement_id, a in f.agreements.items():
        agreed = _d(a["agreed_on"])
        if not (cycle_start <= agreed <= D):
            continue
        if a["withdrawn_on"] is not None and a["withdrawn_on"] <= D:
            continue
        linked = [
            _d(b["completion"]["completed_on"])
            for b in f.bookings.values()
            if b.get("agreement_id") == agreement_id and b["completion"]
        ]
        left_on = f.employees[a["employee_id"]]["left_on"]
        if left_on is not None and left_on <= D and not any(done <= left_on for done in linked):
            continue
        dept = f.department_on(a["employee_id"], agreed)
        c.add(dept, "made")
        due = f.due_by(a)
        if any(done <= due and done <= D for done in linked):
            c.add(dept, "on_time")

    sharing_end = D - timedelta(days=30)
    sharing_start = sharing_end - timedelta(days=364)
    for b in f.bookings.values():
        if b["completion"]:
            done = _d(b["completion"]["completed_on"])
            if sharing_start <= done <= sharing_end:
                dept = f.department_on(b["employee_id"], done)
                c.add(dept, "sharing_den")
                if any(s <= done + timedelta(days=30) for s in b["shared"]):
                    c.add(dept, "sharing_num")
        booked = _d(b["booked_on"])
        starts = _d(b["starts_on"])
        if booked > D or f.cancelled(b, D):
            continue
        dept = f.department_on(b["employee_id"], booked)
        wheel = f.wheel_for(b)
        busy = wheel is not None and wheel["months"][str(starts.month)] == "busy"
        if in_year(starts) and wheel is not None:
            c.add(dept, "season_den")
            if not busy:
                c.add(dept, "season_num")
        family = f.employees[b["employee_id"]]["job_family"]
        if cycle_start <= starts <= cycle_end and family in ("unskilled", "skilled"):
            c.add(dept, "buddy_den")
            if b["buddies"] or any(p <= D for p in b["paired"]):
                c.add(dept, "buddy_num")
        if in_year(starts) and busy:
            c.add(dept, "busy_den")
            if any(s <= D for s in b["substitutes"]):
                c.add(dept, "busy_num")

    def share(scope: str | None, part: str, whole: str) -> float | None:
        return c.get(scope, part) / c.get(scope, whole) if c.get(scope, whole) else None

    def figures(scope: str | None) -> dict[str, Any]:
        rate = share(scope, "on_time", "made")
        active = c.get(scope, "active")
        return {
            "active_employees": active,
            "agreements_made": c.get(scope, "made"),
            "agreements_completed_on_time": c.get(scope, "on_time"),
            "agreement_completion_rate": rate,
            "completion_target": target,
            "target_met": None if rate is None else rate >= target,
            "participation_rate_12m": share(scope, "participants", "active"),
            "training_hours_per_employee_12m": c.get(scope, "hours") / active if active else 0,
            "mus_coverage": share(scope, "covered", "active"),
            "mus_education_item_rate": share(scope, "education_items", "covered"),
            "open_gaps": c.get(scope, "open_gaps"),
            "gaps_closed_in_cycle": c.get(scope, "closed_gaps"),
            "knowledge_sharing_rate": share(scope, "sharing_num", "sharing_den"),
            "season_fit_rate": share(scope, "season_num", "season_den"),
            "buddy_share": share(scope, "buddy_num", "buddy_den"),
            "substitute_coverage_busy": share(scope, "busy_num", "busy_den"),
        }

    company = figures(None)
    company["committee_meetings_12m"] = sum(1 for m in f.meetings if in_year(m))
    listed = [department] if department is not None else sorted(c.departments())
    return {
        "tenant": tenant,
        "as_of": D.isoformat(),
        "cycle": {"start": cycle_start.isoformat(), "end": cycle_end.isoformat()},
        "company": company,
        "departments": {d: figures(d) for d in listed},
    }
