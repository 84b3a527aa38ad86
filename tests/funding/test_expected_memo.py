"""A VEU amount is computed once per set of the inputs it depends on: courses that differ only in what it does not
read share one result, and every course still gets exactly what its own computation gives — also for hirings and
leavings around the 14 days either side of a course, where the employment condition turns."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from scenarios import courses, people, scenario_rules

from domain.funding import expected
from domain.funding.rules import RuleBook


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    return scenario_rules(tmp_path_factory.mktemp("rules"))


def test_a_remembered_amount_is_the_one_each_course_computes(book: RuleBook) -> None:
    assert book.veu is not None
    rng = random.Random(5)
    made = [c for person in people(rng, 60) for c in courses(rng, person, 4)]
    variants = []
    for c in made:
        variants.append(replace(c, booking_id=c.booking_id + "x", employee_id="other", title="Other", department="x"))
        for shift in (-16, -15, -14, -13, -1, 0, 1):
            variants.append(replace(c, booking_id=f"{c.booking_id}h{shift}",
                                    hired_on=c.starts_on + timedelta(days=shift)))
        for shift in (-1, 0, 1, 13, 14, 15, 16):
            variants.append(replace(c, booking_id=f"{c.booking_id}l{shift}", left_on=c.ends_on + timedelta(days=shift)))
    shared = 0
    for c in rng.sample(made + variants, len(made) + len(variants)):
        remembered = expected.veu_expected(book.veu, c)
        computed = expected._veu_expected(book.veu, c)
        assert remembered == computed, c
        shared += remembered is not computed
    assert shared > len(variants) // 2
    employment = {e.explain[-1]["text"] for e in (expected.veu_expected(book.veu, c) for c in variants)
                  if e.explain[-1]["rule"] == "veu.employment"}
    assert len(employment) >= 2  # the variants do turn the employment condition
