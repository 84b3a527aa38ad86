"""Generated funding scenarios: employees with several courses each, over years with and without configured
rates, under every shipped agreement and a test fund that uses yearly caps, saved days and hourly top-ups."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from domain.funding.facts import CourseFacts
from domain.funding.rules import RuleBook
from services.core.funding.loader import SHIPPED, load_rules

TEST_FUND = """kind = "fund"
scheme = "test-fund"
name = "Test fund"
sources = ["https://example.org/test-fund"]

[[periods]]
valid_from = 2019-01-01
valid_to = 2021-12-31
seniority_months = 6
days_per_year = 4
saved_days_max = 3
lead_time_days = 10
course_kinds = ["amu", "private", "higher"]
wage_cover_percent = 90
veu_first = true
yearly_cap = 6000
fee_cover_percent = 80
fee_cap = 2500
source = "https://example.org/test-fund/1"

[[periods]]
valid_from = 2022-01-01
valid_to = 2025-12-31
seniority_months = 0
days_per_year = 6
saved_days_max = 6
lead_time_days = 45
course_kinds = ["amu", "vocational"]
hourly_amount = 272.75
hourly_includes_veu = true
yearly_cap = 9000.5
fee_cover_percent = 100
source = "https://example.org/test-fund/2"
"""

TEST_AGREEMENT = """kind = "agreements"

[agreements.test-agreement]
name = "Test agreement"
funds = ["test-fund", "anlaegsgartner"]
"""

AGREEMENTS = [None, "industriens-overenskomst", "tl-arbejdsgiverne", "anlaegsgartnerarbejde", "test-agreement"]
KINDS = ["amu", "amu", "vocational", "higher", "private", "internal"]
LEVELS = [None, None, "primary", "upper_secondary", "vocational", "short_higher", "medium_higher", "long_higher"]
FAMILIES = ["unskilled", "skilled", "professional", "manager"]


def scenario_rules(directory: Path) -> RuleBook:
    (directory / "fund.toml").write_text(TEST_FUND, encoding="utf-8")
    (directory / "agreements.toml").write_text(TEST_AGREEMENT, encoding="utf-8")
    return load_rules([SHIPPED, directory])


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


@dataclass
class Person:
    employee_id: str
    department: str
    job_family: str
    hired_on: date
    left_on: date | None
    level: str | None
    last_used: date | None
    agreement: str | None
    weekly_hours: Fraction
    apprentice: bool
    benefits: bool


def people(rng: random.Random, count: int) -> list[Person]:
    found = []
    for n in range(count):
        hired = date(2017, 1, 1) + timedelta(days=rng.randint(0, 6 * 365))
        left = hired + timedelta(days=rng.randint(30, 3000)) if rng.random() < 0.2 else None
        found.append(Person(
            f"e-{n}", rng.choice(["rd", "ops", "sales"]), rng.choice(FAMILIES), hired, left, rng.choice(LEVELS),
            hired - timedelta(days=rng.randint(0, 4000)) if rng.random() < 0.5 else None, rng.choice(AGREEMENTS),
            Fraction(rng.choice([37, 37, 37, 30, 20, 15.5])), rng.random() < 0.05, rng.random() < 0.05,
        ))
    return found


def courses(rng: random.Random, person: Person, count: int) -> list[CourseFacts]:
    made = []
    for n in range(count):
        starts = date(2019, 6, 1) + timedelta(days=rng.randint(0, 5 * 365))
        ends = starts + timedelta(days=rng.choice([0, 0, 1, 2, 4, 6, 9, 13, 20]))
        booked = starts - timedelta(days=rng.randint(1, 120))
        hours = Fraction(rng.choice([3, 7.4, 14.8, 22.2, 37, 37, 74, 111, 20.5]))
        completed = rng.random() < 0.4
        made.append(CourseFacts(
            booking_id=f"{person.employee_id}-b{n}", employee_id=person.employee_id, department=person.department,
            title=f"Course {n}", kind=rng.choice(KINDS), booked_on=booked, starts_on=starts, ends_on=ends,
            hours=hours * Fraction(rng.choice([1, 1, 3, 4]), 4) if completed else hours, hours_attended=completed,
            cancelled=not completed and rng.random() < 0.15,
            fee=_money(rng, 0, 12000) if rng.random() < 0.7 else None,
            travel_km=Decimal(rng.choice([0, 10, 24, 25, 60, 130.5, 700])) if rng.random() < 0.6 else None,
            hourly_wage=rng.choice([None, Decimal(0), _money(rng, 150, 400), _money(rng, 90, 130)]),
            wage_paid=rng.random() < 0.5,
            hired_on=person.hired_on, left_on=person.left_on, job_family=person.job_family,
            education_level=person.level, higher_last_used_on=person.last_used,
            collective_agreement=person.agreement, weekly_hours=person.weekly_hours,
            apprentice=person.apprentice, public_benefits=person.benefits,
        ))
    return made
