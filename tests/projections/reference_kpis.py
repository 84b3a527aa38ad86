"""An independent, brute-force reading of CONTRACT.md §4 and §7 over a list of events in log order.

Nothing here is shared with the SQL side: every key is recomputed from the events for one as-of date,
straight from the contract's words — per department, per manager, the last cycle as the document of the
day before the cycle starts, series as documents at month (quarter) ends, the competence matrix and the
company's display name. Slow on purpose; used to check the projections.
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
    "agreements_due_to_date",
    "agreements_due_completed_on_time",
    "on_track_rate",
    "cycle_status",
)
LAST_CYCLE_KEYS = (
    "agreements_made", "agreements_completed_on_time", "agreement_completion_rate", "completion_target", "target_met",
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
        self.assignments: list[tuple[int, dict[str, Any]]] = []
        self.registrations: list[tuple[int, dict[str, Any]]] = []
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
        elif kind == "ManagerAssigned":
            self.assignments.append((order, d))
        elif kind == "CompanyRegistered":
            self.registrations.append((order, d))

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

    def manager_on(self, employee_id: str, x: date) -> str | None:
        """The latest ManagerAssigned with assigned_on <= x (none given: hired_on; equal dates: accepted last)."""
        candidates = []
        for order, a in self.assignments:
            if a["employee_id"] != employee_id:
                continue
            since = _d(a.get("assigned_on")) or self.employees[employee_id]["hired_on"]
            if since <= x:
                candidates.append((since, order, a["manager_id"]))
        return max(candidates)[2] if candidates else None

    def gap_open_on(self, gap: dict[str, Any], x: date) -> bool:
        closed = self.gap_closed_on(gap)
        return _d(gap["identified_on"]) <= x and not (closed is not None and closed <= x)

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


Scope = tuple[str, str | None]
"""("company", None), ("department", name) or ("manager", employee_id)."""
COMPANY: Scope = ("company", None)


class Counter:
    def __init__(self) -> None:
        self.values: dict[tuple[Scope, str], Any] = {}

    def add(self, scopes: list[Scope], name: str, amount: Any = 1) -> None:
        for scope in scopes:
            self.values[(scope, name)] = self.values.get((scope, name), 0) + amount

    def get(self, scope: Scope, name: str) -> Any:
        return self.values.get((scope, name), 0)

    def listed(self, level: str) -> set[str]:
        return {scope[1] for (scope, _), v in self.values.items() if scope[0] == level and scope[1] and v}


def reference_document(
    events: Iterable[Any], tenant: str, as_of: date, department: str | None = None, *, by_manager: bool = False
) -> dict:
    """The KPI document of §4 with the §7 keys and ``last_cycle`` (and ``managers`` with ``by_manager``)."""
    f = Facts(events, tenant)
    doc = document_of(f, tenant, as_of, department, by_manager)
    before = document_of(f, tenant, date.fromisoformat(doc["cycle"]["start"]) - timedelta(days=1), department,
                         by_manager)
    doc["last_cycle"] = {
        "start": before["cycle"]["start"],
        "end": before["cycle"]["end"],
        "company": {k: before["company"][k] for k in LAST_CYCLE_KEYS},
        **{
            level: {name: {k: keys[k] for k in LAST_CYCLE_KEYS} for name, keys in before[level].items()}
            for level in ("departments", "managers") if level in before
        },
    }
    return doc


def document_of(f: Facts, tenant: str, D: date, department: str | None, by_manager: bool) -> dict:
    cycle_start, cycle_end = f.cycle_of(D)
    strategy = f.strategy_on(D)
    target = strategy["completion_target"] if strategy else 0.85
    year_start = D - timedelta(days=364)
    c = Counter()

    def in_year(x: date) -> bool:
        return year_start <= x <= D

    def scopes(employee_id: str, on: date) -> list[Scope]:
        found: list[Scope] = [COMPANY, ("department", f.department_on(employee_id, on))]
        manager = f.manager_on(employee_id, on)
        if manager is not None:
            found.append(("manager", manager))
        return found

    for employee_id in f.employees:
        if not f.active_on(employee_id, D):
            continue
        where = scopes(employee_id, D)
        c.add(where, "active")
        completions = [
            b["completion"]
            for b in f.bookings.values()
            if b["employee_id"] == employee_id and b["completion"] and in_year(_d(b["completion"]["completed_on"]))
        ]
        if completions:
            c.add(where, "participants")
            c.add(where, "hours", sum(float(x["hours_attended"]) for x in completions))
        reviews = [
            (r["held_on"], order, r)
            for order, r in f.reviews
            if r["employee_id"] == employee_id and cycle_start <= _d(r["held_on"]) <= D
        ]
        if reviews:
            c.add(where, "covered")
            latest = max(reviews, key=lambda t: (_d(t[0]), t[1]))[2]
            if latest["education_item"]:
                c.add(where, "education_items")
        for gap in f.gaps.values():
            if gap["employee_id"] != employee_id:
                continue
            closed = f.gap_closed_on(gap)
            if f.gap_open_on(gap, D):
                c.add(where, "open_gaps")
            if closed is not None and cycle_start <= closed <= D:
                c.add(where, "closed_gaps")

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
        where = scopes(a["employee_id"], agreed)
        c.add(where, "made")
        due = f.due_by(a)
        on_time = any(done <= due and done <= D for done in linked)
        if on_time:
            c.add(where, "on_time")
        if due <= D:
            c.add(where, "due")
            if on_time:
                c.add(where, "due_on_time")

    sharing_end = D - timedelta(days=30)
    sharing_start = sharing_end - timedelta(days=364)
    for b in f.bookings.values():
        if b["completion"]:
            done = _d(b["completion"]["completed_on"])
            if sharing_start <= done <= sharing_end:
                where = scopes(b["employee_id"], done)
                c.add(where, "sharing_den")
                if any(s <= done + timedelta(days=30) for s in b["shared"]):
                    c.add(where, "sharing_num")
        booked = _d(b["booked_on"])
        starts = _d(b["starts_on"])
        if booked > D or f.cancelled(b, D):
            continue
        where = scopes(b["employee_id"], booked)
        wheel = f.wheel_for(b)
        busy = wheel is not None and wheel["months"][str(starts.month)] == "busy"
        if in_year(starts) and wheel is not None:
            c.add(where, "season_den")
            if not busy:
                c.add(where, "season_num")
        family = f.employees[b["employee_id"]]["job_family"]
        if cycle_start <= starts <= cycle_end and family in ("unskilled", "skilled"):
            c.add(where, "buddy_den")
            if b["buddies"] or any(p <= D for p in b["paired"]):
                c.add(where, "buddy_num")
        if in_year(starts) and busy:
            c.add(where, "busy_den")
            if any(s <= D for s in b["substitutes"]):
                c.add(where, "busy_num")

    def share(scope: Scope, part: str, whole: str) -> float | None:
        return c.get(scope, part) / c.get(scope, whole) if c.get(scope, whole) else None

    def figures(scope: Scope) -> dict[str, Any]:
        rate = share(scope, "on_time", "made")
        on_track = share(scope, "due_on_time", "due")
        active = c.get(scope, "active")
        status = "nothing_due_yet" if on_track is None else "on_track" if on_track >= target else "behind"
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
            "agreements_due_to_date": c.get(scope, "due"),
            "agreements_due_completed_on_time": c.get(scope, "due_on_time"),
            "on_track_rate": on_track,
            "cycle_status": status,
        }

    company = figures(COMPANY)
    company["committee_meetings_12m"] = sum(1 for m in f.meetings if in_year(m))
    departments = [department] if department is not None else sorted(c.listed("department"))
    doc = {
        "tenant": tenant,
        "as_of": D.isoformat(),
        "cycle": {"start": cycle_start.isoformat(), "end": cycle_end.isoformat()},
        "company": company,
        "departments": {d: figures(("department", d)) for d in departments},
    }
    if by_manager:
        doc["managers"] = {m: figures(("manager", m)) for m in sorted(c.listed("manager"))}
    return doc


def month_ends(first: date, last: date, step: str) -> list[date]:
    """Each month's (calendar quarter's) last day in [first, last], by walking the days."""
    ends = []
    day = first
    while day <= last:
        tomorrow = day + timedelta(days=1)
        if tomorrow.month != day.month and (step == "month" or day.month in (3, 6, 9, 12)):
            ends.append(day)
        day = tomorrow
    return ends


def reference_series(events: Iterable[Any], tenant: str, first: date, last: date, step: str, keys: list[str],
                     department: str | None = None, by_manager: bool = False) -> list[dict[str, Any]]:
    """The points of a series: the document at each date, cut to ``keys``."""
    f = Facts(events, tenant)
    points = []
    for day in month_ends(first, last, step):
        doc = document_of(f, tenant, day, department, by_manager)
        point = {"as_of": day.isoformat(), "company": {k: doc["company"][k] for k in keys}}
        for level in ("departments", "managers"):
            if level in doc:
                point[level] = {
                    name: {k: figures[k] for k in keys if k in figures} for name, figures in doc[level].items()
                }
        points.append(point)
    return points


def reference_competences(events: Iterable[Any], tenant: str, as_of: date) -> list[dict[str, Any]]:
    """Employees active on ``as_of`` by id, each competence with an assessment dated <= as_of or an open gap."""
    f = Facts(events, tenant)
    found = []
    for employee_id in sorted(f.employees):
        if not f.active_on(employee_id, as_of):
            continue
        assessed: dict[str, tuple[date, int, int]] = {}
        for order, a in enumerate(f.assessments):
            on = _d(a["assessed_on"])
            if a["employee_id"] == employee_id and on <= as_of:
                if a["competence"] not in assessed or (on, order) >= assessed[a["competence"]][:2]:
                    assessed[a["competence"]] = (on, order, a["level"])
        targets: dict[str, int] = {}
        for gap in f.gaps.values():
            if gap["employee_id"] == employee_id and f.gap_open_on(gap, as_of):
                targets[gap["competence"]] = max(targets.get(gap["competence"], 0), gap["target_level"])
        competences = {
            name: {"level": assessed[name][2] if name in assessed else None, "target": targets.get(name)}
            for name in sorted(set(assessed) | set(targets))
        }
        found.append({"employee_id": employee_id, "department": f.department_on(employee_id, as_of),
                      "competences": competences})
    return found


def reference_company_name(events: Iterable[Any], tenant: str) -> dict[str, Any] | None:
    """The CompanyRegistered with the latest registered_on (equal dates: accepted last), or None."""
    registrations = Facts(events, tenant).registrations
    if not registrations:
        return None
    return max(registrations, key=lambda r: (_d(r[1]["registered_on"]), r[0]))[1]
