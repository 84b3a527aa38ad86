"""When several rules fail, the first in this order is reported: envelope, type, data, references, state."""

from __future__ import annotations

from decider_spec import given
from domain_samples import booking, employee, envelope, message

from domain.errors import Reason


def test_the_envelope_is_judged_before_the_type() -> None:
    raw = envelope(tenant="NOT VALID", type="NoSuchType", data={})
    given().when(raw).then_rejects(Reason.INVALID_ENVELOPE, "tenant")


def test_the_type_is_judged_before_the_data() -> None:
    given().when(envelope(type="NoSuchType", data={"hours": True})).then_rejects(Reason.UNKNOWN_TYPE)


def test_the_data_is_judged_before_the_references() -> None:
    raw = message("EducationAgreed", employee_id="nobody", agreed_on="2026-02-30")
    given().when(raw).then_rejects(Reason.INVALID_DATA, "data.agreed_on")


def test_the_data_is_judged_before_the_state() -> None:
    given(employee("e-1")).when(employee("e-1", hired_on="yesterday")).then_rejects(Reason.INVALID_DATA)


def test_an_unknown_employee_is_reported_before_a_reused_gap_id() -> None:
    spec = given(employee("e-1"), message("CompetenceGapIdentified"))
    spec.when(message("CompetenceGapIdentified", employee_id="e-9")).then_rejects(Reason.UNKNOWN_EMPLOYEE)


def test_an_unknown_gap_is_reported_before_a_reused_agreement_id() -> None:
    spec = given(employee("e-1"), message("EducationAgreed"))
    spec.when(message("EducationAgreed", gap_id="g-9")).then_rejects(Reason.UNKNOWN_GAP)


def test_an_unknown_buddy_is_reported_before_a_reused_booking_id() -> None:
    spec = given(employee("e-1"), booking())
    spec.when(booking(buddies=["e-9"])).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'e-9'")


def test_an_unknown_agreement_is_reported_before_the_employee_having_left() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(booking(agreement_id="a-9")).then_rejects(Reason.UNKNOWN_AGREEMENT)


def test_an_unknown_buddy_is_reported_before_the_booking_being_completed() -> None:
    spec = given(employee("e-1"), booking(), message("CourseCompleted"))
    spec.when(message("BuddyPaired", buddy_id="e-9")).then_rejects(Reason.UNKNOWN_EMPLOYEE)


def test_an_unknown_manager_is_reported_even_for_an_employee_who_left() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(message("ManagerAssigned", manager_id="m-9")).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'m-9'")


def test_a_rejected_message_leaves_no_trace_for_later_ones() -> None:
    spec = given(employee("e-1"))
    spec.when(booking(buddies=["e-9"])).then_rejects(Reason.UNKNOWN_EMPLOYEE)
    spec.when(booking()).then("booking-b-1", "CourseBooked")
