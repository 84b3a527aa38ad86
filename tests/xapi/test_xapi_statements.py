"""Booking events → xAPI statements, pure: one statement per verb, ids, durations, the vocabulary."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xapi_rules import is_duration, problems
from xapi_samples import HOMEPAGE, TENANT, booked, cancelled, completed, event, shared

from services.core.xapi import InvalidHomepage, LearningRecords, Namespace
from services.core.xapi.statements import MissingBooking
from services.core.xapi.vocabulary import STATEMENT_NAMESPACE, duration, registration_id, statement_id

ADL = "http://adlnet.gov/expapi/verbs/"


def records() -> LearningRecords:
    return LearningRecords(TENANT, Namespace.of(HOMEPAGE))


def fold(*events: dict) -> list[dict]:
    fold = records()
    return [statement for e in events for statement in fold.statements(e)]


def test_a_booking_is_registered_by_its_employee_on_the_course_activity() -> None:
    [statement] = fold(booked())
    assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": HOMEPAGE, "name": "e-1"}}
    assert statement["verb"] == {"id": ADL + "registered", "display": {"en-US": "registered",
                                                                         "da": "tilmeldte sig"}}
    assert statement["object"] == {
        "objectType": "Activity", "id": f"{HOMEPAGE}/xapi/acme/courses/40116",
        "definition": {"name": {"und": "Førstehjælp på arbejdspladsen"},
                       "type": "http://adlnet.gov/expapi/activities/course",
                       "extensions": {f"{HOMEPAGE}/xapi/extensions/course-kind": "amu"}}}
    assert statement["context"] == {
        "registration": registration_id(TENANT, "booking-b-1"),
        "extensions": {f"{HOMEPAGE}/xapi/extensions/tenant": TENANT,
                       f"{HOMEPAGE}/xapi/extensions/booking-id": "b-1",
                       f"{HOMEPAGE}/xapi/extensions/agreement-id": "a-1"}}
    assert statement["timestamp"] == "2026-03-10T00:00:00Z"
    assert statement["version"] == "1.0.0"
    assert "result" not in statement and "stored" not in statement and "authority" not in statement
    assert problems(statement) == []


def test_a_course_without_a_code_is_an_activity_of_its_booking() -> None:
    [statement] = fold(booked("b 7/x", code=None, agreement_id=None))
    assert statement["object"]["id"] == f"{HOMEPAGE}/xapi/acme/bookings/b%207%2Fx"
    assert f"{HOMEPAGE}/xapi/extensions/agreement-id" not in statement["context"]["extensions"]
    assert problems(statement) == []


def test_a_passed_completion_is_completed_then_passed_with_the_hours_as_duration() -> None:
    _, done, verdict = fold(booked(), completed(passed=True, hours=7.4))
    assert done["verb"]["id"] == ADL + "completed"
    assert done["result"] == {"completion": True, "duration": "PT7H24M"}
    assert verdict["verb"] == {"id": ADL + "passed", "display": {"en-US": "passed", "da": "bestod"}}
    assert verdict["result"] == {"success": True, "completion": True, "duration": "PT7H24M"}
    assert done["object"] == verdict["object"] and done["context"] == verdict["context"]
    assert done["timestamp"] == verdict["timestamp"] == "2026-04-06T00:00:00Z"
    assert done["id"] != verdict["id"]
    assert problems(done) == [] and problems(verdict) == []


def test_a_failed_completion_is_completed_then_failed() -> None:
    _, done, verdict = fold(booked(), completed(passed=False, hours=3))
    assert done["result"] == {"completion": True, "duration": "PT3H"}
    assert verdict["verb"]["id"] == ADL + "failed"
    assert verdict["result"]["success"] is False
    assert problems(verdict) == []


def test_a_completion_whose_event_has_no_passed_is_only_completed() -> None:
    statements = fold(booked(), completed(passed=None, hours=None))
    assert [s["verb"]["id"] for s in statements] == [ADL + "registered", ADL + "completed"]
    assert statements[1]["result"] == {"completion": True}


def test_knowledge_shared_carries_format_and_audience_in_context() -> None:
    statement = fold(booked(), completed(), shared())[-1]
    assert statement["verb"]["id"] == ADL + "shared"
    extensions = statement["context"]["extensions"]
    assert extensions[f"{HOMEPAGE}/xapi/extensions/knowledge-format"] == "board_meeting"
    assert extensions[f"{HOMEPAGE}/xapi/extensions/audience"] == 12
    assert "result" not in statement
    assert problems(statement) == []
    without = fold(booked(), completed(), shared(audience=None))[-1]
    assert f"{HOMEPAGE}/xapi/extensions/audience" not in without["context"]["extensions"]


def test_a_cancellation_voids_the_registration_statement() -> None:
    registered, voiding = fold(booked(), cancelled())
    assert voiding["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": registered["id"]}
    assert voiding["actor"] == registered["actor"]
    assert voiding["context"]["registration"] == registered["context"]["registration"]
    assert voiding["timestamp"] == "2026-03-20T00:00:00Z"
    assert "v1:opaque" not in json.dumps(voiding)  # the (encrypted) reason is never exported
    assert problems(voiding) == []


def test_statement_ids_are_uuid5_of_tenant_stream_version_and_verb_as_documented() -> None:
    assert STATEMENT_NAMESPACE == uuid.uuid5(uuid.NAMESPACE_URL, "urn:eduplan:xapi:statements")
    registered, done, verdict = fold(booked(), completed(version=5))
    name = '["acme","booking-b-1",5,"http://adlnet.gov/expapi/verbs/completed"]'
    assert done["id"] == str(uuid.uuid5(STATEMENT_NAMESPACE, name))
    assert registered["id"] == statement_id(TENANT, "booking-b-1", 1, _verb("registered"))
    assert uuid.UUID(verdict["id"]).version == 5
    assert registered["context"]["registration"] == str(uuid.uuid5(STATEMENT_NAMESPACE, '["acme","booking-b-1"]'))
    assert fold(booked(), completed(version=5)) == [registered, done, verdict]  # the same every time


def _verb(word: str):
    from services.core.xapi.vocabulary import VERBS

    return next(v for v in VERBS if v.word == word)


def test_statements_of_other_tenants_streams_and_versions_get_other_ids() -> None:
    ids = {statement_id(t, s, v, _verb(w)) for t in ("acme", "acme-2") for s in ("booking-1", "booking-2")
           for v in (1, 2) for w in ("completed", "passed")}
    assert len(ids) == 16
    # the JSON array keeps fields apart where a joined string would not
    assert statement_id("a", "b-c", 1, _verb("shared")) != statement_id("a-b", "c", 1, _verb("shared"))


def test_since_leaves_out_earlier_statements_but_still_knows_their_bookings() -> None:
    fold = records()
    assert fold.statements(booked(booked_on="2026-03-10"), since="2026-04-01") == []
    later = fold.statements(completed(on="2026-04-06"), since="2026-04-06")
    assert [s["actor"]["account"]["name"] for s in later] == ["e-1", "e-1"]
    assert fold.statements(shared(), since="2026-04-14") == []


def test_other_event_types_say_nothing() -> None:
    fold = records()
    fold.statements(booked())
    assert fold.statements(event("ManagerCheckInHeld", "b-1", 2, held_on="2026-04-06")) == []
    assert fold.statements({"type": "EmployeeRegistered", "stream": "employee-e-1", "version": 1,
                            "data": {"employee_id": "e-1", "name": {"enc": "x"}}}) == []


def test_a_booking_event_without_its_booking_is_an_error_naming_the_stream() -> None:
    with pytest.raises(MissingBooking, match="booking-b-9"):
        records().statements(completed("b-9"))


@pytest.mark.parametrize("homepage", ["ftp://hr.example", "hr.example", "https://", "https://hr.example/?x=1",
                                      "https://hr.example/#top", ""])
def test_a_home_page_must_be_an_absolute_http_address(homepage: str) -> None:
    with pytest.raises(InvalidHomepage, match="EDUPLAN_XAPI_HOMEPAGE"):
        Namespace.of(homepage)


@pytest.mark.parametrize(("hours", "expected"), [
    (7.4, "PT7H24M"), (37, "PT37H"), (0, "PT0S"), (0.5, "PT30M"), (22.2, "PT22H12M"), (74.0, "PT74H"),
    (1 / 3, "PT20M"), (0.0001, "PT0.36S"), (1.00001, "PT1H0.04S"), (0.25, "PT15M"), (2.5001, "PT2H30M0.36S"),
])
def test_hours_become_an_iso_8601_duration(hours: float, expected: str) -> None:
    assert duration(hours) == expected


@given(st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False))
def test_every_duration_is_valid_and_means_the_hours_to_the_hundredth_of_a_second(hours: Decimal) -> None:
    text = duration(float(hours))
    assert is_duration(text), text
    assert abs(_seconds(text) - float(hours) * 3600) <= 0.005


def _seconds(text: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", text)
    assert match, text
    h, m, s = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(st.lists(st.one_of(_TEXT, st.integers(min_value=1, max_value=2**31)), max_size=4))
def test_the_id_name_encoding_is_pythons_compact_json_and_the_id_its_uuid5(value: list) -> None:
    from services.core.xapi.vocabulary import _uuid5, compact_json

    documented = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert compact_json(value) == documented.encode("utf-8")
    assert _uuid5(compact_json(value)) == str(uuid.uuid5(STATEMENT_NAMESPACE, documented))
