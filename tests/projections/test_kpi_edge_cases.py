"""Hand-written cases at the edges of CONTRACT.md §4, each checked against the reference on every
date around its facts (company, every department, and each department asked for on its own)."""

from __future__ import annotations

from datetime import date as D

import kpi_facts as f
from kpi_compare import assert_matches_reference
from kpi_eventlog import EventLog

from projections import catch_up, kpi_document

T = "acme"


async def given(log: EventLog, *facts: f.Fact, tenant: str = T) -> None:
    await log.append_many([(tenant, kind, data) for kind, data in facts])
    await catch_up(log.pool)


async def test_moves_between_departments_with_equal_date_ties(pool, log):
    await given(
        log,
        f.hire("e1", "assembly", D(2024, 1, 15)),
        f.move("e1", "paint", D(2024, 1, 15)),  # same day as the hiring: the move is accepted last
        f.move("e1", "stock", D(2024, 6, 1)),
        f.move("e1", "office", D(2024, 6, 1)),  # equal dates: office wins
        f.move("e1", "yard", D(2024, 4, 1)),  # backdated, arrives after a later move
        f.hire("e2", "assembly", D(2024, 2, 1), family="unskilled"),
        f.agree("a1", "e1", D(2024, 3, 10)),
        f.agree("a2", "e1", D(2024, 6, 1)),
        f.book("b1", "e1", D(2024, 4, 1), D(2024, 9, 1), agreement="a1"),
        f.complete("b1", D(2024, 9, 2)),
        f.book("b2", "e2", D(2024, 5, 1), D(2024, 7, 1)),
        f.move("e2", "paint", D(2024, 5, 1)),
        f.complete("b2", D(2024, 7, 3), hours=3),
        f.move("e2", "assembly", D(2024, 7, 3)),
        f.review("e1", D(2024, 3, 5), item=True),
        f.review("e1", D(2024, 3, 5), item=False),  # equal dates: accepted last decides the item
        f.review("e2", D(2024, 3, 5), item=False),
        f.review("e2", D(2024, 3, 5), item=True),
    )
    doc = await kpi_document(pool, T, D(2024, 6, 2))
    assert doc["departments"]["office"]["active_employees"] == 1
    assert doc["departments"]["office"]["agreements_made"] == 1  # a2, agreed on the day of the move
    assert doc["departments"]["paint"]["agreements_made"] == 1  # a1, agreed in paint (moved on hiring day)
    assert doc["company"]["mus_education_item_rate"] == 0.5
    await assert_matches_reference(pool, log, T)


async def test_leavers_keep_agreements_only_when_completed_before_leaving(pool, log):
    await given(
        log,
        f.hire("stays", "rd", D(2023, 1, 1)),
        f.hire("done", "rd", D(2023, 1, 1)),
        f.hire("gone", "rd", D(2023, 1, 1)),
        f.hire("late", "ops", D(2023, 1, 1)),
        f.agree("a-stays", "stays", D(2024, 3, 5)),
        f.agree("a-done", "done", D(2024, 3, 5)),
        f.agree("a-gone", "gone", D(2024, 3, 5)),
        f.agree("a-late", "late", D(2024, 3, 5)),
        f.book("b-done", "done", D(2024, 3, 6), D(2024, 4, 1), agreement="a-done"),
        f.complete("b-done", D(2024, 4, 2)),
        f.leave("done", D(2024, 4, 2)),  # completed on the day of leaving: still counts
        f.leave("gone", D(2024, 5, 1)),
        f.book("b-late", "late", D(2024, 3, 6), D(2024, 6, 1), agreement="a-late"),
        f.leave("late", D(2024, 6, 1)),
        f.complete("b-late", D(2024, 6, 2)),  # after leaving: the agreement drops out
    )
    before = await kpi_document(pool, T, D(2024, 4, 30))
    after = await kpi_document(pool, T, D(2024, 7, 1))
    assert before["company"]["agreements_made"] == 4
    assert after["company"]["agreements_made"] == 2
    assert after["company"]["agreements_completed_on_time"] == 1
    assert after["departments"]["ops"]["agreements_made"] == 0
    assert after["company"]["active_employees"] == 1
    await assert_matches_reference(pool, log, T)


async def test_withdrawn_agreements_and_completion_after_due_date(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.hire("e2", "rd", D(2023, 1, 1)),
        f.agree("a1", "e1", D(2024, 3, 1), due=D(2024, 6, 30)),
        f.agree("a2", "e1", D(2024, 3, 1), due=D(2024, 6, 30)),
        f.agree("a3", "e2", D(2024, 4, 1)),
        f.withdraw("a3", D(2024, 8, 1)),
        f.book("b1", "e1", D(2024, 3, 2), D(2024, 6, 1), agreement="a1"),
        f.complete("b1", D(2024, 6, 30), passed=False),  # on the due date, not passed: on time
        f.book("b2", "e1", D(2024, 3, 2), D(2024, 7, 1), agreement="a2"),
        f.complete("b2", D(2024, 7, 1)),  # a day late
        f.book("b3", "e2", D(2024, 4, 2), D(2024, 5, 1), agreement="a3"),
        f.cancel("b3", D(2024, 4, 20)),
        f.book("b4", "e2", D(2024, 4, 21), D(2024, 5, 1), agreement="a3"),
        f.complete("b4", D(2024, 5, 2)),
    )
    doc = await kpi_document(pool, T, D(2024, 7, 31))
    assert (doc["company"]["agreements_made"], doc["company"]["agreements_completed_on_time"]) == (3, 2)
    doc = await kpi_document(pool, T, D(2024, 8, 1))
    assert (doc["company"]["agreements_made"], doc["company"]["agreements_completed_on_time"]) == (2, 1)
    assert doc["company"]["target_met"] is False
    await assert_matches_reference(pool, log, T)


async def test_default_due_date_follows_a_strategy_that_arrives_late_and_backdated(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.agree("a1", "e1", D(2024, 10, 1)),  # no due_by: the cycle containing 2024-10-01
        f.book("b1", "e1", D(2024, 10, 2), D(2025, 5, 1), agreement="a1"),
        f.complete("b1", D(2025, 5, 2)),
        f.agree("a2", "e1", D(2024, 2, 1)),
        f.book("b2", "e1", D(2024, 2, 2), D(2024, 8, 1), agreement="a2"),
        f.complete("b2", D(2024, 8, 1)),
    )
    # Under the default (March) the first cycle ends 2025-02-28: not on time.
    doc = await kpi_document(pool, T, D(2025, 6, 1))
    assert doc["cycle"] == {"start": "2025-03-01", "end": "2026-02-29"[:8] + "28"}
    await given(log, f.strategy(D(2024, 1, 1), month=9, target=0.5))
    doc = await kpi_document(pool, T, D(2025, 6, 1))
    assert doc["cycle"] == {"start": "2024-09-01", "end": "2025-08-31"}
    assert doc["company"]["agreements_completed_on_time"] == 1
    assert doc["company"]["target_met"] is True
    await given(log, f.strategy(D(2025, 1, 1), month=1, target=0.9), f.strategy(D(2025, 1, 1), month=4))
    await assert_matches_reference(pool, log, T)


async def test_strategies_with_equal_dates_and_cycles_in_other_months(pool, log):
    await given(
        log,
        f.strategy(D(2023, 6, 1), month=6, target=0.7),
        f.strategy(D(2023, 6, 1), month=11, target=0.6),  # accepted last
        f.strategy(D(2024, 2, 1), month=1, target=0.9),
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.hire("e2", "ops", D(2023, 1, 1), family="unskilled"),
        f.review("e1", D(2023, 11, 1)),
        f.review("e2", D(2023, 10, 31), item=False),
        f.agree("a1", "e1", D(2023, 11, 1)),
        f.agree("a2", "e2", D(2023, 10, 31)),
        f.gap("g1", "e1", "cad", D(2023, 7, 1)),
        f.close_gap("g1", D(2023, 11, 15)),
        f.book("b1", "e2", D(2023, 9, 1), D(2023, 11, 5)),
        f.pair("b1", "e1", D(2023, 12, 1)),
    )
    await assert_matches_reference(pool, log, T)


async def test_wheels_department_before_company_and_busy_months(pool, log):
    await given(
        log,
        f.hire("g1", "garden", D(2023, 1, 1), family="unskilled"),
        f.hire("m1", "marketing", D(2023, 1, 1)),
        f.hire("o1", "office", D(2023, 1, 1)),
        f.wheel(D(2024, 1, 1), busy=(6, 7, 8)),  # company: summer is busy
        f.wheel(D(2024, 3, 1), busy=(1, 2), dept="garden"),
        f.wheel(D(2024, 3, 1), busy=(1, 2, 6), dept="garden"),  # equal date, accepted last
        f.wheel(D(2024, 9, 1), busy=(11, 12), dept="marketing"),
        f.book("b1", "g1", D(2024, 1, 10), D(2024, 2, 5)),  # garden wheel not yet in force: company
        f.book("b2", "g1", D(2024, 3, 10), D(2024, 6, 5), buddies=("o1",)),  # garden wheel: busy
        f.substitute("b2", D(2024, 6, 1)),
        f.book("b3", "m1", D(2024, 3, 10), D(2024, 7, 5)),  # company wheel: busy
        f.substitute("b3", D(2024, 8, 1)),  # after the start, still counts from 2024-08-01
        f.book("b4", "m1", D(2024, 10, 1), D(2024, 12, 3)),  # marketing wheel: busy
        f.book("b5", "o1", D(2023, 10, 1), D(2023, 11, 3)),  # before any wheel
        f.book("b6", "o1", D(2024, 4, 1), D(2024, 4, 2)),
        f.cancel("b6", D(2024, 5, 1)),
        f.book("b7", "g1", D(2024, 11, 1), D(2025, 1, 10)),
        f.pair("b7", "o1", D(2024, 12, 1)),
        f.move("g1", "office", D(2024, 12, 1)),
    )
    doc = await kpi_document(pool, T, D(2024, 7, 10))
    assert doc["departments"]["garden"]["substitute_coverage_busy"] == 1.0
    assert doc["departments"]["marketing"]["substitute_coverage_busy"] == 0.0
    await assert_matches_reference(pool, log, T)


async def test_gaps_closed_by_assessment_or_message_whichever_comes_first(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2023, 1, 1)),
        f.hire("e2", "ops", D(2023, 1, 1)),
        f.assess("e1", "cad", 4, D(2024, 1, 1)),  # before identified: does not close
        f.gap("g1", "e1", "cad", D(2024, 2, 1), current=2, target=4),
        f.assess("e1", "cad", 3, D(2024, 3, 1)),  # below target
        f.assess("e1", "weld", 5, D(2024, 3, 2)),  # other competence
        f.assess("e1", "cad", 4, D(2024, 5, 1)),  # closes g1
        f.close_gap("g1", D(2024, 6, 1)),
        f.gap("g2", "e2", "cad", D(2024, 2, 1)),
        f.close_gap("g2", D(2024, 4, 1)),
        f.assess("e2", "cad", 5, D(2024, 5, 1)),
        f.gap("g3", "e2", "lean", D(2024, 9, 1)),
        f.gap("g4", "e1", "lean", D(2025, 1, 1)),
        f.assess("e1", "lean", 3, D(2025, 1, 1)),  # same day as identified: closes
        f.leave("e2", D(2025, 2, 1)),  # its gaps no longer count
        f.move("e1", "ops", D(2024, 10, 1)),
    )
    doc = await kpi_document(pool, T, D(2024, 5, 1))
    assert doc["company"]["gaps_closed_in_cycle"] == 2 and doc["company"]["open_gaps"] == 0
    await assert_matches_reference(pool, log, T)


async def test_knowledge_sharing_within_thirty_days(pool, log):
    await given(
        log,
        f.hire("e1", "school", D(2023, 1, 1)),
        f.hire("e2", "school", D(2023, 1, 1)),
        f.book("b1", "e1", D(2024, 1, 1), D(2024, 2, 1)),
        f.complete("b1", D(2024, 2, 1)),
        f.share("b1", D(2024, 3, 2), "board_meeting"),  # 30 days later: counts
        f.book("b2", "e2", D(2024, 1, 1), D(2024, 2, 1)),
        f.complete("b2", D(2024, 2, 1)),
        f.share("b2", D(2024, 3, 3)),  # 31 days later: does not
        f.book("b3", "e2", D(2024, 3, 1), D(2024, 3, 10)),
        f.share("b3", D(2024, 3, 9), "department_meeting"),  # before completing: counts
        f.complete("b3", D(2024, 3, 10)),
        f.move("e2", "office", D(2024, 3, 5)),
        f.book("b4", "e1", D(2024, 4, 1), D(2024, 5, 1)),
        f.share("b4", D(2024, 4, 20)),
        f.cancel("b4", D(2024, 4, 25)),
    )
    doc = await kpi_document(pool, T, D(2024, 4, 10))
    assert doc["departments"]["school"]["knowledge_sharing_rate"] == 0.5
    await assert_matches_reference(pool, log, T)


async def test_participation_hours_and_twelve_month_windows(pool, log):
    await given(
        log,
        f.hire("e1", "rd", D(2022, 1, 1)),
        f.hire("e2", "rd", D(2022, 1, 1)),
        f.hire("e3", "rd", D(2024, 6, 1)),  # hired later
        f.book("b1", "e1", D(2023, 1, 1), D(2023, 3, 1), hours=37),
        f.complete("b1", D(2023, 3, 1), hours=30.5),
        f.book("b2", "e1", D(2023, 3, 1), D(2024, 2, 29), hours=7.4),
        f.complete("b2", D(2024, 2, 29)),  # leap day
        f.book("b3", "e2", D(2024, 1, 1), D(2024, 1, 2), hours=0.1),
        f.complete("b3", D(2024, 1, 2), passed=False),
        f.book("b4", "e3", D(2024, 5, 1), D(2024, 5, 20), hours=2),  # before hiring
        f.complete("b4", D(2024, 5, 20)),
        f.meeting(D(2023, 3, 1)),
        f.meeting(D(2024, 2, 29)),
        f.meeting(D(2024, 3, 1)),
        f.manager("e2", "e1"),
        f.check_in("b2", D(2023, 6, 1)),
        f.follow_up("b2", D(2024, 3, 15)),
    )
    doc = await kpi_document(pool, T, D(2024, 2, 29))
    assert doc["company"]["committee_meetings_12m"] == 1  # 2023-03-01 is 365 days back: outside
    assert doc["company"]["training_hours_per_employee_12m"] == (7.4 + 0.1) / 2
    await assert_matches_reference(pool, log, T)


async def test_buddies_only_for_unskilled_and_skilled_in_the_cycle(pool, log):
    await given(
        log,
        f.hire("u", "care", D(2023, 1, 1), family="unskilled"),
        f.hire("s", "care", D(2023, 1, 1), family="skilled"),
        f.hire("p", "care", D(2023, 1, 1), family="professional"),
        f.hire("m", "care", D(2023, 1, 1), family="manager"),
        f.book("b1", "u", D(2024, 2, 1), D(2024, 3, 1), buddies=("s",)),
        f.book("b2", "s", D(2024, 2, 1), D(2024, 3, 1)),
        f.pair("b2", "u", D(2024, 3, 20)),
        f.book("b3", "p", D(2024, 2, 1), D(2024, 3, 1)),
        f.book("b4", "m", D(2024, 2, 1), D(2024, 3, 1)),
        f.book("b5", "u", D(2024, 2, 1), D(2025, 2, 28)),  # last day of the cycle, after the as-of date
        f.book("b6", "s", D(2024, 2, 1), D(2024, 2, 29)),  # the previous cycle
        f.book("b7", "u", D(2024, 5, 1), D(2024, 6, 1)),  # booked after the as-of date
        f.cancel("b5", D(2024, 9, 1)),
    )
    doc = await kpi_document(pool, T, D(2024, 4, 1))
    assert doc["company"]["buddy_share"] == 2 / 3
    await assert_matches_reference(pool, log, T)


async def test_tenants_are_kept_apart(pool, log):
    await given(log, f.hire("e1", "rd", D(2024, 1, 1)), f.strategy(D(2024, 1, 1), month=1), tenant="one")
    await given(log, f.hire("e1", "ops", D(2024, 1, 1)), f.leave("e1", D(2024, 2, 1)), tenant="two")
    one = await kpi_document(pool, "one", D(2024, 6, 1))
    two = await kpi_document(pool, "two", D(2024, 6, 1))
    assert one["company"]["active_employees"] == 1 and list(one["departments"]) == ["rd"]
    assert two["company"]["active_employees"] == 0 and two["departments"] == {}
    assert two["cycle"]["start"] == "2024-03-01"
    nobody = await kpi_document(pool, "nobody", D(2024, 6, 1))
    assert nobody["company"]["active_employees"] == 0 and nobody["company"]["training_hours_per_employee_12m"] == 0
    asked = await kpi_document(pool, "one", D(2024, 6, 1), department="nowhere")
    assert list(asked["departments"]) == ["nowhere"]
    for tenant in ("one", "two"):
        await assert_matches_reference(pool, log, tenant)
