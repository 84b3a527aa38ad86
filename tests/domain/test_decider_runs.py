"""Course runs and planning rules (contract §8): a run is announced once, withdrawn at most once, and a
booking may name an announced run."""

from __future__ import annotations

import pytest
from decider_spec import given
from domain_samples import MISSING, booking, employee, message, run

from domain.errors import Reason
from domain.messages import event_data, parse_message

WITHDRAWN = message("CourseRunWithdrawn")


def test_a_run_is_announced_on_its_own_stream_with_its_defaults() -> None:
    given().when(run(kind=MISSING, code=MISSING, fee=MISSING)).then(
        "run-r-1", "CourseRunAnnounced", kind="amu", code=None, fee=None, seats=12)


def test_a_run_id_is_announced_once() -> None:
    given(run()).when(run(title="Another course")).then_rejects(Reason.INVALID_STATE, "'r-1' is already announced")


def test_a_withdrawn_run_id_is_not_announced_again() -> None:
    given(run(), WITHDRAWN).when(run()).then_rejects(Reason.INVALID_STATE, "'r-1'")


def test_withdrawing_an_unknown_run_is_rejected() -> None:
    given().when(WITHDRAWN).then_rejects(Reason.UNKNOWN_RUN, "'r-1'")


def test_a_run_is_withdrawn_once() -> None:
    given(run(), WITHDRAWN).when(message("CourseRunWithdrawn")).then_rejects(
        Reason.INVALID_STATE, "'r-1' is already withdrawn")


def test_a_run_is_withdrawn() -> None:
    given(run()).when(WITHDRAWN).then("run-r-1", "CourseRunWithdrawn", withdrawn_on="2026-03-20")


def test_a_booking_may_name_an_announced_run() -> None:
    spec = given(employee("e-1"), run())
    spec.when(booking(run_id="r-1")).then("booking-b-1", "CourseBooked", run_id="r-1")


def test_a_booking_without_a_run_has_a_null_run_id() -> None:
    given(employee("e-1")).when(booking()).then("booking-b-1", "CourseBooked", run_id=None)


def test_a_booking_naming_an_unknown_run_is_rejected() -> None:
    given(employee("e-1")).when(booking(run_id="r-9")).then_rejects(Reason.UNKNOWN_RUN, "'r-9'")


def test_a_booking_may_name_a_withdrawn_run() -> None:
    """A booking made before the withdrawal may arrive after it; the run still exists."""
    spec = given(employee("e-1"), run(), WITHDRAWN)
    spec.when(booking(run_id="r-1")).then("booking-b-1", "CourseBooked", run_id="r-1")


def test_an_unknown_run_is_reported_before_a_reused_booking_id() -> None:
    spec = given(employee("e-1"), booking())
    spec.when(booking(run_id="r-9")).then_rejects(Reason.UNKNOWN_RUN)


def test_an_unknown_run_is_reported_before_the_employee_having_left() -> None:
    spec = given(employee("e-1"), message("EmployeeLeft"))
    spec.when(booking(run_id="r-9")).then_rejects(Reason.UNKNOWN_RUN)


def test_an_unknown_agreement_is_reported_before_an_unknown_run() -> None:
    given(employee("e-1")).when(booking(agreement_id="a-9", run_id="r-9")).then_rejects(Reason.UNKNOWN_AGREEMENT)


def test_the_data_is_judged_before_the_run_reference() -> None:
    given(employee("e-1")).when(booking(run_id="r-9", booked_on="2026-02-30")).then_rejects(
        Reason.INVALID_DATA, "data.booked_on")


def test_a_booking_references_its_run_stream() -> None:
    from domain.decider import referenced_streams

    msg = parse_message(booking(agreement_id="a-1", run_id="r-1", buddies=["e-2"]))
    assert referenced_streams(msg) == ["employee-e-1", "agreement-a-1", "run-r-1", "employee-e-2"]


def test_planning_rules_land_on_the_company_stream_with_missing_shares_defaulted() -> None:
    event = given().when(message("PlanningRulesSet", away_share={"busy": 0.1})).then(
        "company", "PlanningRulesSet", effective_from="2026-01-01")
    assert event.data["away_share"] == {"low": 0.25, "normal": 0.15, "busy": 0.1}


def test_planning_rules_may_be_set_again_for_the_same_date() -> None:
    spec = given(message("PlanningRulesSet"))
    spec.when(message("PlanningRulesSet")).then("company", "PlanningRulesSet")


@pytest.mark.parametrize(("changes", "detail"), [
    ({"ends_on": "2026-04-05"}, "data.ends_on must not be before data.starts_on"),
    ({"seats": 0}, "data.seats must be at least 1"),
    ({"seats": 2.5}, "data.seats must be an integer"),
    ({"seats": True}, "data.seats must be an integer"),
    ({"hours": 0}, "data.hours must be greater than 0"),
    ({"fee": -1}, "data.fee must be at least 0"),
    ({"kind": "online"}, "data.kind must be"),
    ({"title": " "}, "data.title must not be empty"),
    ({"run_id": MISSING}, "data.run_id is required"),
    ({"starts_on": "2026-04-31"}, "data.starts_on must be a real calendar date"),
])
def test_a_bad_run_announcement_is_invalid_data(changes: dict[str, object], detail: str) -> None:
    given().when(run(**changes)).then_rejects(Reason.INVALID_DATA, detail)


@pytest.mark.parametrize(("share", "detail"), [
    ({"low": 1.5}, "data.away_share.low must be at most 1"),
    ({"busy": -0.1}, "data.away_share.busy must be at least 0"),
    ({"normal": "0.2"}, "data.away_share.normal must be a number"),
    ("0.2", "data.away_share must be an object"),
])
def test_a_share_outside_0_to_1_is_invalid_data(share: object, detail: str) -> None:
    given().when(message("PlanningRulesSet", away_share=share)).then_rejects(Reason.INVALID_DATA, detail)


def test_planning_rules_need_their_date_and_shares() -> None:
    given().when(message("PlanningRulesSet", away_share=MISSING)).then_rejects(
        Reason.INVALID_DATA, "data.away_share is required")
    given().when(message("PlanningRulesSet", effective_from=MISSING)).then_rejects(
        Reason.INVALID_DATA, "data.effective_from is required")


def test_a_run_keeps_the_senders_numbers() -> None:
    data = event_data(parse_message(run(hours=7.5, fee=1250)))
    assert (data["hours"], data["fee"], data["seats"]) == (7.5, 1250, 12)


def test_evolve_folds_a_run_to_withdrawn_without_judging() -> None:
    from domain.decider import RunState, evolve, initial_state

    state = initial_state("run-r-1")
    for event_type, data in (("CourseRunAnnounced", {"run_id": "r-1"}), ("CourseRunWithdrawn", {"run_id": "r-1"}),
                             ("CourseRunWithdrawn", {"run_id": "r-1"})):
        state = evolve(state, event_type, data)
    assert state == RunState(run_id="r-1", withdrawn=True)
    assert evolve(None, "CourseRunWithdrawn", {"run_id": "r-1"}) is None
