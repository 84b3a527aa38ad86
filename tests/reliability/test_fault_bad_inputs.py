"""A corpus of bad inputs through Intake.process: every contract rule with its reason code, hostile
encodings, and hypothesis-generated and fuzzed JSON and bytes. No input crashes the intake; every
message gets exactly one outcome with a valid status, and a rejection has a contract reason and a
non-empty detail."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from fault_support import REASONS, STATUSES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.app import App, app_for_url
from services.core.intake import prepare

TENANT = "corpus"
DOOR = "fault-test"

_counter = iter(range(1, 10**9))


def envelope(type_: str, data: Any, *, message_id: str | None = None, tenant: str = TENANT,
             occurred_at: Any = "2026-03-10T08:00:00Z", **extra: Any) -> dict[str, Any]:
    body = {"message_id": message_id or f"c-{next(_counter)}", "tenant": tenant, "type": type_,
            "occurred_at": occurred_at, "actor": "hr-system:corpus", "data": data}
    body.update(extra)
    return body


SEASONS = {str(m): ("busy" if m in (5, 6, 7) else "normal") for m in range(1, 13)}
COURSE = {"title": "AMU 40121 Refrigeration", "kind": "amu", "hours": 37}

VALID: dict[str, dict[str, Any]] = {
    "CompanyRegistered": {"name": "Acme A/S", "cvr": "12345678", "registered_on": "2026-01-01"},
    "EducationStrategyAdopted": {"adopted_on": "2026-01-01", "formality": "formal", "vision": "Everyone learns"},
    "DepartmentRegistered": {"department": "rd", "name": "R&D"},
    "EmployeeRegistered": {"employee_id": "e-new", "name": "Nina New", "department": "rd",
                           "job_family": "skilled", "hired_on": "2024-01-01"},
    "EmployeeMoved": {"employee_id": "e-1", "department": "ops", "moved_on": "2026-02-01"},
    "EmployeeLeft": {"employee_id": "e-1", "left_on": "2026-06-30"},
    "ManagerAssigned": {"employee_id": "e-1", "manager_id": "e-2"},
    "AmbassadorAppointed": {"employee_id": "e-1", "role": "shop_steward"},
    "AnnualWheelDefined": {"effective_from": "2026-01-01", "department": None, "kind": "seasonal",
                           "months": SEASONS},
    "CommitteeMeetingHeld": {"held_on": "2026-03-01", "management_reps": 2, "employee_reps": 2},
    "DevelopmentReviewHeld": {"employee_id": "e-1", "held_on": "2026-03-05", "education_item": True},
    "CompetenceAssessed": {"employee_id": "e-1", "competence": "refrigeration", "level": 2,
                           "assessed_on": "2026-03-05"},
    "CompetenceGapIdentified": {"gap_id": "g-new", "employee_id": "e-1", "competence": "welding",
                                "identified_on": "2026-03-05", "current_level": 1, "target_level": 3,
                                "source": "mus"},
    "CompetenceGapClosed": {"gap_id": "g-1", "closed_on": "2026-09-01"},
    "EducationAgreed": {"agreement_id": "a-new", "employee_id": "e-1", "title": "Welding",
                        "agreed_on": "2026-03-05"},
    "EducationAgreementWithdrawn": {"agreement_id": "a-1", "withdrawn_on": "2026-04-01", "reason": "new role"},
    "CourseBooked": {"booking_id": "b-new", "employee_id": "e-1", "booked_on": "2026-03-10", "course": COURSE,
                     "starts_on": "2026-04-06", "ends_on": "2026-04-10"},
    "BuddyPaired": {"booking_id": "b-1", "buddy_id": "e-2", "paired_on": "2026-03-12"},
    "SubstituteArranged": {"booking_id": "b-1", "substitute": "Tina Temp", "arranged_on": "2026-03-20"},
    "ManagerCheckInHeld": {"booking_id": "b-1", "held_on": "2026-04-08"},
    "CourseCompleted": {"booking_id": "b-1", "completed_on": "2026-04-10"},
    "CourseCancelled": {"booking_id": "b-1", "cancelled_on": "2026-04-01", "reason": "ill"},
    "KnowledgeShared": {"booking_id": "b-1", "shared_on": "2026-04-20", "format": "board_meeting"},
    "PracticeFollowUpHeld": {"booking_id": "b-done", "held_on": "2026-05-20", "applied": True},
}


def msg(type_: str, **changes: Any) -> dict[str, Any]:
    """A valid message of ``type_`` against the base company, with data fields changed (None drops)."""
    data = copy.deepcopy(VALID[type_])
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return envelope(type_, data)


def base_company() -> list[dict[str, Any]]:
    """e-1, e-2 active, e-left has left; gap g-1 open (of e-1), g-closed closed, g-2 of e-2; agreement
    a-1 (e-1), a-w withdrawn, a-2 (e-2); booking b-1 open, b-done completed, b-cancelled cancelled."""
    def employee(eid: str) -> dict[str, Any]:
        return envelope("EmployeeRegistered", {"employee_id": eid, "name": f"Person {eid}", "department": "rd",
                                               "job_family": "skilled", "hired_on": "2020-01-01"})

    def gap(gid: str, eid: str) -> dict[str, Any]:
        return envelope("CompetenceGapIdentified", {"gap_id": gid, "employee_id": eid, "competence": "cooling",
                                                    "identified_on": "2026-01-10", "current_level": 1,
                                                    "target_level": 3, "source": "mus"})

    def agreement(aid: str, eid: str) -> dict[str, Any]:
        return envelope("EducationAgreed", {"agreement_id": aid, "employee_id": eid, "title": "Cooling",
                                            "agreed_on": "2026-01-15"})

    def booking(bid: str) -> dict[str, Any]:
        return envelope("CourseBooked", {"booking_id": bid, "employee_id": "e-1", "booked_on": "2026-02-01",
                                         "course": COURSE, "starts_on": "2026-03-02", "ends_on": "2026-03-06"})

    return [
        envelope("DepartmentRegistered", {"department": "rd", "name": "R&D"}),
        employee("e-1"), employee("e-2"), employee("e-left"),
        envelope("EmployeeLeft", {"employee_id": "e-left", "left_on": "2026-01-31"}),
        gap("g-1", "e-1"), gap("g-closed", "e-1"), gap("g-2", "e-2"),
        envelope("CompetenceGapClosed", {"gap_id": "g-closed", "closed_on": "2026-02-01"}),
        agreement("a-1", "e-1"), agreement("a-w", "e-1"), agreement("a-2", "e-2"),
        envelope("EducationAgreementWithdrawn", {"agreement_id": "a-w", "withdrawn_on": "2026-02-01",
                                                 "reason": "changed plans"}),
        booking("b-1"), booking("b-done"), booking("b-cancelled"),
        envelope("CourseCompleted", {"booking_id": "b-done", "completed_on": "2026-03-06"}),
        envelope("CourseCancelled", {"booking_id": "b-cancelled", "cancelled_on": "2026-02-20", "reason": "ill"}),
    ]


def _big() -> bytes:
    body = envelope("DepartmentRegistered", {"department": "rd", "name": "x" * (65 * 1024)})
    return json.dumps(body).encode()


def _envelope_without(field: str) -> dict[str, Any]:
    body = msg("DepartmentRegistered")
    body.pop(field)
    return body


def _envelope_with(**fields: Any) -> dict[str, Any]:
    body = msg("DepartmentRegistered")
    body.update(fields)
    return body


MONTHS_11 = {k: v for k, v in SEASONS.items() if k != "12"}

# (label, raw message (dict or bytes), expected reason or "accepted")
RULES: list[tuple[str, Any, str]] = [
    # size, before anything is parsed
    ("over 64 KiB", _big(), "too_large"),
    ("over 64 KiB and not JSON", b"{" * (64 * 1024 + 1), "too_large"),
    # envelope
    ("not JSON", b"{this is not json", "invalid_envelope"),
    ("empty object", b"{}", "invalid_envelope"),
    ("JSON array", b"[1, 2, 3]", "invalid_envelope"),
    ("JSON string", b'"CourseBooked"', "invalid_envelope"),
    ("JSON null", b"null", "invalid_envelope"),
    ("not UTF-8", b'{"message_id": "\xff\xfe"}', "invalid_envelope"),
    ("message_id missing", _envelope_without("message_id"), "invalid_envelope"),
    ("message_id empty", _envelope_with(message_id=""), "invalid_envelope"),
    ("message_id over 200 chars", _envelope_with(message_id="m" * 201), "invalid_envelope"),
    ("message_id a number", _envelope_with(message_id=123), "invalid_envelope"),
    ("tenant missing", _envelope_without("tenant"), "invalid_envelope"),
    ("tenant upper case", _envelope_with(tenant="Corpus"), "invalid_envelope"),
    ("tenant starts with hyphen", _envelope_with(tenant="-corpus"), "invalid_envelope"),
    ("tenant 64 chars", _envelope_with(tenant="t" * 64), "invalid_envelope"),
    ("tenant with underscore", _envelope_with(tenant="cor_pus"), "invalid_envelope"),
    ("type missing", _envelope_without("type"), "invalid_envelope"),
    ("occurred_at missing", _envelope_without("occurred_at"), "invalid_envelope"),
    ("occurred_at without offset", _envelope_with(occurred_at="2026-03-10T08:00:00"), "invalid_envelope"),
    ("occurred_at a date only", _envelope_with(occurred_at="2026-03-10"), "invalid_envelope"),
    ("occurred_at impossible", _envelope_with(occurred_at="2026-02-30T08:00:00Z"), "invalid_envelope"),
    ("occurred_at a number", _envelope_with(occurred_at=1773129600), "invalid_envelope"),
    ("data missing", _envelope_without("data"), "invalid_envelope"),
    ("data a list", _envelope_with(data=[1]), "invalid_envelope"),
    ("actor a number", _envelope_with(actor=7), "invalid_envelope"),
    ("actor left out is fine", _envelope_without("actor"), "accepted"),
    # type
    ("misspelled type", _envelope_with(type="CourseBook"), "unknown_type"),
    ("lower-case type", _envelope_with(type="coursebooked"), "unknown_type"),
    ("empty type", _envelope_with(type=""), "unknown_type"),
    # data
    ("field missing", msg("EmployeeRegistered", name=None), "invalid_data"),
    ("wrong type: number as string", msg("CompetenceAssessed", level="3"), "invalid_data"),
    ("wrong type: bool as string", msg("DevelopmentReviewHeld", education_item="true"), "invalid_data"),
    ("wrong type: bool as int", msg("PracticeFollowUpHeld", applied=1), "invalid_data"),
    ("wrong type: count as float", msg("CommitteeMeetingHeld", management_reps=2.5), "invalid_data"),
    ("wrong type: course not an object", msg("CourseBooked", course="AMU"), "invalid_data"),
    ("unknown enum: job family", msg("EmployeeRegistered", job_family="boss"), "invalid_data"),
    ("unknown enum: formality", msg("EducationStrategyAdopted", formality="casual"), "invalid_data"),
    ("unknown enum: course kind", msg("CourseBooked", course={**COURSE, "kind": "online"}), "invalid_data"),
    ("unknown enum: sharing format", msg("KnowledgeShared", format="email"), "invalid_data"),
    ("unknown enum: gap source", msg("CompetenceGapIdentified", source="oracle"), "invalid_data"),
    ("unknown enum: ambassador role", msg("AmbassadorAppointed", role="king"), "invalid_data"),
    ("unknown enum: season", msg("AnnualWheelDefined", months={**SEASONS, "3": "crazy"}), "invalid_data"),
    ("CVR number of 7 digits", msg("CompanyRegistered", cvr="1234567"), "invalid_data"),
    ("CVR number as a JSON number", msg("CompanyRegistered", cvr=12345678), "invalid_data"),
    ("out of range: cycle month 13", msg("EducationStrategyAdopted", cycle_start_month=13), "invalid_data"),
    ("out of range: cycle month 0", msg("EducationStrategyAdopted", cycle_start_month=0), "invalid_data"),
    ("out of range: target 1.5", msg("EducationStrategyAdopted", completion_target=1.5), "invalid_data"),
    ("out of range: level 6", msg("CompetenceAssessed", level=6), "invalid_data"),
    ("out of range: current level 5", msg("CompetenceGapIdentified", current_level=5, target_level=5),
     "invalid_data"),
    ("out of range: hours 0", msg("CourseBooked", course={**COURSE, "hours": 0}), "invalid_data"),
    ("out of range: negative reps", msg("CommitteeMeetingHeld", employee_reps=-1), "invalid_data"),
    ("out of range: focus quarter 5",
     msg("AnnualWheelDefined", focus_areas=[{"quarter": 5, "title": "Safety"}]), "invalid_data"),
    ("impossible date", msg("CourseBooked", booked_on="2026-02-30"), "invalid_data"),
    ("date in another format", msg("EmployeeLeft", left_on="30/06/2026"), "invalid_data"),
    ("ends before it starts", msg("CourseBooked", ends_on="2026-04-05"), "invalid_data"),
    ("target not above current", msg("CompetenceGapIdentified", current_level=3, target_level=3), "invalid_data"),
    ("wheel without December", msg("AnnualWheelDefined", months=MONTHS_11), "invalid_data"),
    ("wheel with a 13th month", msg("AnnualWheelDefined", months={**SEASONS, "13": "low"}), "invalid_data"),
    ("blank id", msg("ManagerCheckInHeld", booking_id="  "), "invalid_data"),
    ("data an empty object", envelope("CourseBooked", {}), "invalid_data"),
    # references
    ("unknown employee", msg("DevelopmentReviewHeld", employee_id="e-x"), "unknown_employee"),
    ("unknown employee moved", msg("EmployeeMoved", employee_id="e-x"), "unknown_employee"),
    ("unknown manager", msg("ManagerAssigned", manager_id="e-x"), "unknown_employee"),
    ("unknown buddy paired", msg("BuddyPaired", buddy_id="e-x"), "unknown_employee"),
    ("unknown buddy in a booking", msg("CourseBooked", buddies=["e-2", "e-x"]), "unknown_employee"),
    ("booking for an unknown employee", msg("CourseBooked", employee_id="e-x"), "unknown_employee"),
    ("agreement for an unknown employee", msg("EducationAgreed", employee_id="e-x"), "unknown_employee"),
    ("gap for an unknown employee", msg("CompetenceGapIdentified", employee_id="e-x"), "unknown_employee"),
    ("unknown booking: check-in", msg("ManagerCheckInHeld", booking_id="b-x"), "unknown_booking"),
    ("unknown booking: completed", msg("CourseCompleted", booking_id="b-x"), "unknown_booking"),
    ("unknown booking: cancelled", msg("CourseCancelled", booking_id="b-x"), "unknown_booking"),
    ("unknown booking: buddy", msg("BuddyPaired", booking_id="b-x"), "unknown_booking"),
    ("unknown booking: substitute", msg("SubstituteArranged", booking_id="b-x"), "unknown_booking"),
    ("unknown booking: knowledge", msg("KnowledgeShared", booking_id="b-x"), "unknown_booking"),
    ("unknown booking: follow-up", msg("PracticeFollowUpHeld", booking_id="b-x"), "unknown_booking"),
    ("unknown agreement in a booking", msg("CourseBooked", agreement_id="a-x"), "unknown_agreement"),
    ("unknown agreement withdrawn", msg("EducationAgreementWithdrawn", agreement_id="a-x"), "unknown_agreement"),
    ("unknown gap in an agreement", msg("EducationAgreed", gap_id="g-x"), "unknown_gap"),
    ("unknown gap closed", msg("CompetenceGapClosed", gap_id="g-x"), "unknown_gap"),
    # state
    ("employee registered twice", msg("EmployeeRegistered", employee_id="e-1"), "invalid_state"),
    ("gap identified twice", msg("CompetenceGapIdentified", gap_id="g-1"), "invalid_state"),
    ("agreement made twice", msg("EducationAgreed", agreement_id="a-1"), "invalid_state"),
    ("booking made twice", msg("CourseBooked", booking_id="b-1"), "invalid_state"),
    ("leaver moved", msg("EmployeeMoved", employee_id="e-left"), "invalid_state"),
    ("leaver leaves again", msg("EmployeeLeft", employee_id="e-left"), "invalid_state"),
    ("agreement for a leaver", msg("EducationAgreed", employee_id="e-left"), "invalid_state"),
    ("booking for a leaver", msg("CourseBooked", employee_id="e-left"), "invalid_state"),
    ("booking on another's agreement", msg("CourseBooked", agreement_id="a-2"), "invalid_state"),
    ("agreement on another's gap", msg("EducationAgreed", gap_id="g-2"), "invalid_state"),
    ("completed twice", msg("CourseCompleted", booking_id="b-done"), "invalid_state"),
    ("cancelled after completion", msg("CourseCancelled", booking_id="b-done"), "invalid_state"),
    ("cancelled twice", msg("CourseCancelled", booking_id="b-cancelled"), "invalid_state"),
    ("completed after cancellation", msg("CourseCompleted", booking_id="b-cancelled"), "invalid_state"),
    ("buddy on a completed booking", msg("BuddyPaired", booking_id="b-done"), "invalid_state"),
    ("substitute on a cancelled booking", msg("SubstituteArranged", booking_id="b-cancelled"), "invalid_state"),
    ("check-in on a completed booking", msg("ManagerCheckInHeld", booking_id="b-done"), "invalid_state"),
    ("knowledge from a cancelled booking", msg("KnowledgeShared", booking_id="b-cancelled"), "invalid_state"),
    ("follow-up of an open booking", msg("PracticeFollowUpHeld", booking_id="b-1"), "invalid_state"),
    ("closed gap closed again", msg("CompetenceGapClosed", gap_id="g-closed"), "invalid_state"),
    ("withdrawn agreement withdrawn again", msg("EducationAgreementWithdrawn", agreement_id="a-w"),
     "invalid_state"),
    # the order of the rules when several fail
    ("size before envelope", b'{"tenant": "BAD", ' + b" " * (64 * 1024) + b"}", "too_large"),
    ("envelope before type", _envelope_with(tenant="BAD", type="Nope"), "invalid_envelope"),
    ("type before data", envelope("Nope", {"level": "x"}), "unknown_type"),
    ("data before references", msg("DevelopmentReviewHeld", employee_id="e-x", held_on="2026-13-01"),
     "invalid_data"),
    ("references before state", msg("CourseBooked", employee_id="e-left", agreement_id="a-x"), "unknown_agreement"),
    ("employee reference before state", msg("CourseBooked", booking_id="b-1", employee_id="e-x"),
     "unknown_employee"),
    # still valid: knowledge shared from a completed booking; optional nulls
    ("knowledge from a completed booking", msg("KnowledgeShared", booking_id="b-done"), "accepted"),
    ("optional field sent as null", envelope("CourseCompleted", {"booking_id": "b-1", "completed_on": "2026-04-10",
                                                                 "hours_attended": None, "passed": None}),
     "accepted"),
]

# Inputs that must not crash the intake; any status is fine as long as there is exactly one outcome.
_ENV = '"tenant": "corpus", "occurred_at": "2026-03-10T08:00:00Z", "type": "DepartmentRegistered"'
HOSTILE: list[tuple[str, bytes]] = [
    ("NUL in a data string", ('{"message_id": "h-1", ' + _ENV + ', "data": {"department": "rd", "name": "A\\u0000B"}}')
     .encode()),
    ("NUL in message_id", ('{"message_id": "h-2\\u0000", ' + _ENV + ', "data": {"department": "rd", "name": "x"}}')
     .encode()),
    ("NUL in actor", ('{"message_id": "h-3", "actor": "hr\\u0000", ' + _ENV
                      + ', "data": {"department": "rd", "name": "x"}}').encode()),
    ("NUL in a rejected month key", (b'{"message_id": "h-4", "tenant": "corpus", "occurred_at": "2026-03-10T08:00:00Z",'
                                     b' "type": "AnnualWheelDefined", "data": {"effective_from": "2026-01-01",'
                                     b' "kind": "fixed", "months": {"1": "low", "\\u0000": "low"}}}')),
    ("lone surrogate in a data string", ('{"message_id": "h-5", ' + _ENV
                                         + ', "data": {"department": "rd", "name": "\\ud800"}}').encode()),
    ("lone surrogate in message_id", ('{"message_id": "h-6\\udfff", ' + _ENV
                                      + ', "data": {"department": "rd", "name": "x"}}').encode()),
    ("deeply nested data", ('{"message_id": "h-7", ' + _ENV + ', "data": ' + "[" * 20000 + "]" * 20000 + "}")
     .encode()),
    ("deeply nested top level", b"[" * 30000 + b"]" * 30000),
    ("huge integer", ('{"message_id": "h-8", "tenant": "corpus", "occurred_at": "2026-03-10T08:00:00Z",'
                      ' "type": "CommitteeMeetingHeld", "data": {"held_on": "2026-01-01", "management_reps": '
                      + "9" * 5000 + ', "employee_reps": 1}}').encode()),
    ("big but allowed integer", ('{"message_id": "h-9", "tenant": "corpus", "occurred_at": "2026-03-10T08:00:00Z",'
                                 ' "type": "CommitteeMeetingHeld", "data": {"held_on": "2026-01-01",'
                                 ' "management_reps": ' + "9" * 40 + ', "employee_reps": 1}}').encode()),
    ("NaN in an ignored field", ('{"message_id": "h-10", ' + _ENV
                                 + ', "data": {"department": "rd", "name": "x", "extra": NaN}}').encode()),
    ("Infinity as hours", (b'{"message_id": "h-11", "tenant": "corpus", "occurred_at": "2026-03-10T08:00:00Z",'
                           b' "type": "CourseCompleted", "data": {"booking_id": "b-1", "completed_on": "2026-04-10",'
                           b' "hours_attended": Infinity}}')),
    ("duplicate keys", ('{"message_id": "h-12", "message_id": "h-13", ' + _ENV
                        + ', "data": {"department": "rd", "name": "x"}}').encode()),
    ("BOM before the object", b"\xef\xbb\xbf" + ('{"message_id": "h-14", ' + _ENV
                                                 + ', "data": {"department": "rd", "name": "x"}}').encode()),
    ("raw control characters", b'{"message_id": "h-15\x01", "tenant": "corpus"}'),
    ("only whitespace", b"   \t "),
    ("empty", b""),
    ("raw NUL bytes", b"\x00\x00\x00"),
    ("exactly 64 KiB", b" " * (64 * 1024 - 2) + b"{}"),
    ("right-to-left and emoji ids", '{"message_id": "\u202eh-16\U0001f600", "tenant": "corpus", "type": "X",'
                                    ' "occurred_at": "2026-03-10T08:00:00Z", "data": {}}'.encode()),
]


class LoopThread:
    """An event loop in its own thread with an app on it, for synchronous (hypothesis) tests."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.app: App = self.run(app_for_url(url, max_size=2))

    def run(self, coro: Any, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self.app.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


async def _seed(app: App) -> None:
    outcomes = await app.intake.process([prepare(m) for m in base_company()], DOOR)
    bad = [o for o in outcomes if o["status"] != "accepted"]
    assert not bad, f"the base company was not accepted: {bad}"


@pytest.fixture(scope="module")
def corpus_app(module_database_url: str) -> Iterator[LoopThread]:
    looper = LoopThread(module_database_url)
    try:
        looper.run(_seed(looper.app))
        yield looper
    finally:
        looper.close()


def check_outcome(outcome: Any, prepared_key: tuple[str, str] | None) -> None:
    assert isinstance(outcome, dict), outcome
    assert outcome.get("status") in STATUSES, outcome
    if outcome["status"] == "rejected":
        assert outcome.get("reason") in REASONS, outcome
        assert isinstance(outcome.get("detail"), str) and outcome["detail"].strip(), outcome
    if outcome["status"] == "accepted":
        assert outcome.get("events"), outcome
    if outcome["status"] == "duplicate":
        assert isinstance(outcome.get("first"), dict) and outcome["first"].get("status") in STATUSES, outcome
    if prepared_key is not None:
        assert (outcome.get("tenant"), outcome.get("message_id")) == prepared_key, outcome


async def _submit_and_check(app: App, raws: list[Any]) -> list[dict[str, Any]]:
    """Process ``raws`` as one batch; check each outcome and the stored rows of the readable ids."""
    prepared = [prepare(raw) for raw in raws]
    before = await app.pool.fetchval("SELECT count(*) FROM outcomes WHERE tenant IS NULL OR message_id IS NULL")
    outcomes = await app.intake.process(prepared, DOOR)
    assert len(outcomes) == len(raws)
    for p, outcome in zip(prepared, outcomes, strict=True):
        check_outcome(outcome, p.key)
    keys = sorted({p.key for p in prepared if p.key is not None})
    if keys:
        rows = await app.pool.fetch(
            "SELECT tenant, message_id, count(*) AS n, min(status) AS status FROM outcomes"
            " WHERE (tenant, message_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) GROUP BY 1, 2",
            [k[0] for k in keys], [k[1] for k in keys])
        stored = {(r["tenant"], r["message_id"]): r for r in rows}
        for key in keys:
            assert key in stored and stored[key]["n"] == 1, f"{key}: {stored.get(key)}"
    anonymous = sum(1 for p in prepared if p.key is None)
    after = await app.pool.fetchval("SELECT count(*) FROM outcomes WHERE tenant IS NULL OR message_id IS NULL")
    assert after - before == anonymous, "each message without readable ids gets its own outcome row"
    return outcomes


def _raw(value: Any) -> Any:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


@pytest.mark.parametrize(("label", "raw", "expected"), RULES, ids=[r[0] for r in RULES])
def test_contract_rule_gives_its_reason(corpus_app: LoopThread, label: str, raw: Any, expected: str) -> None:
    app = corpus_app.app
    events_before = corpus_app.run(app.pool.fetchval("SELECT count(*) FROM events"))
    [outcome] = corpus_app.run(_submit_and_check(app, [_raw(raw)]))
    events_after = corpus_app.run(app.pool.fetchval("SELECT count(*) FROM events"))
    if expected == "accepted":
        assert outcome["status"] == "accepted", outcome
        assert events_after == events_before + 1
        return
    assert outcome["status"] == "rejected", f"{label}: {outcome}"
    assert outcome["reason"] == expected, f"{label}: expected {expected}, got {outcome}"
    assert events_after == events_before, "a rejected message must not enter the log"
    if expected == "too_large":
        assert outcome.get("tenant") is None and outcome.get("message_id") is None, outcome


def test_the_whole_rule_corpus_as_one_batch(corpus_app: LoopThread) -> None:
    """The same corpus (fresh message ids) in one batch: outcomes in order, nothing appended but the
    messages that are valid."""
    raws = []
    for _, raw, _ in RULES:
        if isinstance(raw, dict) and isinstance(raw.get("message_id"), str) and raw["message_id"].startswith("c-"):
            raw = {**raw, "message_id": f"batch-{raw['message_id']}"}
        raws.append(_raw(raw))
    outcomes = corpus_app.run(_submit_and_check(corpus_app.app, raws))
    statuses = [o["status"] for o in outcomes]
    assert statuses.count("accepted") == sum(1 for _, _, e in RULES if e == "accepted")


@pytest.mark.parametrize(("label", "raw"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_gets_exactly_one_outcome(corpus_app: LoopThread, label: str, raw: bytes) -> None:
    corpus_app.run(_submit_and_check(corpus_app.app, [raw]))


def test_hostile_input_does_not_sink_its_batch(corpus_app: LoopThread) -> None:
    """One poisonous line among good ones: the good ones still get their outcomes."""
    good = [_raw(msg("DepartmentRegistered")) for _ in range(3)]
    poison = HOSTILE[0][1].replace(b"h-1", b"h-batch")
    outcomes = corpus_app.run(_submit_and_check(corpus_app.app, [good[0], poison, *good[1:]]))
    assert [o["status"] for o in outcomes][::2] == ["accepted", "accepted"]


# --- generated inputs --------------------------------------------------------------------------------

# Text without NUL and lone surrogates: those two are covered by HOSTILE, here the rest of Unicode.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | TEXT
JSON = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)
TYPES = sorted(VALID)
DATES = st.sampled_from(["2026-03-10", "2026-02-29", "2026-13-01", "2026-3-1", "", "2026-03-10T00:00:00Z"])
INSTANTS = st.sampled_from(["2026-03-10T08:00:00Z", "2026-03-10T08:00:00+02:00", "2026-03-10T08:00:00",
                            "2026-03-10 08:00:00z", "2026-03-10T25:00:00Z", "2026-03-10T08:00:00.1234567Z", ""])
IDS = st.sampled_from(["e-1", "e-2", "e-left", "e-x", "b-1", "b-done", "b-cancelled", "b-x", "a-1", "a-w", "a-x",
                       "g-1", "g-closed", "g-x", ""]) | TEXT


@st.composite
def mutated_message(draw: st.DrawFn) -> dict[str, Any]:
    """A valid message of a random type with a few fields dropped or replaced by random JSON or ids."""
    type_ = draw(st.sampled_from(TYPES))
    data: dict[str, Any] = copy.deepcopy(VALID[type_])
    for _ in range(draw(st.integers(0, 3))):
        field = draw(st.sampled_from(sorted(data) + ["employee_id", "booking_id", "course", "months", "extra"]))
        action = draw(st.sampled_from(["drop", "json", "id", "date"]))
        if action == "drop":
            data.pop(field, None)
        elif action == "json":
            data[field] = draw(JSON)
        elif action == "id":
            data[field] = draw(IDS)
        else:
            data[field] = draw(DATES)
    body = envelope(draw(st.sampled_from(TYPES)) if draw(st.booleans()) and draw(st.booleans()) else type_, data,
                    message_id=draw(st.sampled_from([None, None, "gen-fixed", ""])) or f"gen-{next(_counter)}",
                    occurred_at=draw(INSTANTS))
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(["message_id", "tenant", "type", "occurred_at", "actor", "data", "other"]))
        body[key] = draw(JSON | st.sampled_from(["corpus", "other-tenant", "CourseBooked"]))
    return body


@st.composite
def fuzzed_bytes(draw: st.DrawFn) -> bytes:
    """A valid message's bytes with random bytes flipped, inserted, deleted, or the line cut short."""
    body = msg(draw(st.sampled_from(TYPES)))
    body["message_id"] = f"fuzz-{draw(st.integers(0, 9999)):04d}"
    raw = bytearray(json.dumps(body).encode())
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete" and raw:
            del raw[at]
        elif op == "cut":
            del raw[at:]
    return bytes(raw)


SETTINGS = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@SETTINGS
@given(st.lists(JSON, min_size=1, max_size=5))
def test_arbitrary_json_values(corpus_app: LoopThread, values: list[Any]) -> None:
    raws = [json.dumps(v).encode() for v in values]
    corpus_app.run(_submit_and_check(corpus_app.app, raws))


@SETTINGS
@given(st.lists(mutated_message(), min_size=1, max_size=8))
def test_mutated_envelopes(corpus_app: LoopThread, messages: list[dict[str, Any]]) -> None:
    corpus_app.run(_submit_and_check(corpus_app.app, [json.dumps(m).encode() for m in messages]))


@SETTINGS
@given(st.lists(mutated_message(), min_size=1, max_size=8))
def test_mutated_envelopes_as_decoded_values(corpus_app: LoopThread, messages: list[dict[str, Any]]) -> None:
    """The HTTP and Kafka doors may hand the intake an already decoded value instead of bytes."""
    corpus_app.run(_submit_and_check(corpus_app.app, messages))


@SETTINGS
@given(st.lists(fuzzed_bytes() | st.binary(max_size=200), min_size=1, max_size=8))
def test_fuzzed_bytes(corpus_app: LoopThread, raws: list[bytes]) -> None:
    corpus_app.run(_submit_and_check(corpus_app.app, raws))


@pytest.fixture
async def fresh_app(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=2)
    try:
        yield app
    finally:
        await app.close()


async def test_every_corpus_line_through_the_file_ingest(fresh_app: App) -> None:
    """All corpus and hostile lines in one JSON Lines stream through the ingest pipeline: it finishes,
    and every line has exactly one outcome."""
    from services.core.ingest import ingest_lines

    await _seed(fresh_app)
    lines = [_raw(raw) for _, raw, _ in RULES] + [raw for _, raw in HOSTILE]
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    lines = [line for line in lines if line.strip()]
    seen: list[dict[str, Any]] = []
    counts = await ingest_lines(fresh_app.intake, lines, on_outcome=seen.append, workers=2, batch_size=16)
    assert counts.total == len(lines) == len(seen)
    for line, outcome in zip(lines, seen, strict=True):
        check_outcome(outcome, prepare(line).key)
    conn: asyncpg.Connection
    async with fresh_app.pool.acquire() as conn:
        twice = await conn.fetchval("SELECT count(*) FROM (SELECT 1 FROM outcomes WHERE tenant IS NOT NULL"
                                    " AND message_id IS NOT NULL GROUP BY tenant, message_id HAVING count(*) > 1) t")
    assert twice == 0


LARGE_SETTINGS = settings(max_examples=1500, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@LARGE_SETTINGS
@given(st.lists(fuzzed_bytes() | mutated_message() | JSON, min_size=1, max_size=12))
def test_many_generated_inputs(corpus_app: LoopThread, items: list[Any]) -> None:
    raws = [item if isinstance(item, bytes) else json.dumps(item).encode() for item in items]
    corpus_app.run(_submit_and_check(corpus_app.app, raws))
