"""Valid sample messages, one per contract type, all about the same small company."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from funding_samples import FUNDING_SAMPLE_DATA

MISSING = object()
"""Pass as a field value to leave the field out of the data."""

SEASONS = {"1": "low", "2": "low", "3": "normal", "4": "normal", "5": "busy", "6": "busy", "7": "busy",
           "8": "busy", "9": "normal", "10": "normal", "11": "low", "12": "low"}

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "CompanyRegistered": {"name": "BITZER Electronics A/S", "cvr": "01234567", "registered_on": "2026-01-01"},
    "EducationStrategyAdopted": {"adopted_on": "2026-01-01", "formality": "formal", "vision": "Everyone learns"},
    "DepartmentRegistered": {"department": "rd", "name": "Research & Development"},
    "EmployeeRegistered": {"employee_id": "e-1", "name": "Anna Berg", "department": "rd",
                           "job_family": "skilled", "hired_on": "2020-01-01"},
    "EmployeeMoved": {"employee_id": "e-1", "department": "ops", "moved_on": "2026-02-01"},
    "EmployeeLeft": {"employee_id": "e-1", "left_on": "2026-06-30"},
    "ManagerAssigned": {"employee_id": "e-1", "manager_id": "m-1"},
    "AmbassadorAppointed": {"employee_id": "e-1", "role": "shop_steward"},
    "AnnualWheelDefined": {"effective_from": "2026-01-01", "department": None, "kind": "seasonal",
                           "months": SEASONS},
    "CommitteeMeetingHeld": {"held_on": "2026-03-01", "management_reps": 2, "employee_reps": 2},
    "DevelopmentReviewHeld": {"employee_id": "e-1", "held_on": "2026-03-05", "education_item": True},
    "CompetenceAssessed": {"employee_id": "e-1", "competence": "refrigeration", "level": 2,
                           "assessed_on": "2026-03-05"},
    "CompetenceGapIdentified": {"gap_id": "g-1", "employee_id": "e-1", "competence": "refrigeration",
                                "identified_on": "2026-03-05", "current_level": 2, "target_level": 4,
                                "source": "mus"},
    "CompetenceGapClosed": {"gap_id": "g-1", "closed_on": "2026-09-01"},
    "EducationAgreed": {"agreement_id": "a-1", "employee_id": "e-1", "title": "Refrigeration level 4",
                        "agreed_on": "2026-03-05"},
    "EducationAgreementWithdrawn": {"agreement_id": "a-1", "withdrawn_on": "2026-04-01", "reason": "new role"},
    "CourseBooked": {"booking_id": "b-1", "employee_id": "e-1", "booked_on": "2026-03-10",
                     "course": {"title": "AMU 40121 Refrigeration", "kind": "amu", "hours": 37},
                     "starts_on": "2026-04-06", "ends_on": "2026-04-10"},
    "BuddyPaired": {"booking_id": "b-1", "buddy_id": "e-2", "paired_on": "2026-03-12"},
    "SubstituteArranged": {"booking_id": "b-1", "substitute": "Tina Temp", "arranged_on": "2026-03-20"},
    "ManagerCheckInHeld": {"booking_id": "b-1", "held_on": "2026-04-08"},
    "CourseCompleted": {"booking_id": "b-1", "completed_on": "2026-04-10"},
    "CourseCancelled": {"booking_id": "b-1", "cancelled_on": "2026-04-01", "reason": "ill"},
    "KnowledgeShared": {"booking_id": "b-1", "shared_on": "2026-04-20", "format": "board_meeting"},
    "PracticeFollowUpHeld": {"booking_id": "b-1", "held_on": "2026-05-20", "applied": True},
    "CourseRunAnnounced": {"run_id": "r-1", "title": "AMU 40121 Refrigeration", "code": "40121",
                           "provider": "AMU Syd", "starts_on": "2026-04-06", "ends_on": "2026-04-10",
                           "hours": 37, "seats": 12, "fee": 0},
    "CourseRunWithdrawn": {"run_id": "r-1", "withdrawn_on": "2026-03-20"},
    "PlanningRulesSet": {"effective_from": "2026-01-01", "away_share": {"low": 0.3, "normal": 0.2, "busy": 0}},
}

SAMPLE_DATA.update(FUNDING_SAMPLE_DATA)

_ids = itertools.count(1)


def message(type_: str, /, **changes: Any) -> dict[str, Any]:
    """An envelope for ``type_`` with the sample data, changed by ``changes`` (MISSING drops a field)."""
    data = copy.deepcopy(SAMPLE_DATA.get(type_, {}))
    for name, value in changes.items():
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    return envelope(type=type_, data=data)


def envelope(**fields: Any) -> dict[str, Any]:
    """A valid DepartmentRegistered envelope, changed by ``fields`` (MISSING drops a field)."""
    base: dict[str, Any] = {
        "message_id": f"hr-{next(_ids)}", "tenant": "bitzer", "type": "DepartmentRegistered",
        "occurred_at": "2026-03-10T08:00:00Z", "actor": "hr-system:payroll",
        "data": copy.deepcopy(SAMPLE_DATA["DepartmentRegistered"]),
    }
    base.update(fields)
    return {name: value for name, value in base.items() if value is not MISSING}


def employee(employee_id: str, **changes: Any) -> dict[str, Any]:
    return message("EmployeeRegistered", employee_id=employee_id, **changes)


def run(run_id: str = "r-1", **changes: Any) -> dict[str, Any]:
    return message("CourseRunAnnounced", run_id=run_id, **changes)


def booking(booking_id: str = "b-1", employee_id: str = "e-1", **changes: Any) -> dict[str, Any]:
    return message("CourseBooked", booking_id=booking_id, employee_id=employee_id, **changes)
