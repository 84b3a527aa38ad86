"""§8 H2: which runs are eligible for an agreement, and in which order they are judged."""

from __future__ import annotations

from datetime import date

import pytest
from plan_facts_samples import END, START, agreement, day, facts, run, staff

from domain.planning.eligibility import RunCatalog, eligible_runs, fits

PEOPLE = staff(("e1", "rd", "skilled"))


@pytest.mark.parametrize(("agreed", "offered", "expected"), [
    ({"title": "Welding"}, {"title": "  wELDING "}, True),
    ({"title": " Welding basics"}, {"title": "Welding"}, False),
    ({"course_code": "40121"}, {"title": "Other", "code": "40121"}, True),
    ({"course_code": "40121"}, {"title": "Welding", "code": "40122"}, False),
    ({"course_code": "40121"}, {"title": "Welding"}, False),  # the code decides, not the title
    ({"gap_competence": "cooling"}, {"title": "Other", "competence": "cooling"}, True),
    ({"gap_competence": "cooling"}, {"title": "Welding", "competence": "welding"}, False),
    ({"gap_competence": "cooling"}, {"title": "Welding"}, False),  # the gap decides, not the title
    ({"course_code": "40121", "gap_competence": "cooling"}, {"title": "x", "competence": "cooling"}, False),
    ({"course_code": " ", "gap_competence": "cooling"}, {"title": "x", "competence": "cooling"}, True),
    ({"course_code": "", "title": "Welding"}, {"title": "welding"}, True),
])
def test_the_course_fits_by_code_else_gap_competence_else_title(
    agreed: dict[str, str], offered: dict[str, str], expected: bool
) -> None:
    title = agreed.pop("title", "Welding")
    assert fits(agreement("a1", "e1", title=title, **agreed), run("r1", 5, **offered)) is expected


def test_a_run_must_lie_within_the_window_and_end_by_the_due_date() -> None:
    runs = (run("before", -1, 3), run("first-day", 0), run("due-day", 20), run("after-due", 20, 2),
            run("last-day", (END - START).days), run("beyond", (END - START).days, 2))
    plan = facts(employees=PEOPLE, runs=runs)
    assert [r.run_id for r in eligible_runs(plan, agreement("a1", "e1", due_by=day(20)))] == ["first-day", "due-day"]
    assert [r.run_id for r in eligible_runs(plan, agreement("a2", "e1"))] == [
        "first-day", "after-due", "due-day", "last-day"]


def test_eligible_runs_come_earliest_first_then_by_run_id_in_code_point_order() -> None:
    runs = (run("b", 3), run("a", 3), run("B", 3), run("Z", 1), run("é", 3))
    plan = facts(employees=PEOPLE, runs=runs)
    assert [r.run_id for r in eligible_runs(plan, agreement("a1", "e1"))] == ["Z", "B", "a", "b", "é"]


def test_the_catalogue_finds_what_the_plain_rule_finds() -> None:
    runs = (run("r1", 1, code="A1"), run("r2", 2, competence="cooling"), run("r3", 3, title=" welding"),
            run("r4", 4, title="Welding", code="A1", competence="cooling"), run("r5", 99))
    plan = facts(employees=PEOPLE, runs=runs)
    catalog = RunCatalog(plan)
    for wanted in (agreement("a1", "e1"), agreement("a2", "e1", course_code="A1"),
                   agreement("a3", "e1", gap_competence="cooling"), agreement("a4", "e1", title="WELDING ",
                                                                               due_by=date(2027, 1, 7))):
        assert catalog.eligible_runs(wanted) == eligible_runs(plan, wanted), wanted
