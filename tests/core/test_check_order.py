"""The contract's check order (size, envelope, forbidden, type, data, references, state), given/when/then
over the pure checks: the first rule a message breaks is the one reported, and only what is stored is judged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.errors import Reason, Rejected
from domain.rules import MAX_MESSAGE_BYTES
from services.core.checks import Prepared, TenantPolicy, judge, prepare

NUL = "A\u0000B"
LONE_SURROGATE = "\ud800"


def valid(type_: str = "DepartmentRegistered", **data: Any) -> dict[str, Any]:
    return {"message_id": "m-1", "tenant": "acme", "type": type_, "occurred_at": "2026-03-10T08:00:00Z",
            "actor": "hr", "data": data or {"department": "rd", "name": "R&D"}}


class Checked:
    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared

    def then_rejects(self, reason: Reason, mentioning: str = "") -> Checked:
        rejection = self.prepared.rejection
        assert rejection is not None, f"passed: {self.prepared.message!r}"
        assert rejection.reason is reason, repr(rejection)
        assert mentioning in rejection.detail, repr(rejection)
        assert "\x00" not in rejection.detail
        return self

    def then_passes(self, *streams: str) -> Checked:
        assert self.prepared.rejection is None, repr(self.prepared.rejection)
        assert self.prepared.streams == streams
        return self

    def keeping(self, tenant: str | None, message_id: str | None, type_: str | None) -> Checked:
        assert (self.prepared.tenant, self.prepared.message_id, self.prepared.type) == (tenant, message_id, type_)
        return self


def when(message: Any, may_write: TenantPolicy | None = None, *, as_bytes: bool = True) -> Checked:
    """As a door receives it: JSON bytes (NUL and lone surrogates as \\u escapes), or an already decoded value."""
    return Checked(prepare(json.dumps(message).encode() if as_bytes else message, may_write))


def only(tenant: str) -> TenantPolicy:
    return lambda wanted: wanted == tenant


def test_size_comes_before_everything_and_reads_nothing() -> None:
    message = valid(department="rd", name="x" * MAX_MESSAGE_BYTES)
    message.pop("tenant")
    when(message).then_rejects(Reason.TOO_LARGE, str(MAX_MESSAGE_BYTES)).keeping(None, None, None)
    when(message, as_bytes=False).then_rejects(Reason.TOO_LARGE).keeping(None, None, None)


def test_text_that_is_not_json_is_an_invalid_envelope() -> None:
    Checked(prepare(b'{"message_id": ')).then_rejects(Reason.INVALID_ENVELOPE, "JSON").keeping(None, None, None)


def test_the_envelope_comes_before_unstorable_text_in_the_data() -> None:
    message = valid(department="rd", name=NUL)
    message.pop("tenant")
    when(message).then_rejects(Reason.INVALID_ENVELOPE, "tenant").keeping(None, "m-1", "DepartmentRegistered")


def test_the_envelope_comes_before_forbidden() -> None:
    message = {**valid(), "occurred_at": "yesterday", "tenant": "other"}
    when(message, only("acme")).then_rejects(Reason.INVALID_ENVELOPE, "occurred_at")


def test_forbidden_comes_before_the_type_and_claims_no_message_id() -> None:
    checked = when({**valid("CoffeeBrewed"), "tenant": "other"}, only("acme"))
    checked.then_rejects(Reason.FORBIDDEN, "'other'").keeping("other", "m-1", "CoffeeBrewed")
    assert checked.prepared.key is None
    when(valid(), only("acme")).then_passes("company")


def test_the_type_comes_before_unstorable_text_in_the_data() -> None:
    when(valid("CoffeeBrewed", cups=NUL)).then_rejects(Reason.UNKNOWN_TYPE, "CoffeeBrewed").keeping(
        "acme", "m-1", "CoffeeBrewed")


def test_the_type_comes_before_the_data() -> None:
    when(valid("CoffeeBrewed", hours=True)).then_rejects(Reason.UNKNOWN_TYPE)


def test_unstorable_text_in_a_stored_data_field_is_invalid_data_naming_it() -> None:
    when(valid(department="rd", name=NUL)).then_rejects(Reason.INVALID_DATA, "data.name")
    booking = valid("CourseBooked", booking_id="b-1", employee_id="e-1", booked_on="2026-03-10",
                    course={"title": LONE_SURROGATE, "kind": "amu", "hours": 7}, starts_on="2026-04-06",
                    ends_on="2026-04-10")
    when(booking).then_rejects(Reason.INVALID_DATA, "data.course.title").keeping("acme", "m-1", "CourseBooked")


def test_unstorable_text_in_a_stored_envelope_field_is_an_invalid_envelope() -> None:
    when({**valid(), "actor": NUL}).then_rejects(Reason.INVALID_ENVELOPE, "actor")
    when({**valid(), "message_id": NUL}).then_rejects(Reason.INVALID_ENVELOPE, "message_id").keeping(
        "acme", None, "DepartmentRegistered")
    when({**valid(), "type": NUL}).then_rejects(Reason.INVALID_ENVELOPE, "type").keeping("acme", "m-1", None)


def test_what_is_not_stored_is_not_judged() -> None:
    message = {**valid(department="rd", name="R&D", remark=NUL, deep=[[[LONE_SURROGATE]]]), "comment": NUL}
    when(message).then_passes("company")
    when(message, as_bytes=False).then_passes("company")


def test_a_rejection_keeps_the_type_whenever_it_is_a_string() -> None:
    when(valid(department="rd")).then_rejects(Reason.INVALID_DATA, "data.name").keeping(
        "acme", "m-1", "DepartmentRegistered")
    when({**valid(), "data": []}).then_rejects(Reason.INVALID_ENVELOPE, "data").keeping(
        "acme", "m-1", "DepartmentRegistered")
    when({**valid(), "type": 42}).then_rejects(Reason.INVALID_ENVELOPE, "type").keeping("acme", "m-1", None)


def test_a_detail_that_echoes_unstorable_text_is_escaped() -> None:
    months = {str(m): "low" for m in range(1, 13)} | {NUL: "low"}
    wheel = valid("AnnualWheelDefined", effective_from="2026-01-01", department=None, kind="fixed", months=months)
    when(wheel).then_rejects(Reason.INVALID_DATA, "\\u0000")


def test_a_message_that_passes_names_its_target_stream_then_the_streams_it_reads() -> None:
    booking = valid("CourseBooked", booking_id="b-1", employee_id="e-1", booked_on="2026-03-10",
                    course={"title": "Welding", "kind": "amu", "hours": 7}, starts_on="2026-04-06",
                    ends_on="2026-04-10", agreement_id="a-1", buddies=["e-2"])
    when(booking).then_passes("booking-b-1", "employee-e-1", "agreement-a-1", "employee-e-2")


def test_references_are_judged_before_state() -> None:
    from domain.decider import evolve

    left = evolve(evolve(None, "EmployeeRegistered", {"employee_id": "e-1", "department": "rd"}),
                  "EmployeeLeft", {"employee_id": "e-1", "left_on": "2026-01-01"})
    booking = prepare(valid("CourseBooked", booking_id="b-1", employee_id="e-1", booked_on="2026-03-10",
                            course={"title": "Welding", "kind": "amu", "hours": 7}, starts_on="2026-04-06",
                            ends_on="2026-04-10", agreement_id="a-9"))
    assert booking.message is not None
    states = {"booking-b-1": None, "employee-e-1": left, "agreement-a-9": None}
    with pytest.raises(Rejected) as refused:
        judge(booking.message, states)
    assert refused.value.reason is Reason.UNKNOWN_AGREEMENT


def test_unstorable_text_is_found_in_json_written_in_utf_16() -> None:
    text = json.dumps(valid(department="rd", name=NUL))
    Checked(prepare(text.encode("utf-16"))).then_rejects(Reason.INVALID_DATA, "data.name")
    Checked(prepare(json.dumps(valid()).encode("utf-16-le"))).then_passes("company")
