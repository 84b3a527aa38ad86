"""Messages of CONTRACT.md §2 for the actions' tests, as (type, data) pairs with dates as ``date``."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

Fact = tuple[str, dict[str, Any]]

_ids = itertools.count(1)


def envelope(tenant: str, fact: Fact) -> dict[str, Any]:
    kind, data = fact
    plain = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
    return {"message_id": f"act-{next(_ids)}", "tenant": tenant, "type": kind,
            "occurred_at": "2026-01-01T08:00:00Z", "actor": "hr-system:test", "data": plain}


def raw(tenant: str, fact: Fact) -> bytes:
    return json.dumps(envelope(tenant, fact)).encode()


def strategy(on: date, month: int = 3) -> Fact:
    return "EducationStrategyAdopted", {"adopted_on": on, "formality": "formal", "vision": "grow",
                                        "cycle_start_month": month}


def hire(emp: str, dept: str, on: date, family: str = "skilled") -> Fact:
    return "EmployeeRegistered", {"employee_id": emp, "name": f"Name of {emp}", "department": dept,
                                  "job_family": family, "hired_on": on}


def move(emp: str, dept: str, on: date) -> Fact:
    return "EmployeeMoved", {"employee_id": emp, "department": dept, "moved_on": on}


def leave(emp: str, on: date) -> Fact:
    return "EmployeeLeft", {"employee_id": emp, "left_on": on}


def manager(emp: str, boss: str, on: date | None = None) -> Fact:
    data: dict[str, Any] = {"employee_id": emp, "manager_id": boss}
    if on is not None:
        data["assigned_on"] = on
    return "ManagerAssigned", data


def review(emp: str, on: date, item: bool = True, follow_up: date | None = None) -> Fact:
    data: dict[str, Any] = {"employee_id": emp, "held_on": on, "education_item": item}
    if follow_up is not None:
        data["follow_up_on"] = follow_up
    return "DevelopmentReviewHeld", data


def agree(agreement: str, emp: str, on: date, due: date | None = None, title: str = "Welding") -> Fact:
    data: dict[str, Any] = {"agreement_id": agreement, "employee_id": emp, "title": title, "agreed_on": on}
    if due is not None:
        data["due_by"] = due
    return "EducationAgreed", data


def withdraw(agreement: str, on: date) -> Fact:
    return "EducationAgreementWithdrawn", {"agreement_id": agreement, "withdrawn_on": on, "reason": "moved on"}


def book(booking: str, emp: str, on: date, starts: date, ends: date | None = None, *,
         agreement: str | None = None, buddies: tuple[str, ...] = (), title: str = "AMU welding") -> Fact:
    data: dict[str, Any] = {"booking_id": booking, "employee_id": emp, "booked_on": on, "starts_on": starts,
                            "ends_on": ends or starts,
                            "course": {"title": title, "kind": "internal", "hours": 7.5}}
    if agreement is not None:
        data["agreement_id"] = agreement
    if buddies:
        data["buddies"] = list(buddies)
    return "CourseBooked", data


def complete(booking: str, on: date) -> Fact:
    return "CourseCompleted", {"booking_id": booking, "completed_on": on}


def cancel(booking: str, on: date) -> Fact:
    return "CourseCancelled", {"booking_id": booking, "cancelled_on": on, "reason": "ill"}


def pair(booking: str, buddy: str, on: date) -> Fact:
    return "BuddyPaired", {"booking_id": booking, "buddy_id": buddy, "paired_on": on}


def substitute(booking: str, on: date) -> Fact:
    return "SubstituteArranged", {"booking_id": booking, "substitute": "Temp Agency", "arranged_on": on}


def check_in(booking: str, on: date) -> Fact:
    return "ManagerCheckInHeld", {"booking_id": booking, "held_on": on}


def share(booking: str, on: date) -> Fact:
    return "KnowledgeShared", {"booking_id": booking, "shared_on": on, "format": "peer"}


def wheel(on: date, busy: tuple[int, ...] = (), dept: str | None = None) -> Fact:
    months = {str(m): ("busy" if m in busy else "normal") for m in range(1, 13)}
    return "AnnualWheelDefined", {"effective_from": on, "department": dept, "kind": "seasonal", "months": months}


def meeting(on: date) -> Fact:
    return "CommitteeMeetingHeld", {"held_on": on, "management_reps": 2, "employee_reps": 2}
