"""Batch planning, given/when/then: what this process believes of the streams and what the log told it
(given), a batch (when), the outcomes, writes and beliefs the append will check (then)."""

from __future__ import annotations

import json
from dataclasses import replace
from itertools import count
from typing import Any

from domain.aggregates.booking import fit_for_plan
from domain.decider import evolve
from infra.append_data import Attempt, EventRef, LoggedEvent, LogNews, StoredOutcome, StreamLocks
from services.core.batch_plan import Accepted, BatchPlan, Refused, Repeated, plan_batch
from services.core.checks import prepare
from services.core.intake import _locks
from services.core.stream_cache import StreamState

TENANT = "acme"
_ids = count(1)


def message(type_: str, message_id: str | None = None, tenant: str = TENANT, **data: Any) -> dict[str, Any]:
    return {"message_id": message_id or f"m-{next(_ids)}", "tenant": tenant, "type": type_,
            "occurred_at": "2026-03-10T08:00:00Z", "data": data}


def registered(employee_id: str) -> dict[str, Any]:
    return message("EmployeeRegistered", employee_id=employee_id, name="Anna", department="rd",
                   job_family="skilled", hired_on="2020-01-01")


def booked(booking_id: str, employee_id: str, **more: Any) -> dict[str, Any]:
    return message("CourseBooked", booking_id=booking_id, employee_id=employee_id, booked_on="2026-03-10",
                   course={"title": "Welding", "kind": "amu", "hours": 7}, starts_on="2026-04-06",
                   ends_on="2026-04-10", **more)


EMPLOYEE_DATA = {"employee_id": "e-1", "department": "rd", "hired_on": "2020-01-01", "job_family": "skilled"}


class Given:
    def __init__(self) -> None:
        self.beliefs: dict[tuple[str, str], StreamState | None] = {}
        self.news = LogNews()

    def cached(self, stream: str, version: int, *events: tuple[str, dict[str, Any]]) -> Given:
        state = None
        for event_type, data in events:
            state = evolve(state, event_type, data)
        self.beliefs[(TENANT, stream)] = StreamState(version, state)
        return self

    def log_has(self, stream: str, version: int, event_type: str, data: dict[str, Any]) -> Given:
        self.news.newer.setdefault((TENANT, stream), []).append(LoggedEvent(version, event_type, data))
        return self

    def log_saw(self, message_id: str, first: StoredOutcome) -> Given:
        self.news.seen[(TENANT, message_id)] = first
        return self

    def when(self, *messages: Any) -> Then:
        batch = [prepare(m) for m in messages]
        return Then(plan_batch(batch, self.beliefs, self.news), batch)


class Then:
    def __init__(self, plan: BatchPlan, batch: list[Any]) -> None:
        self.plan = plan
        self.batch = batch

    def results(self, *kinds: type) -> Then:
        assert [type(r) for r in self.plan.results] == list(kinds), self.plan.results
        return self

    def reasons(self, *reasons: str | None) -> Then:
        got = [r.outcome["reason"] if isinstance(r, Refused) else None for r in self.plan.results]
        assert got == list(reasons), got
        return self

    def appends(self, *events: tuple[str, int, str]) -> Then:
        assert [(e.stream, e.version, e.type) for e in self.plan.events] == list(events)
        return self

    def checks_versions(self, **streams: int) -> Then:
        expected = {stream.replace("_", "-"): version for stream, version in streams.items()}
        assert {s: v for t, s, v in self.plan.expected} == expected, self.plan.expected
        return self


def given() -> Given:
    return Given()


def test_each_message_is_decided_against_the_earlier_ones_of_the_batch() -> None:
    then = given().when(registered("e-1"), booked("b-1", "e-1"), booked("b-1", "e-1"))
    then.results(Accepted, Accepted, Refused).reasons(None, None, "invalid_state")
    then.appends(("employee-e-1", 1, "EmployeeRegistered"), ("booking-b-1", 1, "CourseBooked"))
    then.checks_versions(employee_e_1=0, booking_b_1=0)
    assert then.plan.states[(TENANT, "booking-b-1")].version == 1


def test_a_cached_stream_is_decided_from_its_cached_state_and_checked_at_its_version() -> None:
    then = given().cached("employee-e-1", 3, ("EmployeeRegistered", EMPLOYEE_DATA)).when(booked("b-1", "e-1"))
    then.results(Accepted).appends(("booking-b-1", 1, "CourseBooked")).checks_versions(employee_e_1=3, booking_b_1=0)


def test_what_the_log_told_beyond_the_cache_is_decided_against() -> None:
    spec = given().cached("employee-e-1", 1, ("EmployeeRegistered", EMPLOYEE_DATA))
    spec.log_has("employee-e-1", 2, "EmployeeLeft", {"employee_id": "e-1", "left_on": "2026-03-01"})
    then = spec.when(booked("b-1", "e-1"))
    then.results(Refused).reasons("invalid_state").appends().checks_versions(employee_e_1=2, booking_b_1=0)


def test_a_message_id_the_log_has_seen_is_a_duplicate_of_its_first_outcome() -> None:
    first = StoredOutcome(TENANT, "seen-1", "rejected", "unknown_booking", "no such booking", None,
                          message_type="ManagerCheckInHeld")
    then = given().log_saw("seen-1", first).when(registered("e-1") | {"message_id": "seen-1"})
    then.results(Repeated).appends()
    assert then.plan.duplicates == [(TENANT, "seen-1")]
    assert then.plan.unseen == []
    [outcome] = then.plan.outcomes_json(then.batch, {})
    assert outcome["first"] == {"status": "rejected", "tenant": TENANT, "message_id": "seen-1",
                                "reason": "unknown_booking", "detail": "no such booking", "type": "ManagerCheckInHeld"}


def test_a_message_id_repeated_in_the_batch_is_a_duplicate_of_the_first() -> None:
    first = registered("e-1") | {"message_id": "twice"}
    then = given().when(first, booked("b-1", "e-1") | {"message_id": "twice"})
    then.results(Accepted, Repeated).appends(("employee-e-1", 1, "EmployeeRegistered"))
    assert then.plan.unseen == [(TENANT, "twice")]
    refs = {(TENANT, "twice"): [EventRef("employee-e-1", 1, 17)]}
    accepted, duplicate = then.plan.outcomes_json(then.batch, refs)
    assert accepted["events"] == [{"stream": "employee-e-1", "version": 1, "position": 17}]
    assert duplicate == {"status": "duplicate", "tenant": TENANT, "message_id": "twice", "first": accepted}


def test_a_rejection_is_stored_with_its_type_and_raw_message() -> None:
    then = given().when(booked("b-1", "e-9"))
    then.results(Refused).reasons("unknown_employee")
    [stored] = then.plan.outcomes
    assert (stored.status, stored.reason, stored.message_type) == ("rejected", "unknown_employee", "CourseBooked")
    assert stored.raw == then.batch[0].raw and stored.raw_size == len(stored.raw)
    assert then.plan.outcomes_json(then.batch, {})[0]["type"] == "CourseBooked"


def test_a_forbidden_message_is_stored_without_the_ids_it_claims() -> None:
    batch = [prepare(registered("e-1"), may_write=lambda tenant: tenant == "other")]
    plan = plan_batch(batch, {}, LogNews())
    [stored] = plan.outcomes
    assert (stored.tenant, stored.message_id, stored.reason) == (None, None, "forbidden")
    [outcome] = plan.outcomes_json(batch, {})
    assert (outcome["tenant"], outcome["message_id"]) == (TENANT, batch[0].message_id)
    assert plan.unseen == []


AGREEMENT_DATA = {"agreement_id": "a-1", "employee_id": "e-1", "title": "Welding", "agreed_on": "2026-01-10"}


def planned(booking_id: str, agreement_id: str = "a-1") -> Any:
    """A plan's booking of the agreement, as the planning assistant sends it: its guard reads the agreement's
    other live bookings."""
    return replace(prepare(booked(booking_id, "e-1", agreement_id=agreement_id)), guard=fit_for_plan,
                   agreement_links=True)


def with_agreement() -> Given:
    return (given().cached("employee-e-1", 1, ("EmployeeRegistered", EMPLOYEE_DATA))
            .cached("agreement-a-1", 1, ("EducationAgreed", AGREEMENT_DATA)))


def when_prepared(spec: Given, *batch: Any) -> Then:
    return Then(plan_batch(list(batch), spec.beliefs, spec.news), list(batch))


def detail(then: Then, index: int) -> str:
    result = then.plan.results[index]
    assert isinstance(result, Refused), result
    return str(result.outcome["detail"])


def test_a_plan_booking_is_refused_when_the_log_tells_of_a_live_booking_of_its_agreement() -> None:
    spec = with_agreement()
    spec.news.linked[(TENANT, "a-1")] = {"by-hand"}
    then = when_prepared(spec, planned("plan-p-a-1"))
    then.results(Refused).reasons("invalid_state").appends()
    assert detail(then, 0) == "agreement 'a-1' was booked ('by-hand') after the plan was checked"
    assert then.plan.linked == []  # nothing accepted reads the agreement's bookings: nothing to check


def test_a_plan_booking_is_refused_after_a_booking_of_its_agreement_earlier_in_the_same_batch() -> None:
    spec = with_agreement()
    spec.news.linked[(TENANT, "a-1")] = {"by-hand"}
    then = when_prepared(spec, prepare(booked("b-2", "e-1", agreement_id="a-1")), planned("plan-p-a-1"),
                         prepare(booked("b-3", "e-1", agreement_id="a-1")))
    # the one before is refused naming both bookings; a later booking is no business of the plan's rule
    then.results(Accepted, Refused, Accepted).reasons(None, "invalid_state", None)
    assert detail(then, 1) == "agreement 'a-1' was booked ('by-hand', 'b-2') after the plan was checked"


def test_of_two_plans_booking_one_agreement_in_a_batch_the_first_gets_it() -> None:
    then = when_prepared(with_agreement(), planned("plan-p-a-1"), planned("plan-q-a-1"))
    then.results(Accepted, Refused).reasons(None, "invalid_state")
    assert detail(then, 1) == "agreement 'a-1' was booked ('plan-p-a-1') after the plan was checked"
    assert then.plan.linked == [(TENANT, "a-1", ["plan-p-a-1"])]


def test_a_cancelled_booking_of_the_agreement_does_not_refuse_the_plan_booking() -> None:
    spec = with_agreement()
    spec.news.linked[(TENANT, "a-1")] = {"by-hand"}
    # the cache did not hold by-hand's stream: the log tells of its events as it tells of the linked booking
    spec.log_has("booking-by-hand", 1, "CourseBooked", {"booking_id": "by-hand", "employee_id": "e-1",
                                                         "agreement_id": "a-1", "course": {"hours": 7}})
    then = when_prepared(
        spec,
        prepare(message("CourseCancelled", booking_id="by-hand", cancelled_on="2026-03-10", reason="ill")),
        prepare(booked("b-2", "e-1", agreement_id="a-1")),
        prepare(message("CourseCancelled", booking_id="b-2", cancelled_on="2026-03-10", reason="moved")),
        planned("plan-p-a-1"))
    then.results(Accepted, Accepted, Accepted, Accepted)
    # the append checks that the log has no live booking of a-1 but the ones the batch was decided against
    assert then.plan.linked == [(TENANT, "a-1", ["by-hand", "plan-p-a-1"])]


def test_the_same_booking_without_the_plan_rule_reads_no_linked_bookings() -> None:
    spec = with_agreement()
    spec.news.linked[(TENANT, "a-1")] = {"by-hand"}
    then = when_prepared(spec, prepare(booked("b-2", "e-1", agreement_id="a-1")),
                         replace(prepare(booked("b-3", "e-1", agreement_id="a-1")), guard=fit_for_plan))
    then.results(Accepted, Accepted)
    assert then.plan.linked == []


def test_a_plan_booking_locks_its_agreement_exclusively_other_bookings_share_it() -> None:
    by_hand, plan = prepare(booked("b-2", "e-1", agreement_id="a-1")), planned("plan-p-a-1")
    assert _locks([by_hand]) == StreamLocks.of(writes=[(TENANT, "booking-b-2")],
                                               reads=[(TENANT, "employee-e-1"), (TENANT, "agreement-a-1")])
    assert _locks([by_hand, plan]) == StreamLocks.of(
        writes=[(TENANT, "booking-b-2"), (TENANT, "booking-plan-p-a-1"), (TENANT, "agreement-a-1")],
        reads=[(TENANT, "employee-e-1")])


def test_the_log_tells_of_linked_bookings_and_an_ordinary_append_checks_none() -> None:
    news = LogNews()
    row = {"r_kind": "linked", "r_tenant": TENANT, "r_name": "a-1", "r_stream": "booking-by-hand", "r_version": 1,
           "r_type": "CourseBooked", "r_data": '{"booking_id": "by-hand", "agreement_id": "a-1"}'}
    news.learn([row])  # type: ignore[list-item]
    assert news.linked == {(TENANT, "a-1"): {"by-hand"}}
    assert news.newer == {} and news.subject_keys == {}

    ordinary = Attempt(events=[], outcomes=[], duplicates=[], unseen=[], expected=[], new_subject_keys={})
    assert "linked" not in json.loads(ordinary.statement_args(StreamLocks.of([], []), "api")[3])
    linking = replace(ordinary, linked=[(TENANT, "a-1", ["plan-p-a-1"])])
    assert json.loads(linking.statement_args(StreamLocks.of([], []), "api")[3])["linked"] == [
        [TENANT, "a-1", ["plan-p-a-1"]]]
