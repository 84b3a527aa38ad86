"""The actions of CONTRACT.md §7, computed from the accepted messages alone in plain Python — read straight from
the contract's table, sharing nothing with the service's code, so the two can disagree.

``messages``: the accepted envelopes of one tenant in the order they were accepted (that order decides "equal
dates: accepted last"). Funding actions are not part of this reference (the funding tests own them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _last_day_of_cycle(agreed_on: date, month: int) -> date:
    year = agreed_on.year if agreed_on.month >= month else agreed_on.year - 1
    start = date(year, month, 1)
    return date(start.year + 1, start.month, 1) - timedelta(days=1)


@dataclass
class History:
    employees: dict[str, dict[str, Any]] = field(default_factory=dict)
    placements: dict[str, list[tuple[date, int, str]]] = field(default_factory=dict)  # (date, seq, department)
    managers: dict[str, list[tuple[date | None, int, str]]] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    strategies: list[tuple[date, int, int]] = field(default_factory=list)  # (adopted_on, seq, month)
    agreements: dict[str, dict[str, Any]] = field(default_factory=dict)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    wheels: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, messages: list[dict[str, Any]]) -> History:
        h = cls()
        for seq, m in enumerate(messages):
            h._take(seq, m["type"], m["data"])
        return h

    def _take(self, seq: int, kind: str, data: dict[str, Any]) -> None:  # noqa: C901 - one branch per type
        if kind == "EmployeeRegistered":
            e = data["employee_id"]
            self.employees[e] = {"hired_on": _d(data["hired_on"]), "job_family": data["job_family"],
                                 "department": data["department"], "left_on": None}
            self.placements.setdefault(e, []).append((_d(data["hired_on"]), seq, data["department"]))
        elif kind == "EmployeeMoved":
            self.placements[data["employee_id"]].append((_d(data["moved_on"]), seq, data["department"]))
        elif kind == "EmployeeLeft":
            self.employees[data["employee_id"]]["left_on"] = _d(data["left_on"])
        elif kind == "ManagerAssigned":
            self.managers.setdefault(data["employee_id"], []).append(
                (_d(data.get("assigned_on")), seq, data["manager_id"]))
        elif kind == "DevelopmentReviewHeld":
            self.reviews.append({"employee_id": data["employee_id"], "held_on": _d(data["held_on"]), "seq": seq,
                                 "education_item": data["education_item"],
                                 "follow_up_on": _d(data.get("follow_up_on"))})
        elif kind == "EducationStrategyAdopted":
            self.strategies.append((_d(data["adopted_on"]), seq, data.get("cycle_start_month") or 3))
        elif kind == "EducationAgreed":
            self.agreements[data["agreement_id"]] = {
                "employee_id": data["employee_id"], "agreed_on": _d(data["agreed_on"]),
                "due_by": _d(data.get("due_by")), "withdrawn_on": None}
        elif kind == "EducationAgreementWithdrawn":
            self.agreements[data["agreement_id"]]["withdrawn_on"] = _d(data["withdrawn_on"])
        elif kind == "CourseBooked":
            self.bookings[data["booking_id"]] = {
                "employee_id": data["employee_id"], "agreement_id": data.get("agreement_id"),
                "booked_on": _d(data["booked_on"]), "starts_on": _d(data["starts_on"]),
                "ends_on": _d(data["ends_on"]), "buddies": list(data.get("buddies") or []),
                "paired": [], "substitutes": [], "check_ins": [], "shared": [], "completed_on": None,
                "cancelled_on": None}
        elif kind == "BuddyPaired":
            self.bookings[data["booking_id"]]["paired"].append(_d(data["paired_on"]))
        elif kind == "SubstituteArranged":
            self.bookings[data["booking_id"]]["substitutes"].append(_d(data["arranged_on"]))
        elif kind == "ManagerCheckInHeld":
            self.bookings[data["booking_id"]]["check_ins"].append(_d(data["held_on"]))
        elif kind == "KnowledgeShared":
            self.bookings[data["booking_id"]]["shared"].append(_d(data["shared_on"]))
        elif kind == "CourseCompleted":
            self.bookings[data["booking_id"]]["completed_on"] = _d(data["completed_on"])
        elif kind == "CourseCancelled":
            self.bookings[data["booking_id"]]["cancelled_on"] = _d(data["cancelled_on"])
        elif kind == "AnnualWheelDefined":
            self.wheels.append({"effective_from": _d(data["effective_from"]), "seq": seq,
                                "department": data.get("department"),
                                "busy": {int(m) for m, k in data["months"].items() if k == "busy"}})

    # The contract's definitions, one by one.

    def active(self, e: str, x: date) -> bool:
        emp = self.employees[e]
        return emp["hired_on"] <= x and not (emp["left_on"] is not None and emp["left_on"] <= x)

    def department(self, e: str, x: date) -> str:
        emp = self.employees[e]
        if x < emp["hired_on"]:
            return emp["department"]
        dated = [p for p in self.placements[e] if p[0] <= x]
        return max(dated, key=lambda p: (p[0], p[1]))[2]

    def manager(self, e: str, x: date) -> str | None:
        hired = self.employees[e]["hired_on"]
        dated = [(on or hired, seq, m) for on, seq, m in self.managers.get(e, []) if (on or hired) <= x]
        return max(dated, key=lambda a: (a[0], a[1]))[2] if dated else None

    def due_by(self, a: dict[str, Any]) -> date:
        if a["due_by"] is not None:
            return a["due_by"]
        in_force = [s for s in self.strategies if s[0] <= a["agreed_on"]]
        month = max(in_force, key=lambda s: (s[0], s[1]))[2] if in_force else 3
        return _last_day_of_cycle(a["agreed_on"], month)

    def live(self, b: dict[str, Any], x: date) -> bool:
        return b["booked_on"] <= x and not (b["cancelled_on"] is not None and b["cancelled_on"] <= x)

    def open_agreement(self, agreement_id: str, x: date) -> bool:
        a = self.agreements[agreement_id]
        completed = any(b["agreement_id"] == agreement_id and b["completed_on"] is not None
                        and b["completed_on"] <= x for b in self.bookings.values())
        return a["agreed_on"] <= x and not (a["withdrawn_on"] is not None and a["withdrawn_on"] <= x) \
            and not completed

    def busy_in_applying_wheel(self, b: dict[str, Any]) -> bool:
        department = self.department(b["employee_id"], b["booked_on"])
        for scope in (department, None):
            in_force = [w for w in self.wheels if w["department"] == scope and w["effective_from"] <= b["starts_on"]]
            if in_force:
                wheel = max(in_force, key=lambda w: (w["effective_from"], w["seq"]))
                return b["starts_on"].month in wheel["busy"]
        return False


def expected_actions(messages: list[dict[str, Any]], x: date, manager: str | None = None,
                     department: str | None = None) -> list[tuple[str, str, str | None, str, str, str]]:
    """(kind, employee_id, manager_id, department, ref, since) of every action on ``x``, sorted as the contract
    says (since, kind, ref)."""
    h = History.of(messages)
    found: list[tuple[str, str, str, date]] = []  # (kind, employee_id, ref, since)
    days = timedelta

    for agreement_id, a in h.agreements.items():
        if not h.open_agreement(agreement_id, x):
            continue
        due = h.due_by(a)
        if due < x:
            found.append(("agreement_overdue", a["employee_id"], agreement_id, due + days(1)))
        elif a["agreed_on"] <= x - days(30) and not any(
                b["agreement_id"] == agreement_id and h.live(b, x) for b in h.bookings.values()):
            found.append(("agreement_not_booked", a["employee_id"], agreement_id, a["agreed_on"] + days(30)))

    for e, emp in h.employees.items():
        held = [r for r in h.reviews if r["employee_id"] == e and r["held_on"] <= x]
        in_last_year = [r for r in held if x - days(364) <= r["held_on"]]
        latest = max(held, key=lambda r: (r["held_on"], r["seq"])) if held else None
        since = latest["held_on"] + days(366) if latest else emp["hired_on"] + days(90)
        if not in_last_year and since <= x:
            found.append(("review_missing", e, e, since))
        if latest and latest["education_item"] and latest["follow_up_on"] is not None \
                and latest["follow_up_on"] <= x and not any(
                    a["employee_id"] == e and latest["held_on"] <= a["agreed_on"] <= x
                    for a in h.agreements.values()):
            found.append(("follow_up_due", e, e, latest["follow_up_on"]))

    for booking_id, b in h.bookings.items():
        e = b["employee_id"]
        live = h.live(b, x)
        completed_by_x = b["completed_on"] is not None and b["completed_on"] <= x
        if live and not completed_by_x and (b["ends_on"] - b["starts_on"]).days >= 4 \
                and b["starts_on"] <= x <= b["ends_on"] + days(14) and not any(c <= x for c in b["check_ins"]):
            found.append(("check_in_missing", e, booking_id, b["starts_on"]))
        if b["completed_on"] is not None and x - days(30) <= b["completed_on"] <= x - days(14) \
                and not any(s <= x for s in b["shared"]):
            found.append(("sharing_missing", e, booking_id, b["completed_on"] + days(14)))
        soon = live and x < b["starts_on"] <= x + days(60)
        if soon and h.busy_in_applying_wheel(b) and not any(s <= x for s in b["substitutes"]):
            found.append(("substitute_missing", e, booking_id, b["booked_on"]))
        if soon and h.employees[e]["job_family"] in ("unskilled", "skilled") and not b["buddies"] \
                and not any(p <= x for p in b["paired"]):
            found.append(("buddy_missing", e, booking_id, b["booked_on"]))

    rows = [
        (kind, e, h.manager(e, x), h.department(e, x), ref, since.isoformat())
        for kind, e, ref, since in found
        if h.active(e, x)
    ]
    rows = [r for r in rows if (manager is None or r[2] == manager) and (department is None or r[3] == department)]
    return sorted(rows, key=lambda r: (r[5], r[0], r[4], r[1]))
