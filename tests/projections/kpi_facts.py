"""Short constructors for the messages of CONTRACT.md §2, as (type, data) pairs."""

from __future__ import annotations

from datetime import date
from typing import Any

Fact = tuple[str, dict[str, Any]]


def strategy(on: date, month: int = 3, target: float = 0.85, formality: str = "formal") -> Fact:
    return "EducationStrategyAdopted", {
        "adopted_on": on,
        "formality": formality,
        "vision": "grow together",
        "cycle_start_month": month,
        "completion_target": target,
    }


def department(dept: str) -> Fact:
    return "DepartmentRegistered", {"department": dept, "name": f"enc:{dept}"}


def hire(emp: str, dept: str, on: date, family: str = "skilled") -> Fact:
    return "EmployeeRegistered", {
        "employee_id": emp,
        "name": f"enc:{emp}",
        "department": dept,
        "job_family": family,
        "hired_on": on,
    }


def move(emp: str, dept: str, on: date) -> Fact:
    return "EmployeeMoved", {"employee_id": emp, "department": dept, "moved_on": on}


def leave(emp: str, on: date) -> Fact:
    return "EmployeeLeft", {"employee_id": emp, "left_on": on}


def manager(emp: str, boss: str, on: date | None = None) -> Fact:
    """No date: from the employee's hiring."""
    return "ManagerAssigned", {"employee_id": emp, "manager_id": boss, "assigned_on": on}


def company(name: str, on: date, cvr: str | None = None) -> Fact:
    return "CompanyRegistered", {"name": name, "cvr": cvr, "registered_on": on}


def review(emp: str, on: date, item: bool = True) -> Fact:
    return "DevelopmentReviewHeld", {"employee_id": emp, "held_on": on, "education_item": item}


def assess(emp: str, competence: str, level: int, on: date) -> Fact:
    return "CompetenceAssessed", {"employee_id": emp, "competence": competence, "level": level, "assessed_on": on}


def gap(gap_id: str, emp: str, competence: str, on: date, current: int = 1, target: int = 3) -> Fact:
    return "CompetenceGapIdentified", {
        "gap_id": gap_id,
        "employee_id": emp,
        "competence": competence,
        "identified_on": on,
        "current_level": current,
        "target_level": target,
        "source": "manager",
    }


def close_gap(gap_id: str, on: date) -> Fact:
    return "CompetenceGapClosed", {"gap_id": gap_id, "closed_on": on}


def agree(agreement: str, emp: str, on: date, due: date | None = None) -> Fact:
    data: dict[str, Any] = {"agreement_id": agreement, "employee_id": emp, "title": "course", "agreed_on": on}
    if due is not None:
        data["due_by"] = due
    return "EducationAgreed", data


def withdraw(agreement: str, on: date) -> Fact:
    return "EducationAgreementWithdrawn", {"agreement_id": agreement, "withdrawn_on": on, "reason": "enc:r"}


def book(
    booking: str,
    emp: str,
    on: date,
    starts: date,
    ends: date | None = None,
    *,
    hours: float = 7.5,
    agreement: str | None = None,
    buddies: tuple[str, ...] = (),
    kind: str = "amu",
) -> Fact:
    return "CourseBooked", {
        "booking_id": booking,
        "employee_id": emp,
        "booked_on": on,
        "agreement_id": agreement,
        "course": {"title": "welding", "kind": kind, "hours": hours},
        "starts_on": starts,
        "ends_on": ends or starts,
        "buddies": list(buddies),
    }


def complete(booking: str, on: date, hours: float | None = None, passed: bool = True) -> Fact:
    data: dict[str, Any] = {"booking_id": booking, "completed_on": on, "passed": passed}
    if hours is not None:
        data["hours_attended"] = hours
    return "CourseCompleted", data


def cancel(booking: str, on: date) -> Fact:
    return "CourseCancelled", {"booking_id": booking, "cancelled_on": on, "reason": "enc:r"}


def pair(booking: str, buddy: str, on: date) -> Fact:
    return "BuddyPaired", {"booking_id": booking, "buddy_id": buddy, "paired_on": on}


def substitute(booking: str, on: date) -> Fact:
    return "SubstituteArranged", {"booking_id": booking, "substitute": "enc:s", "arranged_on": on}


def check_in(booking: str, on: date) -> Fact:
    return "ManagerCheckInHeld", {"booking_id": booking, "held_on": on}


def share(booking: str, on: date, fmt: str = "peer") -> Fact:
    return "KnowledgeShared", {"booking_id": booking, "shared_on": on, "format": fmt}


def follow_up(booking: str, on: date, applied: bool = True) -> Fact:
    return "PracticeFollowUpHeld", {"booking_id": booking, "held_on": on, "applied": applied}


def wheel(on: date, busy: tuple[int, ...] = (), dept: str | None = None, kind: str = "seasonal") -> Fact:
    months = {str(m): ("busy" if m in busy else "normal") for m in range(1, 13)}
    return "AnnualWheelDefined", {"effective_from": on, "department": dept, "kind": kind, "months": months}


def meeting(on: date) -> Fact:
    return "CommitteeMeetingHeld", {"held_on": on, "management_reps": 2, "employee_reps": 2}
