"""Bookings: references must exist, one booking per ID, and a finished booking takes no further steps."""

from __future__ import annotations

import pytest
from decider_spec import given
from domain_samples import booking, employee, message

from domain.errors import Reason

STAFF = [employee("e-1"), employee("e-2")]
BOOKED = [*STAFF, booking()]
BOOKING_SCOPED = ["BuddyPaired", "SubstituteArranged", "ManagerCheckInHeld", "CourseCompleted",
                  "CourseCancelled", "KnowledgeShared", "PracticeFollowUpHeld"]
NOT_AFTER_THE_END = ["BuddyPaired", "SubstituteArranged", "ManagerCheckInHeld", "CourseCompleted",
                     "CourseCancelled"]


@pytest.mark.parametrize("type_", BOOKING_SCOPED)
def test_a_booking_scoped_message_needs_the_booking(type_: str) -> None:
    given(*STAFF).when(message(type_)).then_rejects(Reason.UNKNOWN_BOOKING, "'b-1'")


def test_a_booking_id_is_used_once() -> None:
    given(*BOOKED).when(booking(employee_id="e-2")).then_rejects(Reason.INVALID_STATE, "'b-1'")


def test_a_booking_on_an_unknown_agreement_is_rejected() -> None:
    given(*STAFF).when(booking(agreement_id="a-9")).then_rejects(Reason.UNKNOWN_AGREEMENT, "'a-9'")


def test_a_booking_on_another_employees_agreement_is_rejected() -> None:
    spec = given(*STAFF, message("EducationAgreed", employee_id="e-2"))
    spec.when(booking(agreement_id="a-1")).then_rejects(Reason.INVALID_STATE, "another employee")


def test_a_booking_on_the_employees_agreement_is_accepted() -> None:
    spec = given(*STAFF, message("EducationAgreed"))
    spec.when(booking(agreement_id="a-1")).then("booking-b-1", "CourseBooked", agreement_id="a-1")


def test_every_buddy_of_a_booking_must_be_registered() -> None:
    spec = given(*STAFF)
    spec.when(booking(buddies=["e-2", "e-7"])).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'e-7'")


def test_a_booking_with_buddies_and_collective_is_accepted() -> None:
    given(*STAFF).when(booking(buddies=["e-2"], collective=True)).then(
        "booking-b-1", "CourseBooked", buddies=["e-2"], collective=True)


def test_a_paired_buddy_must_be_registered() -> None:
    given(*BOOKED).when(message("BuddyPaired", buddy_id="e-7")).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'e-7'")


@pytest.mark.parametrize("type_", NOT_AFTER_THE_END)
def test_a_completed_booking_takes_no_further_step(type_: str) -> None:
    given(*BOOKED, message("CourseCompleted")).when(message(type_)).then_rejects(Reason.INVALID_STATE, "completed")


@pytest.mark.parametrize("type_", NOT_AFTER_THE_END)
def test_a_cancelled_booking_takes_no_further_step(type_: str) -> None:
    given(*BOOKED, message("CourseCancelled")).when(message(type_)).then_rejects(Reason.INVALID_STATE, "cancelled")


def test_knowledge_is_not_shared_from_a_cancelled_booking() -> None:
    spec = given(*BOOKED, message("CourseCancelled"))
    spec.when(message("KnowledgeShared")).then_rejects(Reason.INVALID_STATE, "cancelled")


@pytest.mark.parametrize("before", [[], [message("CourseCompleted")]])
def test_knowledge_may_be_shared_during_or_after_the_course(before: list[object]) -> None:
    spec = given(*BOOKED, *before)
    spec.when(message("KnowledgeShared", audience=12)).then("booking-b-1", "KnowledgeShared", audience=12)


@pytest.mark.parametrize("before", [[], [message("CourseCancelled")]])
def test_practice_follow_up_needs_a_completed_booking(before: list[object]) -> None:
    given(*BOOKED, *before).when(message("PracticeFollowUpHeld")).then_rejects(Reason.INVALID_STATE, "not completed")


def test_practice_follow_up_of_a_completed_booking_is_accepted_more_than_once() -> None:
    spec = given(*BOOKED, message("CourseCompleted"), message("PracticeFollowUpHeld"))
    spec.when(message("PracticeFollowUpHeld", applied=False)).then("booking-b-1", "PracticeFollowUpHeld",
                                                                   applied=False)


def test_completion_without_hours_takes_the_course_hours_and_passes() -> None:
    given(*BOOKED).when(message("CourseCompleted")).then(
        "booking-b-1", "CourseCompleted", hours_attended=37, passed=True)


def test_completion_keeps_the_hours_attended_it_was_given() -> None:
    given(*BOOKED).when(message("CourseCompleted", hours_attended=12.5, passed=False)).then(
        "booking-b-1", "CourseCompleted", hours_attended=12.5, passed=False)


def test_zero_hours_attended_is_kept_not_replaced_by_the_course_hours() -> None:
    given(*BOOKED).when(message("CourseCompleted", hours_attended=0)).then(
        "booking-b-1", "CourseCompleted", hours_attended=0)


def test_null_hours_attended_takes_the_course_hours() -> None:
    given(*STAFF, booking(course={"title": "VEU", "kind": "higher", "hours": 7.5})).when(
        message("CourseCompleted", hours_attended=None)).then("booking-b-1", "CourseCompleted", hours_attended=7.5)


def test_events_on_a_booking_name_the_booked_employee_as_subject() -> None:
    spec = given(*STAFF, booking(employee_id="e-2"))
    event = spec.when(message("SubstituteArranged")).then("booking-b-1", "SubstituteArranged")
    assert event.subject == "e-2"
