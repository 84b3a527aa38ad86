"""Each kind of action of CONTRACT.md §7 at its edges, worked out by hand."""

from __future__ import annotations

from datetime import date as D
from typing import Any

import actions_facts as f

from services.core import reads

T = "acme"


async def actions_on(core: Any, day: D, **filters: Any) -> list[dict[str, Any]]:
    return (await reads.actions(core, T, day, **filters))["actions"]


def kinds(actions: list[dict[str, Any]], kind: str) -> list[tuple[str, str]]:
    return [(a["ref"], a["since"]) for a in actions if a["kind"] == kind]


async def test_an_overdue_agreement_from_the_day_after_its_due_date(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        f.agree("a1", "e1", D(2025, 3, 1), due=D(2025, 6, 30)),
        f.book("b1", "e1", D(2025, 3, 2), D(2025, 5, 1), agreement="a1"),
    )
    assert kinds(await actions_on(core, D(2025, 6, 30)), "agreement_overdue") == []
    overdue = await actions_on(core, D(2025, 7, 1))
    assert kinds(overdue, "agreement_overdue") == [("a1", "2025-07-01")]
    action = next(a for a in overdue if a["kind"] == "agreement_overdue")
    assert action["employee_id"] == "e1" and action["department"] == "rd" and action["manager_id"] is None
    assert "Welding" in action["detail"] and "2025-06-30" in action["detail"]
    await given(f.complete("b1", D(2025, 7, 2)))
    assert kinds(await actions_on(core, D(2025, 7, 1)), "agreement_overdue") == [("a1", "2025-07-01")]
    assert kinds(await actions_on(core, D(2025, 7, 2)), "agreement_overdue") == []


async def test_an_unbooked_agreement_from_30_days_after_it_was_agreed(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        f.agree("a1", "e1", D(2025, 3, 1), due=D(2025, 12, 31)),
        f.agree("a2", "e1", D(2025, 3, 1)),  # due at the end of the cycle: 2026-02-28
        f.agree("a3", "e1", D(2025, 3, 1), due=D(2025, 3, 31)),  # overdue instead, never both
    )
    assert kinds(await actions_on(core, D(2025, 3, 30)), "agreement_not_booked") == []
    on_day_30 = await actions_on(core, D(2025, 3, 31))
    assert kinds(on_day_30, "agreement_not_booked") == [("a1", "2025-03-31"), ("a2", "2025-03-31"),
                                                        ("a3", "2025-03-31")]
    later = await actions_on(core, D(2025, 4, 1))
    assert kinds(later, "agreement_not_booked") == [("a1", "2025-03-31"), ("a2", "2025-03-31")]
    assert kinds(later, "agreement_overdue") == [("a3", "2025-04-01")]
    await given(
        f.book("b1", "e1", D(2025, 4, 10), D(2025, 9, 1), agreement="a1"),
        f.book("b2", "e1", D(2025, 4, 10), D(2025, 9, 1), agreement="a2"),
        f.cancel("b2", D(2025, 4, 20)),
        f.withdraw("a3", D(2025, 4, 15)),
    )
    assert kinds(await actions_on(core, D(2025, 4, 9)), "agreement_not_booked") == [("a1", "2025-03-31"),
                                                                                 ("a2", "2025-03-31")]
    assert kinds(await actions_on(core, D(2025, 4, 10)), "agreement_not_booked") == []  # both booked, live
    after = await actions_on(core, D(2025, 4, 20))  # b2 cancelled: a2 has no live booking again
    assert kinds(after, "agreement_not_booked") == [("a2", "2025-03-31")]
    assert kinds(after, "agreement_overdue") == []  # a3 withdrawn


async def test_a_review_is_missing_366_days_after_the_latest_or_90_days_after_hiring(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.hire("e2", "rd", D(2024, 1, 1)),
        f.review("e1", D(2024, 3, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        f.review("e1", D(2026, 6, 1)),  # after the dates asked: does not count
    )
    assert kinds(await actions_on(core, D(2024, 3, 30)), "review_missing") == []
    assert kinds(await actions_on(core, D(2024, 3, 31)), "review_missing") == [("e2", "2024-03-31")]
    assert kinds(await actions_on(core, D(2026, 3, 1)), "review_missing") == [("e2", "2024-03-31")]
    assert kinds(await actions_on(core, D(2026, 3, 2)), "review_missing") == [("e2", "2024-03-31"),
                                                                              ("e1", "2026-03-02")]
    detail = next(a["detail"] for a in await actions_on(core, D(2026, 3, 2)) if a["ref"] == "e1")
    assert "2025-03-01" in detail


async def test_a_follow_up_is_due_until_education_is_agreed_after_the_latest_review(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.hire("e2", "rd", D(2024, 1, 1)),
        f.agree("a0", "e1", D(2025, 2, 28)),  # before the review: does not answer it
        f.review("e1", D(2025, 3, 1), follow_up=D(2025, 4, 1)),
        f.review("e2", D(2025, 3, 1), follow_up=D(2025, 4, 1)),
        f.review("e2", D(2025, 3, 1), item=False),  # equal dates: accepted last, no education item
    )
    assert kinds(await actions_on(core, D(2025, 3, 31)), "follow_up_due") == []
    assert kinds(await actions_on(core, D(2025, 4, 1)), "follow_up_due") == [("e1", "2025-04-01")]
    await given(f.agree("a1", "e1", D(2025, 4, 10)), f.withdraw("a1", D(2025, 4, 11)))
    assert kinds(await actions_on(core, D(2025, 4, 9)), "follow_up_due") == [("e1", "2025-04-01")]
    assert kinds(await actions_on(core, D(2025, 4, 12)), "follow_up_due") == []  # withdrawn or not


async def test_a_check_in_is_missing_on_long_courses_until_14_days_after_they_end(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        f.book("long", "e1", D(2025, 3, 1), D(2025, 5, 5), D(2025, 5, 9)),  # 4 days apart
        f.book("short", "e1", D(2025, 3, 1), D(2025, 5, 5), D(2025, 5, 8)),
        f.book("done", "e1", D(2025, 3, 1), D(2025, 5, 5), D(2025, 5, 12)),
        f.book("met", "e1", D(2025, 3, 1), D(2025, 5, 5), D(2025, 5, 12)),
        f.check_in("met", D(2025, 5, 7)),
        f.complete("done", D(2025, 5, 8)),
    )
    assert kinds(await actions_on(core, D(2025, 5, 4)), "check_in_missing") == []
    assert kinds(await actions_on(core, D(2025, 5, 5)), "check_in_missing") == [
        ("done", "2025-05-05"), ("long", "2025-05-05"), ("met", "2025-05-05")]
    assert kinds(await actions_on(core, D(2025, 5, 8)), "check_in_missing") == [("long", "2025-05-05")]
    assert kinds(await actions_on(core, D(2025, 5, 23)), "check_in_missing") == [("long", "2025-05-05")]
    assert kinds(await actions_on(core, D(2025, 5, 24)), "check_in_missing") == []


async def test_knowledge_sharing_is_missing_from_14_to_30_days_after_a_completion(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        f.book("b1", "e1", D(2025, 3, 1), D(2025, 4, 1)),
        f.complete("b1", D(2025, 4, 1)),
        f.book("b2", "e1", D(2025, 3, 1), D(2025, 4, 1)),
        f.complete("b2", D(2025, 4, 1)),
        f.share("b2", D(2025, 4, 20)),
    )
    assert kinds(await actions_on(core, D(2025, 4, 14)), "sharing_missing") == []
    assert kinds(await actions_on(core, D(2025, 4, 15)), "sharing_missing") == [("b1", "2025-04-15"),
                                                                                ("b2", "2025-04-15")]
    assert kinds(await actions_on(core, D(2025, 4, 20)), "sharing_missing") == [("b1", "2025-04-15")]
    assert kinds(await actions_on(core, D(2025, 5, 1)), "sharing_missing") == [("b1", "2025-04-15")]
    assert kinds(await actions_on(core, D(2025, 5, 2)), "sharing_missing") == []


async def test_a_substitute_is_missing_by_the_wheel_in_force_on_the_start_even_if_defined_for_later(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1), family="professional"),
        f.review("e1", D(2025, 3, 1), item=False),
        f.wheel(D(2020, 1, 1), busy=(6,)),  # the company wheel: June busy
        f.wheel(D(2025, 6, 1), busy=(7,), dept="rd"),  # rd from June on: July busy, June not
        f.book("june", "e1", D(2025, 4, 1), D(2025, 6, 2)),  # rd's wheel in force on starts_on
        f.book("may", "e1", D(2025, 4, 1), D(2025, 5, 30)),  # only the company wheel: May not busy
        f.book("july", "e1", D(2025, 4, 1), D(2025, 7, 1)),
        f.book("covered", "e1", D(2025, 4, 1), D(2025, 7, 2)),
        f.substitute("covered", D(2025, 5, 1)),
    )
    assert kinds(await actions_on(core, D(2025, 5, 1)), "substitute_missing") == []  # July more than 60 days ahead
    assert kinds(await actions_on(core, D(2025, 5, 2)), "substitute_missing") == [("july", "2025-04-01")]
    assert kinds(await actions_on(core, D(2025, 6, 30)), "substitute_missing") == [("july", "2025-04-01")]
    assert kinds(await actions_on(core, D(2025, 7, 1)), "substitute_missing") == []  # started
    await given(f.move("e1", "ops", D(2025, 4, 2)))  # the department on booked_on counts, not the later one
    assert kinds(await actions_on(core, D(2025, 5, 2)), "substitute_missing") == [("july", "2025-04-01")]
    assert {a["department"] for a in await actions_on(core, D(2025, 5, 2))} == {"ops"}


async def test_a_buddy_is_missing_unless_listed_or_paired_by_the_date(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1), family="unskilled"),
        f.hire("e2", "rd", D(2024, 1, 1), family="professional"),
        f.review("e1", D(2025, 3, 1), item=False),
        f.review("e2", D(2025, 3, 1), item=False),
        f.book("alone", "e1", D(2025, 4, 1), D(2025, 6, 1)),
        f.book("listed", "e1", D(2025, 4, 1), D(2025, 6, 1), buddies=("e2",)),
        f.book("paired", "e1", D(2025, 4, 1), D(2025, 6, 1)),
        f.pair("paired", "e2", D(2025, 4, 20)),
        f.book("pro", "e2", D(2025, 4, 1), D(2025, 6, 1)),
        f.book("late", "e1", D(2025, 4, 20), D(2025, 6, 1)),
    )
    assert kinds(await actions_on(core, D(2025, 4, 1)), "buddy_missing") == []  # more than 60 days ahead
    assert kinds(await actions_on(core, D(2025, 4, 2)), "buddy_missing") == [("alone", "2025-04-01"),
                                                                             ("paired", "2025-04-01")]
    assert kinds(await actions_on(core, D(2025, 4, 20)), "buddy_missing") == [("alone", "2025-04-01"),
                                                                              ("late", "2025-04-20")]
    await given(f.cancel("alone", D(2025, 5, 1)))
    assert kinds(await actions_on(core, D(2025, 5, 1)), "buddy_missing") == [("late", "2025-04-20")]
    assert kinds(await actions_on(core, D(2025, 6, 1)), "buddy_missing") == []  # started


async def test_only_active_employees_with_their_manager_and_department_on_the_date(core, given):
    await given(
        f.hire("boss", "hq", D(2020, 1, 1), family="manager"),
        f.hire("chief", "hq", D(2020, 1, 1), family="manager"),
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.manager("e1", "boss"),
        f.manager("e1", "chief", D(2025, 5, 1)),
        f.manager("e1", "boss", D(2025, 5, 1)),  # equal dates: accepted last
        f.manager("e1", "chief", D(2025, 6, 1)),
        f.move("e1", "ops", D(2025, 6, 1)),
        f.agree("a1", "e1", D(2025, 1, 1), due=D(2025, 3, 1)),
        f.leave("e1", D(2025, 7, 1)),
    )
    def overdue(actions: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
        return [(a["ref"], a["manager_id"], a["department"]) for a in actions if a["kind"] == "agreement_overdue"]

    assert overdue(await actions_on(core, D(2025, 5, 31))) == [("a1", "boss", "rd")]
    assert overdue(await actions_on(core, D(2025, 6, 1))) == [("a1", "chief", "ops")]
    assert overdue(await actions_on(core, D(2025, 6, 1), manager="boss")) == []
    assert overdue(await actions_on(core, D(2025, 6, 1), manager="chief", department="ops")) == [("a1", "chief", "ops")]
    assert overdue(await actions_on(core, D(2025, 6, 1), department="rd")) == []
    assert overdue(await actions_on(core, D(2025, 7, 1))) == []  # left


async def test_actions_are_sorted_by_since_kind_and_ref_in_code_point_order(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        *(f.agree(ref, "e1", D(2025, 1, 1), due=D(2025, 3, 1)) for ref in ("b", "a", "Z", "é")),
    )
    refs = [a["ref"] for a in await actions_on(core, D(2025, 6, 1)) if a["kind"] == "agreement_overdue"]
    assert refs == ["Z", "a", "b", "é"]
