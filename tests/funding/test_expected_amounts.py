"""Expected amounts equal an independent calculation from the documented rules, to the øre, on generated
scenarios; and every amount says where it came from."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from reference_funding import fund_reference, veu_reference
from scenarios import courses, people, scenario_rules

from domain.funding.expected import fund_expected, veu_expected
from domain.funding.facts import CourseFacts
from domain.funding.rules import RuleBook


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    return scenario_rules(tmp_path_factory.mktemp("rules"))


@pytest.mark.parametrize("seed", range(12))
def test_expected_amounts_equal_the_independent_calculation(book: RuleBook, seed: int) -> None:
    rng = random.Random(seed)
    assert book.veu is not None
    seen = {"veu": 0, "funds": 0, "unknown": 0}
    for person in people(rng, 40):
        made = courses(rng, person, rng.randint(1, 7))
        veu = {c.booking_id: veu_expected(book.veu, c) for c in made}
        for course in made:
            amount, _ = veu_reference(book.veu, course)
            assert veu[course.booking_id].amount == amount, (course, veu[course.booking_id].explain)
            seen["veu"] += bool(amount)
            seen["unknown"] += amount is None
        for fund in book.funds.values():
            service = fund_expected(fund, made, book.agreements, veu)
            reference = fund_reference(book, fund, made)
            for booking_id, expected in reference.items():
                assert service[booking_id].amount == expected, (fund.scheme, booking_id, service[booking_id].explain)
                seen["funds"] += bool(expected)
    assert seen["veu"] > 2 and seen["funds"] > 5 and seen["unknown"] > 0, seen


def _course(**changes: object) -> CourseFacts:
    base: dict[str, object] = dict(
        booking_id="b-1", employee_id="e-1", department="ops", title="AMU 40121", kind="amu",
        booked_on=date(2023, 3, 1), starts_on=date(2023, 4, 17), ends_on=date(2023, 4, 21), hours=Fraction(37),
        hours_attended=False, cancelled=False, hired_on=date(2015, 1, 1), job_family="skilled")
    base.update(changes)
    return CourseFacts(**base)  # type: ignore[arg-type]


def test_a_full_week_of_amu_in_2023_gives_the_weekly_rate(book: RuleBook) -> None:
    assert book.veu is not None
    expected = veu_expected(book.veu, _course())
    assert expected.amount == Decimal("4555.00")
    rules = [step["rule"] for step in expected.explain]
    assert "veu.rate" in rules and "hours" in rules
    rate = next(step for step in expected.explain if step["rule"] == "veu.rate")
    assert rate["year"] == 2023 and rate["hours"] == "37" and rate["source"].startswith("https://")


def test_veu_counts_at_most_the_usual_weekly_hours(book: RuleBook) -> None:
    assert book.veu is not None
    expected = veu_expected(book.veu, _course(weekly_hours=Fraction(30), starts_on=date(2021, 4, 12),
                                              ends_on=date(2021, 4, 16)))
    assert expected.amount == Decimal("3616.20")  # 30 h × 120.54 kr/h


def test_transport_beyond_24_km_is_added(book: RuleBook) -> None:
    assert book.veu is not None
    expected = veu_expected(book.veu, _course(travel_km=Decimal(84)))
    assert expected.amount == Decimal("4555.00") + Decimal("330.00")  # 5 days × 60 km × 1.10 kr


def test_a_year_whose_rate_is_not_configured_has_no_amount_and_says_so(book: RuleBook) -> None:
    assert book.veu is not None
    expected = veu_expected(book.veu, _course(starts_on=date(2022, 4, 4), ends_on=date(2022, 4, 8)))
    assert expected.amount is None
    assert any("2022 is not configured" in step["text"] for step in expected.explain)


@pytest.mark.parametrize("changes, rule", [
    ({"kind": "private"}, "veu.course_kind"),
    ({"education_level": "long_higher", "higher_last_used_on": date(2020, 1, 1)}, "veu.education"),
    ({"job_family": "professional"}, "veu.education"),
    ({"hired_on": date(2023, 4, 10), "left_on": date(2023, 4, 25)}, "veu.employment"),
    ({"apprentice": True}, "veu.apprentice"),
    ({"public_benefits": True}, "veu.public_benefits"),
    ({"hourly_wage": Decimal(0)}, "veu.wage"),
])
def test_each_veu_condition_refuses_with_its_rule(book: RuleBook, changes: dict[str, object], rule: str) -> None:
    assert book.veu is not None
    expected = veu_expected(book.veu, _course(**changes))
    assert (expected.amount, expected.eligible) == (Decimal("0.00"), False)
    assert expected.explain[-1]["rule"] == rule


def test_a_higher_education_unused_for_five_years_gives_veu(book: RuleBook) -> None:
    assert book.veu is not None
    expected = veu_expected(book.veu, _course(education_level="long_higher", higher_last_used_on=date(2018, 4, 17)))
    assert expected.amount == Decimal("4555.00")
