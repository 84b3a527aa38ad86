"""Hand-written cases at the edges of CONTRACT.md §7 — the cycle judged, managers, series, competences — and
the company's display name (§2), each with figures worked out by hand and checked against the reference."""

from __future__ import annotations

from datetime import date as D

import kpi_facts as f
import pytest
from kpi_compare import assert_matches_reference, assert_series_match_reference, differences
from kpi_eventlog import EventLog

from projections import (
    COMPANY_KEYS,
    InvalidRead,
    SeriesRequest,
    catch_up,
    companies,
    competence_matrix,
    kpi_document,
    kpi_series,
)

T = "acme"


async def given(log: EventLog, *facts: f.Fact, tenant: str = T) -> None:
    await log.append_many([(tenant, kind, data) for kind, data in facts])
    await catch_up(log.pool)


async def test_the_running_cycle_is_judged_only_on_what_is_due(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.hire("e2", "ops", D(2023, 1, 1)),
        f.agree("a1", "e1", D(2024, 3, 10), due=D(2024, 6, 30)),
        f.agree("a2", "e1", D(2024, 3, 10), due=D(2024, 6, 30)),
        f.agree("a3", "e2", D(2024, 4, 1)),  # due at the end of the cycle, 2025-02-28
        f.book("b1", "e1", D(2024, 3, 11), D(2024, 5, 1), agreement="a1"),
        f.complete("b1", D(2024, 6, 30)),  # on the due date
        f.book("b2", "e1", D(2024, 3, 11), D(2024, 7, 1), agreement="a2"),
        f.complete("b2", D(2024, 7, 2)),  # late
        f.book("b3", "e2", D(2024, 4, 2), D(2024, 5, 1), agreement="a3"),
        f.complete("b3", D(2024, 5, 3)),
    )
    early = await kpi_document(pool, T, D(2024, 6, 29))
    assert early["company"]["agreements_due_to_date"] == 0
    assert early["company"]["on_track_rate"] is None
    assert early["company"]["cycle_status"] == "nothing_due_yet"
    assert early["company"]["target_met"] is False  # 1 of 3 on time so far: the running rate is not the verdict
    due = await kpi_document(pool, T, D(2024, 6, 30))
    assert (due["company"]["agreements_due_to_date"], due["company"]["agreements_due_completed_on_time"]) == (2, 1)
    assert due["company"]["on_track_rate"] == 0.5
    assert due["company"]["cycle_status"] == "behind"
    assert due["departments"]["ops"]["cycle_status"] == "nothing_due_yet"
    assert due["departments"]["rd"]["cycle_status"] == "behind"
    await given(log, f.strategy(D(2024, 1, 1), target=0.5))
    assert (await kpi_document(pool, T, D(2024, 6, 30)))["company"]["cycle_status"] == "on_track"
    await assert_matches_reference(pool, log, T)


async def test_the_last_cycle_is_the_document_of_the_day_before_the_cycle_starts(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.hire("e2", "ops", D(2023, 1, 1)),
        f.agree("a1", "e1", D(2024, 3, 1)),
        f.book("b1", "e1", D(2024, 3, 2), D(2024, 9, 1), agreement="a1"),
        f.complete("b1", D(2024, 9, 2)),
        f.agree("a2", "e2", D(2024, 5, 1)),
        f.leave("e2", D(2025, 1, 31)),  # left without completing: drops out of the finished cycle
        f.agree("a3", "e1", D(2025, 3, 1)),
        f.book("b3", "e1", D(2024, 3, 2), D(2025, 1, 1), agreement="a3"),
        f.complete("b3", D(2025, 4, 1)),
        f.strategy(D(2025, 3, 15), month=9, target=0.9),  # the next cycle starts in September
    )
    doc = await kpi_document(pool, T, D(2025, 3, 10))
    assert doc["cycle"] == {"start": "2025-03-01", "end": "2026-02-28"}
    assert doc["last_cycle"]["start"] == "2024-03-01" and doc["last_cycle"]["end"] == "2025-02-28"
    assert doc["last_cycle"]["company"] == {
        "agreements_made": 1, "agreements_completed_on_time": 1, "agreement_completion_rate": 1.0,
        "completion_target": 0.85, "target_met": True,
    }
    assert set(doc["last_cycle"]["departments"]) == {"rd"}  # listed as on the day before: ops had nothing left
    later = await kpi_document(pool, T, D(2025, 10, 1))  # the strategy of 2025-03-15 moved the cycle
    assert later["cycle"]["start"] == "2025-09-01"
    before = await kpi_document(pool, T, D(2025, 8, 31))
    assert later["last_cycle"] == {
        "start": before["cycle"]["start"], "end": before["cycle"]["end"],
        "company": {key: before["company"][key] for key in later["last_cycle"]["company"]},
        "departments": {
            name: {key: keys[key] for key in later["last_cycle"]["company"]}
            for name, keys in before["departments"].items()
        },
    }
    assert later["last_cycle"]["company"]["completion_target"] == 0.9
    await assert_matches_reference(pool, log, T)


async def test_managers_on_the_date_each_key_takes_the_department_on(pool, log):
    await given(
        log,
        f.wheel(D(2020, 1, 1), busy=(6,), dept="rd"),
        f.wheel(D(2020, 1, 1), busy=(9,)),
        f.hire("boss", "rd", D(2020, 1, 1), family="manager"),
        f.hire("chief", "ops", D(2020, 1, 1), family="manager"),
        f.hire("e1", "rd", D(2024, 1, 15)),
        f.manager("e1", "boss"),  # no date: from the hiring
        f.manager("e1", "chief", D(2024, 5, 1)),
        f.manager("e1", "boss", D(2024, 5, 1)),  # equal dates: accepted last — still boss
        f.manager("e1", "chief", D(2024, 8, 1)),
        f.hire("e2", "ops", D(2024, 1, 15)),  # never gets a manager: in no manager's group
        f.agree("a1", "e1", D(2024, 3, 5)),  # under boss on agreed_on
        f.book("b1", "e1", D(2024, 4, 1), D(2024, 6, 3)),  # booked under boss; rd's wheel: June is busy
        f.substitute("b1", D(2024, 5, 1)),
        f.complete("b1", D(2024, 8, 1)),  # completed under chief
        f.agree("a2", "e2", D(2024, 3, 5)),
    )
    doc = await kpi_document(pool, T, D(2024, 9, 30), by_manager=True)
    assert set(doc["managers"]) == {"boss", "chief"}
    boss, chief = doc["managers"]["boss"], doc["managers"]["chief"]
    assert (boss["active_employees"], chief["active_employees"]) == (0, 1)
    assert (boss["agreements_made"], chief["agreements_made"]) == (1, 0)
    assert (boss["substitute_coverage_busy"], chief["substitute_coverage_busy"]) == (1.0, None)
    assert chief["participation_rate_12m"] == 1.0
    assert doc["company"]["agreements_made"] == 2
    without = await kpi_document(pool, T, D(2024, 9, 30))
    assert "managers" not in without and "managers" not in without["last_cycle"]
    plain = {k: v for k, v in doc.items() if k != "managers"}
    plain["last_cycle"] = {k: v for k, v in doc["last_cycle"].items() if k != "managers"}
    assert differences(plain, without) == []
    await given(log, f.share("b1", D(2024, 8, 20)))
    await assert_matches_reference(pool, log, T)


async def test_series_points_are_the_documents_at_month_and_quarter_ends(pool, log):
    await given(
        log,
        f.strategy(D(2024, 1, 1), month=7),
        f.hire("e1", "rd", D(2024, 1, 31)),
        f.hire("e2", "ops", D(2024, 2, 29)),
        f.manager("e2", "e1"),
        f.review("e1", D(2024, 3, 31)),
        f.agree("a1", "e2", D(2024, 7, 1), due=D(2024, 9, 30)),
        f.book("b1", "e2", D(2024, 7, 2), D(2024, 9, 1), agreement="a1"),
        f.complete("b1", D(2024, 9, 30), hours=12),
        f.move("e2", "rd", D(2024, 12, 31)),
        f.leave("e1", D(2025, 3, 31)),
        f.meeting(D(2024, 6, 30)),
    )
    request = SeriesRequest.checked(D(2024, 1, 31), D(2025, 6, 29), "month", ["active_employees", "cycle_status",
                                                                           "committee_meetings_12m"])
    assert request.dates()[0] == D(2024, 1, 31) and request.dates()[-1] == D(2025, 5, 31)
    assert D(2024, 2, 29) in request.dates() and len(request.dates()) == 17
    series = await kpi_series(pool, T, request)
    for point in series["points"]:
        doc = await kpi_document(pool, T, D.fromisoformat(point["as_of"]))
        assert point["company"] == {key: doc["company"][key] for key in request.keys}
        assert point["departments"] == {
            name: {"active_employees": keys["active_employees"], "cycle_status": keys["cycle_status"]}
            for name, keys in doc["departments"].items()
        }
    by_date = {point["as_of"]: point for point in series["points"]}
    assert by_date["2024-12-31"]["departments"]["rd"]["active_employees"] == 2  # moved on the point's date
    assert by_date["2025-03-31"]["company"]["active_employees"] == 1  # left on the point's date
    assert by_date["2024-09-30"]["company"]["cycle_status"] == "on_track"
    quarters = SeriesRequest.checked(D(2024, 1, 1), D(2025, 3, 30), "quarter").dates()
    assert quarters == [D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)]
    await assert_series_match_reference(pool, log, T, D(2023, 12, 15), D(2025, 7, 1))
    empty = await kpi_series(pool, T, SeriesRequest.checked(D(2024, 5, 1), D(2024, 5, 30), "month"))
    assert empty["points"] == []


@pytest.mark.parametrize(("args", "field"), [
    ((D(2024, 5, 1), D(2024, 4, 30), "month"), "to"),
    ((D(2014, 5, 1), D(2024, 5, 2), "month"), "to"),
    ((D(2024, 1, 1), D(2024, 5, 1), "week"), "step"),
    ((D(2024, 1, 1), D(2024, 5, 1), "month", ["active_employees", "happiness"]), "keys"),
])
def test_a_series_asked_wrongly_names_the_parameter(args, field):
    with pytest.raises(InvalidRead) as raised:
        SeriesRequest.checked(*args)
    assert raised.value.field == field


def test_a_series_takes_every_key_when_none_are_named_and_each_once():
    assert SeriesRequest.checked(D(2024, 1, 1), D(2034, 1, 1), "month").keys == COMPANY_KEYS
    twice = SeriesRequest.checked(D(2024, 1, 1), D(2024, 5, 1), "month", ["open_gaps", " open_gaps", ""])
    assert twice.keys == ("open_gaps",)


async def test_the_competence_matrix_levels_and_targets(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.hire("e2", "ops", D(2023, 1, 1)),
        f.hire("gone", "ops", D(2023, 1, 1)),
        f.assess("e1", "weld", 2, D(2024, 1, 10)),
        f.assess("e1", "weld", 4, D(2024, 1, 10)),  # equal dates: accepted last
        f.assess("e1", "weld", 1, D(2024, 9, 1)),  # after the as-of date
        f.gap("g1", "e1", "weld", D(2024, 2, 1), current=2, target=3),
        f.gap("g2", "e1", "weld", D(2024, 2, 1), current=2, target=5),
        f.gap("g3", "e1", "cad", D(2024, 2, 1), current=0, target=2),
        f.close_gap("g3", D(2024, 3, 1)),  # closed: no target, and no assessment either
        f.gap("g4", "e2", "paint", D(2024, 2, 1), current=0, target=2),
        f.assess("gone", "weld", 3, D(2024, 1, 1)),
        f.leave("gone", D(2024, 5, 1)),
    )
    matrix = await competence_matrix(pool, T, D(2024, 6, 1))
    assert matrix["employees"] == [
        {"employee_id": "e1", "department": "rd", "competences": {"weld": {"level": 4, "target": 5}}},
        {"employee_id": "e2", "department": "ops", "competences": {"paint": {"level": None, "target": 2}}},
    ]
    await given(log, f.assess("e1", "weld", 5, D(2024, 7, 1)))  # reaches g1's and g2's targets: both close
    matrix = await competence_matrix(pool, T, D(2024, 7, 1), department="rd")
    assert matrix["employees"] == [
        {"employee_id": "e1", "department": "rd", "competences": {"weld": {"level": 5, "target": None}}},
    ]
    await assert_matches_reference(pool, log, T)


async def test_the_display_name_is_the_latest_registration(pool, log):
    await given(
        log,
        f.company("Acme ApS", D(2020, 1, 1), cvr="01234567"),
        f.company("Acme A/S", D(2024, 1, 1)),
        f.company("ACME A/S", D(2024, 1, 1), cvr="76543210"),  # equal dates: accepted last
        f.company("Acme (old)", D(2022, 1, 1)),  # backdated: does not win
    )
    await given(log, f.hire("e1", "rd", D(2023, 1, 1)), tenant="nameless")
    assert await companies(pool) == [
        {"tenant": "acme", "name": "ACME A/S", "cvr": "76543210", "registered_on": "2024-01-01"},
        {"tenant": "nameless", "name": None, "cvr": None, "registered_on": None},
    ]
    assert await companies(pool, "nameless") == [
        {"tenant": "nameless", "name": None, "cvr": None, "registered_on": None},
    ]
    assert await companies(pool, "unknown") == []
