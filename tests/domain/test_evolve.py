"""evolve folds stored events without judging them."""

from __future__ import annotations

from domain.decider import (
    AgreementState,
    BookingState,
    CompanyState,
    EmployeeState,
    GapState,
    evolve,
    initial_state,
)


def fold(stream: str, *events: tuple[str, dict[str, object]]) -> object:
    state = initial_state(stream)
    for event_type, data in events:
        state = evolve(state, event_type, data)
    return state


def test_an_employee_moves_and_leaves() -> None:
    state = fold(
        "employee-e-1",
        ("EmployeeRegistered", {"employee_id": "e-1", "name": None, "department": "rd", "job_family": "skilled",
                                "hired_on": "2020-01-01"}),
        ("EmployeeMoved", {"employee_id": "e-1", "department": "ops", "moved_on": "2026-01-01"}),
        ("DevelopmentReviewHeld", {"employee_id": "e-1", "held_on": "2026-03-01", "education_item": True}),
        ("EmployeeLeft", {"employee_id": "e-1", "left_on": "2026-06-30"}),
    )
    assert state == EmployeeState(employee_id="e-1", department="ops", job_family="skilled", left=True)


def test_a_booking_remembers_its_course_hours_and_its_end() -> None:
    state = fold(
        "booking-b-1",
        ("CourseBooked", {"booking_id": "b-1", "employee_id": "e-1", "agreement_id": "a-1",
                          "course": {"title": "x", "kind": "amu", "hours": 37}}),
        ("CourseCompleted", {"booking_id": "b-1", "completed_on": "2026-04-10", "hours_attended": 30}),
    )
    assert state == BookingState(booking_id="b-1", employee_id="e-1", course_hours=37, agreement_id="a-1",
                                 completed=True)


def test_a_gap_and_an_agreement_reach_their_final_state() -> None:
    gap = fold("gap-g-1", ("CompetenceGapIdentified", {"gap_id": "g-1", "employee_id": "e-1",
                                                       "competence": "c", "target_level": 3}),
               ("CompetenceGapClosed", {"gap_id": "g-1"}))
    assert gap == GapState(gap_id="g-1", employee_id="e-1", competence="c", target_level=3, closed=True)
    agreement = fold("agreement-a-1", ("EducationAgreed", {"agreement_id": "a-1", "employee_id": "e-1"}),
                     ("EducationAgreementWithdrawn", {"agreement_id": "a-1"}))
    assert agreement == AgreementState(agreement_id="a-1", employee_id="e-1", withdrawn=True)


def test_a_repeated_department_registration_renames_it() -> None:
    state = fold("company", ("DepartmentRegistered", {"department": "rd", "name": "R&D"}),
                 ("DepartmentRegistered", {"department": "rd", "name": "Research"}),
                 ("CommitteeMeetingHeld", {"held_on": "2026-03-01"}))
    assert state == CompanyState(departments={"rd": "Research"})


def test_unknown_event_types_leave_the_state_as_it_was() -> None:
    state = initial_state("employee-e-1")
    assert evolve(state, "SomethingFromTheFuture", {}) is state
    assert evolve(CompanyState(), "SomethingFromTheFuture", {"x": 1}) == CompanyState()
