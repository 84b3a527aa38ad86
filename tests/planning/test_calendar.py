"""The calendar of §8 H5: which month kind each day is for a department, and how many may be away."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from plan_facts_samples import ALL_LOW, booking, day, facts, staff

from domain.planning.calendar import Calendar
from domain.planning.facts import AwayShares, Wheel

PEOPLE = staff(*((f"e{i}", "rd", "skilled") for i in range(20)), ("o1", "ops", "skilled"))
JAN_BUSY = tuple(["busy", "normal", "low"] + ["normal"] * 9)


def months(first: str, second: str, third: str) -> tuple[str, ...]:
    return (first, second, third, *["normal"] * 9)


def test_a_day_without_any_wheel_is_normal() -> None:
    calendar = Calendar(facts(employees=PEOPLE, wheels=()))
    assert {calendar.season("rd", d) for d in calendar.days} == {"normal"}


def test_the_department_wheel_in_force_wins_over_the_company_wheel() -> None:
    wheels = (Wheel(None, date(2020, 1, 1), months("low", "low", "low")),
              Wheel("rd", date(2027, 2, 10), months("busy", "busy", "busy")))
    calendar = Calendar(facts(employees=PEOPLE, wheels=wheels))
    assert calendar.season("rd", date(2027, 2, 9)) == "low"  # the department's wheel is not in force yet
    assert calendar.season("rd", date(2027, 2, 10)) == "busy"
    assert calendar.season("ops", date(2027, 2, 10)) == "low"


def test_a_wheel_effective_after_the_first_day_counts_from_its_date() -> None:
    wheels = (Wheel(None, date(2020, 1, 1), ALL_LOW), Wheel(None, date(2027, 3, 1), months("busy", "busy", "busy")))
    calendar = Calendar(facts(employees=PEOPLE, wheels=wheels))
    assert calendar.season("rd", date(2027, 2, 28)) == "low"
    assert calendar.season("rd", date(2027, 3, 1)) == "busy"


def test_of_two_wheels_of_the_same_date_the_one_accepted_last_is_in_force() -> None:
    wheels = (Wheel(None, date(2020, 1, 1), months("busy", "busy", "busy"), order=9),
              Wheel(None, date(2020, 1, 1), months("low", "low", "low"), order=3))
    assert Calendar(facts(employees=PEOPLE, wheels=wheels)).season("rd", day(0)) == "busy"


def test_the_month_of_each_day_decides_its_kind() -> None:
    calendar = Calendar(facts(employees=PEOPLE, wheels=(Wheel(None, date(2020, 1, 1), JAN_BUSY),)))
    assert [calendar.season("rd", d) for d in (date(2027, 1, 31), date(2027, 2, 1), date(2027, 3, 1))] == [
        "busy", "normal", "low"]


@pytest.mark.parametrize(("share", "n", "cap"), [
    ("0.29", 100, 29),  # 0.29 × 100 is 28.999… in binary floating point
    ("0.15", 20, 3),
    ("0.7", 10, 7),
    ("0.05", 19, 0),
    ("1", 20, 20),
    ("0", 20, 0),
])
def test_the_busy_cap_is_floored_in_exact_arithmetic(share: str, n: int, cap: int) -> None:
    people = staff(*((f"e{i}", "rd", "skilled") for i in range(n)))
    shares = AwayShares(Decimal("0.25"), Decimal("0.15"), Decimal(share))
    calendar = Calendar(facts(employees=people, shares=shares, wheels=(Wheel(None, date(2020, 1, 1),
                                                                            months("busy", "busy", "busy")),)))
    assert calendar.cap("rd", day(0)) == cap


@pytest.mark.parametrize(("season", "cap"), [("low", 1), ("normal", 1), ("busy", 0)])
def test_in_low_and_normal_months_the_cap_is_at_least_one(season: str, cap: int) -> None:
    people = staff(("e1", "rd", "skilled"), ("e2", "rd", "skilled"))
    shares = AwayShares(Decimal("0.1"), Decimal("0.1"), Decimal("0.1"))
    wheel = Wheel(None, date(2020, 1, 1), months(season, season, season))
    assert Calendar(facts(employees=people, shares=shares, wheels=(wheel,))).cap("rd", day(0)) == cap


def test_people_away_on_live_bookings_take_room_each_counted_once() -> None:
    bookings = (booking("b1", "e1", 0, 3), booking("b2", "e1", 1, 1), booking("b3", "e2", 2, 1),
                booking("b4", "o1", 0, 5), booking("b5", "gone", 0, 5))
    calendar = Calendar(facts(employees=PEOPLE, bookings=bookings, wheels=(Wheel(None, date(2020, 1, 1), ALL_LOW),)))
    assert calendar.cap("rd", day(0)) == 5  # floor(0.25 × 20)
    assert [calendar.away("rd", day(i)) for i in range(4)] == [1, 1, 2, 0]
    assert [calendar.limit("rd", day(i)) for i in range(4)] == [4, 4, 3, 5]
    assert calendar.limit("ops", day(0)) == 0  # cap 1 (at least one), one away


def test_the_room_never_goes_below_zero() -> None:
    people = staff(("e1", "rd", "skilled"), ("e2", "rd", "skilled"))
    bookings = (booking("b1", "e1", 0), booking("b2", "e2", 0))
    calendar = Calendar(facts(employees=people, bookings=bookings))
    assert calendar.cap("rd", day(0)) == 1 and calendar.away("rd", day(0)) == 2
    assert calendar.limit("rd", day(0)) == 0


def test_a_booking_reaching_outside_the_window_counts_only_inside() -> None:
    bookings = (booking("b1", "e1", -5, 7),)
    calendar = Calendar(facts(employees=PEOPLE, bookings=bookings))
    assert [calendar.away("rd", day(i)) for i in range(3)] == [1, 1, 0]
