"""The demo feed generator: deterministic, scalable, streaming, contract-shaped, and valid but for the
deliberate faults. Pure: no database."""

from __future__ import annotations

import inspect
import io
import itertools
import json
import re
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from services.simulator.demo_data import CASES, generate, write_jsonl

TENANT = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
VALID_ID = re.compile(r".+-\d{7}")
FAULT_ID = re.compile(r".+-f\d{6}")


@pytest.fixture(scope="module")
def demo() -> list[dict[str, Any] | str]:
    """The default demo feed, as ``eduplan demo`` would load it."""
    return list(generate())


@pytest.fixture(scope="module")
def clean_demo() -> list[dict[str, Any] | str]:
    return list(generate(faults=False))


def _first_day_registrations(items: list[dict[str, Any] | str]) -> Counter[str]:
    first_day: dict[str, str] = {}
    counts: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for item in items:
        if not isinstance(item, dict) or not VALID_ID.fullmatch(item["message_id"]):
            continue
        key = (item["tenant"], item["message_id"])
        if key in seen:  # a re-sent duplicate
            continue
        seen.add(key)
        day = first_day.setdefault(item["tenant"], item["occurred_at"][:10])
        if item["type"] == "EmployeeRegistered" and item["occurred_at"][:10] == day:
            counts[item["tenant"]] += 1
    return counts


def test_the_same_arguments_give_the_same_feed() -> None:
    kwargs: dict[str, Any] = {"tenants": 4, "employees": 25, "years": 2, "seed": 11}
    first = list(generate(**kwargs))
    assert first == list(generate(**kwargs))
    assert first != list(generate(**{**kwargs, "seed": 12}))


def test_default_feed_has_the_report_cases_at_their_sizes(demo: list[dict[str, Any] | str]) -> None:
    tenants = {item["tenant"] for item in demo if isinstance(item, dict)}
    assert tenants == {case.tenant for case in CASES}
    assert _first_day_registrations(demo) == {case.tenant: case.employees for case in CASES}
    assert sum(1 for case in CASES if (case.cycle_start_month or 3) != 3) >= 2


def test_scale_knob_sets_tenants_and_employees() -> None:
    items = list(generate(tenants=len(CASES) + 2, employees=9, years=1, faults=False))
    tenants = {item["tenant"] for item in items if isinstance(item, dict)}
    expected = {case.tenant for case in CASES} | {f"{CASES[0].tenant}-2", f"{CASES[1].tenant}-2"}
    assert tenants == expected
    assert set(_first_day_registrations(items).values()) == {9}


def test_years_set_the_history_ending_on_end() -> None:
    end = date(2025, 6, 30)
    for years in (1, 2):
        days = [date.fromisoformat(i["occurred_at"][:10])
                for i in generate(tenants=2, employees=10, years=years, end=end) if isinstance(i, dict)]
        assert max(days) <= end
        assert end - timedelta(days=365 * years + 5) <= min(days) <= end - timedelta(days=365 * years - 5)
    short = sum(1 for _ in generate(tenants=2, employees=30, years=1, end=end))
    long = sum(1 for _ in generate(tenants=2, employees=30, years=3, end=end))
    assert 2.2 * short < long < 3.8 * short


def test_more_employees_give_proportionally_more_messages() -> None:
    small = sum(1 for _ in generate(tenants=3, employees=20, years=1))
    large = sum(1 for _ in generate(tenants=3, employees=80, years=1))
    assert 3 * small < large < 5 * small


def test_feed_is_a_stream_that_starts_at_once_however_big() -> None:
    feed = generate(tenants=40, employees=5000, years=20)
    assert inspect.isgenerator(feed)
    started = time.perf_counter()
    head = list(itertools.islice(feed, 1000))
    assert len(head) == 1000
    assert time.perf_counter() - started < 10


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_every_item_is_an_envelope_or_a_raw_line(demo: list[dict[str, Any] | str]) -> None:
    for item in demo:
        if isinstance(item, str):
            assert item and "\n" not in item and not _is_object(item)
            continue
        assert set(item) == {"message_id", "tenant", "type", "occurred_at", "actor", "data"}
        assert isinstance(item["message_id"], str) and 1 <= len(item["message_id"]) <= 200
        assert TENANT.fullmatch(item["tenant"])
        assert INSTANT.fullmatch(item["occurred_at"])
        assert isinstance(item["actor"], str) and isinstance(item["data"], dict)
        json.dumps(item)


def test_message_ids_are_unique_per_tenant_except_resent_duplicates(demo: list[dict[str, Any] | str]) -> None:
    first: dict[tuple[str, str], dict[str, Any]] = {}
    duplicates = 0
    for item in demo:
        if isinstance(item, str):
            continue
        key = (item["tenant"], item["message_id"])
        if key in first:
            assert item == first[key], "a re-sent message must repeat the original exactly"
            duplicates += 1
        else:
            first[key] = item
    assert duplicates > 0


def test_faults_are_about_one_and_a_half_percent_and_leave_the_valid_feed_alone(
        demo: list[dict[str, Any] | str], clean_demo: list[dict[str, Any] | str]) -> None:
    seen: set[tuple[str, str]] = set()
    valid, faults = [], 0
    kinds: Counter[str] = Counter()
    for item in demo:
        if isinstance(item, str):
            faults += 1
            kinds["garbage"] += 1
            continue
        key = (item["tenant"], item["message_id"])
        if key in seen:
            faults += 1
            kinds["duplicate"] += 1
        elif FAULT_ID.fullmatch(item["message_id"]):
            faults += 1
            kinds[item["type"]] += 1
        else:
            valid.append(item)
        seen.add(key)
    assert valid == clean_demo
    assert all(isinstance(item, dict) for item in clean_demo)
    assert 0.01 <= faults / len(demo) <= 0.02
    assert kinds["garbage"] and kinds["duplicate"] and kinds["CourseBooked"] and kinds["CourseCompleted"]


def test_domain_accepts_every_valid_message_and_rejects_every_fault(demo: list[dict[str, Any] | str]) -> None:
    messages = pytest.importorskip("domain.messages")
    errors = pytest.importorskip("domain.errors")
    decider = pytest.importorskip("domain.decider")
    states: dict[tuple[str, str], Any] = {}
    seen: set[tuple[str, str]] = set()
    reasons: Counter[str] = Counter()
    for item in demo:
        if isinstance(item, str):
            reasons["garbage"] += 1
            continue
        key = (item["tenant"], item["message_id"])
        if key in seen:
            reasons["duplicate"] += 1
            continue
        seen.add(key)
        fault = FAULT_ID.fullmatch(item["message_id"]) is not None
        try:
            msg = messages.parse_message(item)
            target = decider.target_stream(msg)
            wanted = [target, *decider.referenced_streams(msg)]
            view = {s: states.get((item["tenant"], s), decider.initial_state(s)) for s in wanted}
            events = decider.decide(msg, view)
        except errors.Rejected as rejected:
            assert fault, f"valid message rejected ({rejected.reason}: {rejected.detail}): {item}"
            reasons[str(rejected.reason)] += 1
            continue
        assert not fault, f"deliberate fault accepted: {item}"
        for event in events:
            stream = (item["tenant"], event.stream)
            states[stream] = decider.evolve(states.get(stream, decider.initial_state(event.stream)),
                                            event.type, event.data)
    assert {"invalid_data", "unknown_type", "unknown_employee", "invalid_state"} <= set(reasons)


def test_parse_message_accepts_every_item_of_a_scaled_clean_feed() -> None:
    messages = pytest.importorskip("domain.messages")
    for item in generate(tenants=12, employees=15, years=2, seed=5, faults=False):
        messages.parse_message(item)


def _by_tenant(items: list[dict[str, Any] | str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    out: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        assert isinstance(item, dict)
        out[item["tenant"]][item["type"]].append(item["data"])
    return out


def test_the_cases_look_like_the_report(clean_demo: list[dict[str, Any] | str]) -> None:
    feed = _by_tenant(clean_demo)
    end = date(2026, 11, 20)
    last_year = end - timedelta(days=364)
    participants = headcount = with_leavers = 0
    for tenant, types in feed.items():
        employees = {e["employee_id"]: e for e in types["EmployeeRegistered"]}
        left = {e["employee_id"] for e in types["EmployeeLeft"]}
        active = set(employees) - left
        bookings = {b["booking_id"]: b for b in types["CourseBooked"]}
        took_part = {bookings[c["booking_id"]]["employee_id"] for c in types["CourseCompleted"]
                     if date.fromisoformat(c["completed_on"]) >= last_year}
        assert len(took_part & active) / len(active) >= 0.4, tenant
        participants += len(took_part & active)
        headcount += len(active)
        assert types["DevelopmentReviewHeld"] and types["EducationAgreed"] and types["CompetenceGapIdentified"]
        assert types["AnnualWheelDefined"] and types["EducationStrategyAdopted"]
        with_leavers += bool(left)
        assert {j["job_family"] for j in employees.values()} & {"unskilled", "skilled", "professional"}
        linked = sum(1 for b in bookings.values() if b.get("agreement_id"))
        assert linked / len(bookings) > 0.4, tenant
    assert 0.5 <= participants / headcount <= 0.9
    assert with_leavers >= len(feed) - 2

    meetings = [m for m in feed["them"]["CommitteeMeetingHeld"] if date.fromisoformat(m["held_on"]) >= last_year]
    assert len(meetings) == 4 and all(m["management_reps"] == m["employee_reps"] == 2 for m in meetings)
    assert Counter(k["format"] for k in feed["birkerod-skole"]["KnowledgeShared"]).most_common(1)[0][0] \
        == "board_meeting"
    assert {b["starts_on"][5:7] for b in feed["trae-og-busk"]["CourseBooked"]}.isdisjoint(
        {"05", "06", "07", "08"})
    paired = {p["booking_id"] for p in feed["trae-og-busk"]["BuddyPaired"]}
    courses = [b for b in feed["trae-og-busk"]["CourseBooked"] if b["course"]["kind"] != "internal"]
    assert sum(1 for b in courses if b.get("buddies") or b["booking_id"] in paired) >= 0.9 * len(courses)
    assert {w["department"] for w in feed["universe"]["AnnualWheelDefined"]} >= {None, "gartnere", "marketing"}
    assert any(w.get("focus_areas") for w in feed["public-org"]["AnnualWheelDefined"])
    assert any(b.get("collective") for b in feed["transport"]["CourseBooked"])
    assert any(a["role"] == "shop_steward" for a in feed["grondalen"]["AmbassadorAppointed"])
    assert len(feed["grondalen"]["SubstituteArranged"]) > len(feed["vivabolig"]["SubstituteArranged"])
    assert any(s.get("completion_target") == 0.85 and s.get("cycle_start_month") == 3
               for s in feed["bitzer"]["EducationStrategyAdopted"])


def test_write_jsonl_writes_one_line_per_item(tmp_path: Any) -> None:
    kwargs: dict[str, Any] = {"tenants": 2, "employees": 12, "years": 1}
    buffer = io.StringIO()
    count = write_jsonl(buffer, **kwargs)
    lines = buffer.getvalue().splitlines()
    assert count == len(lines) == sum(1 for _ in generate(**kwargs))
    path = tmp_path / "feed.jsonl"
    assert write_jsonl(path, **kwargs) == count
    assert path.read_text(encoding="utf-8").splitlines() == lines
    items = list(generate(**kwargs))
    for line, item in zip(lines, items, strict=True):
        assert line == item if isinstance(item, str) else json.loads(line) == item


def test_bad_arguments_are_refused() -> None:
    bad: list[dict[str, Any]] = [{"tenants": 0}, {"employees": 0}, {"years": 0}]
    for kwargs in bad:
        with pytest.raises(ValueError):
            next(generate(**kwargs))
