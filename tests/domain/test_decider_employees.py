"""Employee rules: registered once, referenced only when registered, no moves or new plans after leaving."""

from __future__ import annotations

import pytest
from decider_spec import given
from domain_samples import booking, employee, message

from domain.errors import Reason

EMPLOYEE_SCOPED = ["EmployeeMoved", "EmployeeLeft", "ManagerAssigned", "AmbassadorAppointed",
                   "DevelopmentReviewHeld", "CompetenceAssessed", "CompetenceGapIdentified", "EducationAgreed",
                   "CourseBooked"]


@pytest.mark.parametrize("type_", EMPLOYEE_SCOPED)
def test_an_unregistered_employee_is_rejected(type_: str) -> None:
    rejected = given(employee("m-1")).when(message(type_)).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'e-1'")
    assert rejected.detail == "employee 'e-1' is not registered in tenant 'bitzer'"


def test_registering_an_employee_id_twice_is_rejected() -> None:
    given(employee("e-1")).when(employee("e-1", name="Other")).then_rejects(Reason.INVALID_STATE, "'e-1'")


def test_an_employee_id_is_per_tenant_state_so_another_id_is_fine() -> None:
    given(employee("e-1")).when(employee("e-2")).then("employee-e-2", "EmployeeRegistered", employee_id="e-2")


def test_a_manager_must_be_registered() -> None:
    given(employee("e-1")).when(message("ManagerAssigned")).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'m-1'")


def test_a_manager_is_assigned_when_both_are_registered() -> None:
    given(employee("e-1"), employee("m-1")).when(message("ManagerAssigned", assigned_on="2026-01-05")).then(
        "employee-e-1", "ManagerAssigned", manager_id="m-1", assigned_on="2026-01-05")


def test_an_employee_who_left_is_not_moved() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(message("EmployeeMoved")).then_rejects(Reason.INVALID_STATE, "left")


def test_an_employee_who_left_does_not_leave_again() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(message("EmployeeLeft", left_on="2026-07-01")).then_rejects(Reason.INVALID_STATE, "left")


def test_an_employee_who_moved_can_move_again_and_then_leave() -> None:
    spec = given(employee("e-1"), message("EmployeeMoved"), message("EmployeeMoved", department="rd"))
    spec.when(message("EmployeeLeft")).then("employee-e-1", "EmployeeLeft", left_on="2026-06-30")


def test_an_employee_who_left_gets_no_new_agreement() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(message("EducationAgreed")).then_rejects(Reason.INVALID_STATE, "agreement")


def test_an_employee_who_left_gets_no_new_booking() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(booking()).then_rejects(Reason.INVALID_STATE, "booking")


@pytest.mark.parametrize("type_", ["DevelopmentReviewHeld", "CompetenceAssessed", "AmbassadorAppointed"])
def test_facts_about_an_employee_who_left_are_still_recorded(type_: str) -> None:
    given(employee("e-1"), message("EmployeeLeft")).when(message(type_)).then("employee-e-1", type_)


def test_an_employee_who_left_can_still_complete_a_running_course() -> None:
    spec = given(employee("e-1"), booking(), message("EmployeeLeft"))
    spec.when(message("CourseCompleted")).then("booking-b-1", "CourseCompleted")


def test_a_left_employee_may_still_be_a_buddy() -> None:
    spec = given(employee("e-1"), employee("e-2"), message("EmployeeLeft", employee_id="e-2"))
    spec.when(booking(buddies=["e-2"])).then("booking-b-1", "CourseBooked", buddies=["e-2"])
