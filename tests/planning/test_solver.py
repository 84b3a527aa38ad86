"""The plan's search (contract §8): the objective it maximises, the status it reports, and that the same facts
give the same plan."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date

from plan_facts_samples import agreement, booking, day, facts, run, staff

from domain.planning.facts import PlanFacts, Wheel
from domain.planning.plan import Why
from services.core.planning import SolverOptions, plan_from_facts

JAN_LOW_FEB_BUSY_MAR_NORMAL = ("low", "busy", "normal", *["normal"] * 9)
WHEEL = (Wheel(None, date(2020, 1, 1), JAN_LOW_FEB_BUSY_MAR_NORMAL),)


def test_a_tenant_without_agreements_gets_an_empty_optimal_plan() -> None:
    plan = plan_from_facts(facts(employees=staff(("e1", "rd", "skilled")), runs=(run("r1", 3),)))
    assert (plan.solution.status, plan.objective, plan.assignments, plan.unplanned) == ("optimal", 0, (), ())


def test_agreements_without_any_candidate_are_all_unplanned_in_an_optimal_plan() -> None:
    plan = plan_from_facts(facts(employees=staff(("e1", "rd", "skilled")), agreements=(agreement("a1", "e1"),)))
    assert (plan.solution.status, plan.objective) == ("optimal", 0)
    assert [u.why for u in plan.unplanned] == [Why.NO_ELIGIBLE_RUN]


def test_each_day_costs_by_its_month_kind() -> None:
    people = staff(*((f"e{i}", "rd", "skilled") for i in range(20)))
    january, february, march = run("jan", 10, 3), run("feb", 30, 3), run("mar", 60, 3)
    for offered, worth in (((january, february, march), 1000), ((february, march), 997), ((february,), 970)):
        plan = plan_from_facts(facts(employees=people, agreements=(agreement("a1", "e1"),), runs=offered,
                                     wheels=WHEEL))
        assert plan.objective == worth, offered


def test_unskilled_colleagues_of_one_department_go_together_for_the_buddy_bonus() -> None:
    people = staff(("e1", "rd", "unskilled"), ("e2", "rd", "skilled"), *((f"x{i}", "rd", "professional")
                                                                        for i in range(8)))
    plan = plan_from_facts(facts(employees=people, agreements=(agreement("a1", "e1"), agreement("a2", "e2")),
                                 runs=(run("r1", 3), run("r2", 10))))
    assert len({a.run_id for a in plan.assignments}) == 1
    assert plan.objective == 2 * 1000 + 2 * 5


def test_the_bonus_goes_only_to_the_unskilled_or_skilled_employee() -> None:
    people = staff(("e1", "rd", "skilled"), ("e2", "rd", "professional"), *((f"x{i}", "rd", "manager")
                                                                           for i in range(8)))
    plan = plan_from_facts(facts(employees=people, agreements=(agreement("a1", "e1"), agreement("a2", "e2")),
                                 runs=(run("r1", 3),)))
    assert plan.objective == 2 * 1000 + 5


def test_colleagues_of_another_department_earn_no_bonus() -> None:
    people = staff(("e1", "rd", "skilled"), ("e2", "ops", "skilled"))
    plan = plan_from_facts(facts(employees=people, agreements=(agreement("a1", "e1"), agreement("a2", "e2")),
                                 runs=(run("r1", 3),)))
    assert plan.objective == 2000


def test_seats_left_after_live_bookings_are_respected() -> None:
    people = staff(*((f"e{i}", "rd", "skilled") for i in range(20)))
    plan = plan_from_facts(facts(
        employees=people, agreements=tuple(agreement(f"a{i}", f"e{i}") for i in range(4)),
        runs=(run("r1", 3, seats=3),), bookings=(booking("b1", "e9", 3, 1, run_id="r1"),)))
    assert len(plan.assignments) == 2
    assert Counter(u.why for u in plan.unplanned) == {Why.SEATS: 2}


def _company(seed: int, agreements: int) -> PlanFacts:
    rng = random.Random(seed)
    people = staff(*((f"e{i}", f"d{i % 4}", rng.choice(["unskilled", "skilled", "professional"]))
                     for i in range(40)))
    runs = tuple(run(f"r{i:03d}", rng.randint(0, 80), rng.randint(1, 4), title=f"T{i % 6}",
                     seats=rng.randint(1, 4)) for i in range(60))
    wanted = tuple(agreement(f"a{i:03d}", f"e{rng.randrange(40)}", title=f"t{rng.randrange(6)}")
                   for i in range(agreements))
    wheel = (Wheel(None, date(2020, 1, 1), tuple(rng.choice(["low", "normal", "busy"]) for _ in range(12))),)
    return facts(employees=people, agreements=wanted, runs=runs, wheels=wheel,
                 bookings=tuple(booking(f"b{i}", f"e{rng.randrange(40)}", rng.randint(0, 80), 2) for i in range(15)))


def test_the_same_facts_in_any_order_give_the_same_plan() -> None:
    situation = _company(7, 60)
    first = plan_from_facts(situation)
    rng = random.Random(1)
    shuffled = replace(situation, **{name: tuple(rng.sample(getattr(situation, name), len(getattr(situation, name))))
                                     for name in ("employees", "agreements", "runs", "bookings")})
    again = plan_from_facts(shuffled)
    assert first.solution.status == again.solution.status == "optimal"
    assert first.assignments == again.assignments
    assert [(u.agreement_id, u.why, u.detail) for u in first.unplanned] == [
        (u.agreement_id, u.why, u.detail) for u in again.unplanned]


def test_a_search_cut_short_reports_feasible_with_a_bound_and_keeps_the_rules() -> None:
    situation = _company(11, 120)  # crowded: 120 agreements of 40 people in three months
    plan = plan_from_facts(situation, SolverOptions(time_limit=0.001))
    assert plan.solution.status == "feasible"
    assert plan.solution.solver_status in ("UNKNOWN", "FEASIBLE")
    assert plan.objective <= plan.solution.bound
    longer = plan_from_facts(situation, SolverOptions(time_limit=3))
    assert plan.objective <= longer.objective <= plan.solution.bound  # every bound holds for every plan
    assert plan.objective <= longer.solution.bound
    runs = {r.run_id: r for r in situation.runs}
    taken = Counter(a.run_id for a in plan.assignments)
    assert all(taken[run_id] <= runs[run_id].seats for run_id in taken)
    assert len({a.agreement_id for a in plan.assignments}) == len(plan.assignments)


def test_the_planned_days_come_from_the_runs_not_from_the_first_day() -> None:
    people = staff(("e1", "rd", "skilled"))
    plan = plan_from_facts(facts(employees=people, agreements=(agreement("a1", "e1"),), runs=(run("r1", 70),)))
    assert [(a.agreement_id, a.run_id) for a in plan.assignments] == [("a1", "r1")]
    assert day(70) == date(2027, 3, 15)
