"""§8: every plannable agreement left unplanned says why — the first rule that blocks its earliest eligible
run given the other assignments — and says it in Danish and English, naming the run, day and department."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from plan_facts_samples import agreement, booking, day, facts, run, staff

from domain.planning.calendar import Calendar
from domain.planning.explain import Explainer
from domain.planning.facts import AwayShares, Wheel
from domain.planning.plan import Assignment, Why
from services.core.planning import plan_from_facts

TWO = staff(("e1", "rd", "skilled"), ("e2", "rd", "skilled"))


def unplanned(plan_facts, *assignments: Assignment, agreement_id: str = "a1"):  # type: ignore[no-untyped-def]
    wanted = next(a for a in plan_facts.agreements if a.agreement_id == agreement_id)
    return Explainer(plan_facts, Calendar(plan_facts), assignments).explain(wanted)


def test_no_eligible_run() -> None:
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1", title="Excel"),), runs=(run("r1", 3),))
    found = unplanned(situation)
    assert found.why is Why.NO_ELIGIBLE_RUN and found.run_id is None
    assert "Excel" in found.detail["en"] and "Excel" in found.detail["da"]


def test_seats_taken_by_the_plan_and_by_live_bookings_on_the_run() -> None:
    situation = facts(employees=(*TWO, *staff(("e3", "ops", "skilled"))),
                      agreements=(agreement("a1", "e1"), agreement("a2", "e2")),
                      runs=(run("r1", 3, seats=2), run("r2", 9)), bookings=(booking("b1", "e3", 3, 1, run_id="r1"),))
    found = unplanned(situation, Assignment("a2", "e2", "r1"))
    assert (found.why, found.run_id) == (Why.SEATS, "r1")
    assert "2 of 2 seats" in found.detail["en"] and "2 af 2 pladser" in found.detail["da"]


def test_overlap_with_another_assignment_of_the_same_employee() -> None:
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"), agreement("a2", "e1", title="Excel")),
                      runs=(run("r1", 3, 3), run("x1", 4, title="Excel")))
    found = unplanned(situation, Assignment("a2", "e1", "x1"))
    assert (found.why, found.run_id, found.day, found.blocked_by) == (Why.OVERLAP, "r1", day(4), "x1")
    assert day(4).isoformat() in found.detail["en"] and "x1" in found.detail["da"]


def test_overlap_with_a_live_booking() -> None:
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"),), runs=(run("r1", 3, 3), run("r2", 20)),
                      bookings=(booking("b7", "e1", 5, 10),))
    found = unplanned(situation)
    assert (found.why, found.run_id, found.day, found.blocked_by) == (Why.OVERLAP, "r1", day(5), "b7")


def test_seats_are_judged_before_overlap() -> None:
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"),), runs=(run("r1", 3, seats=1),),
                      bookings=(booking("b1", "e1", 3, 1, run_id="r1"),))
    assert unplanned(situation).why is Why.SEATS


def test_capacity_names_the_first_day_and_the_department() -> None:
    busy_from_day_5 = Wheel("rd", day(5), tuple(["busy"] * 12))
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"), agreement("a2", "e2", title="Excel")),
                      runs=(run("r1", 3, 4), run("x1", 0, 10, title="Excel")),
                      wheels=(Wheel(None, date(2020, 1, 1), tuple(["low"] * 12)), busy_from_day_5))
    found = unplanned(situation, Assignment("a2", "e2", "x1"))
    # low days: cap 1 (at least one), taken by e2; the first such day of r1 is its first day
    assert (found.why, found.run_id, found.day, found.department) == (Why.CAPACITY, "r1", day(3), "rd")
    assert "department rd" in found.detail["en"] and "afdeling rd" in found.detail["da"]
    assert day(3).isoformat() in found.detail["en"]


def test_capacity_counts_people_away_on_live_bookings() -> None:
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"),), runs=(run("r1", 3),),
                      bookings=(booking("b1", "e2", 3),))
    found = unplanned(situation)
    assert (found.why, found.day) == (Why.CAPACITY, day(3))
    assert "1 are already away" in found.detail["en"]


def test_only_the_earliest_eligible_run_is_judged() -> None:
    """r1 is full; r2 would be free, but the reason given is about r1."""
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"),),
                      runs=(run("r2", 9), run("r1", 3, seats=1)), bookings=(booking("b1", "e2", 3, 1, run_id="r1"),))
    found = unplanned(situation)
    assert (found.why, found.run_id) == (Why.SEATS, "r1")


def test_not_chosen_when_nothing_blocks_the_earliest_run() -> None:
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1"),), runs=(run("r1", 3),))
    found = unplanned(situation)
    assert (found.why, found.run_id) == (Why.NOT_CHOSEN, "r1")
    assert found.detail["en"] and found.detail["da"]


def test_a_run_worth_nothing_is_not_chosen_by_the_plan() -> None:
    """110 busy days cost 1100 of the 1000 an assignment is worth: the best plan leaves it out."""
    long_run = replace(run("long", 0, 110), ends_on=date(2027, 4, 23))
    situation = facts(employees=TWO, agreements=(agreement("a1", "e1", due_by=date(2027, 12, 31)),), runs=(long_run,),
                      end=date(2027, 12, 31), shares=AwayShares(Decimal(1), Decimal(1), Decimal(1)),
                      wheels=(Wheel(None, date(2020, 1, 1), tuple(["busy"] * 12)),))
    plan = plan_from_facts(situation)
    assert plan.assignments == () and plan.objective == 0 and plan.solution.status == "optimal"
    assert [(u.agreement_id, u.why) for u in plan.unplanned] == [("a1", Why.NOT_CHOSEN)]
