"""An independent reading of the funding rules as the README documents them, written without the service's
code: walks the course day by day, keeps the days bank and the yearly cap per employee, rounds with Decimal.
Tests compare the service's expected amounts with this one to the øre."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from domain.funding.facts import CourseFacts
from domain.funding.rules import FundRules, RuleBook, VeuRules

PRIMARY_LEVELS = {"unskilled": "primary", "skilled": "vocational"}


def round_ore(value: Fraction) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def plus_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def days_of(course: CourseFacts) -> list[date]:
    all_days = []
    day = course.starts_on
    while day <= course.ends_on:
        all_days.append(day)
        day += timedelta(days=1)
    return [d for d in all_days if d.isoweekday() <= 5] or all_days


def hours_by_day(course: CourseFacts) -> dict[date, Fraction]:
    """Course hours over the course days, then each ISO week down to min(37, usual hours)."""
    days = days_of(course)
    cap = min(Fraction(37), course.weekly_hours)
    result = {}
    for day in days:
        week = [d for d in days if d.isocalendar()[:2] == day.isocalendar()[:2]]
        week_hours = course.hours * len(week) / len(days)
        result[day] = (course.hours / len(days)) * (min(week_hours, cap) / week_hours if week_hours else 0)
    return result


def employed(course: CourseFacts, day: date) -> bool:
    return course.hired_on is not None and course.hired_on <= day and (course.left_on is None or course.left_on > day)


def veu_reference(veu: VeuRules, course: CourseFacts) -> tuple[Decimal | None, Decimal | None]:
    """(amount, wage compensation) for the company; None where a rate is not configured."""
    if course.cancelled or course.kind not in veu.course_kinds:
        return Decimal("0.00"), Decimal("0.00")
    level = course.education_level or PRIMARY_LEVELS.get(course.job_family or "")
    if level is None:
        return Decimal("0.00"), Decimal("0.00")
    if level not in veu.eligible_levels and not (
            course.higher_last_used_on and plus_months(course.higher_last_used_on, 60) <= course.starts_on):
        return Decimal("0.00"), Decimal("0.00")
    around = [course.starts_on - timedelta(days=n) for n in range(1, 15)] + \
             [course.ends_on + timedelta(days=n) for n in range(1, 15)]
    if sum(employed(course, d) for d in around) < 14 or course.apprentice or course.public_benefits:
        return Decimal("0.00"), Decimal("0.00")
    if course.hourly_wage is not None and course.hourly_wage == 0:
        return Decimal("0.00"), Decimal("0.00")
    hours = hours_by_day(course)
    total = Fraction(0)
    for day, h in hours.items():
        year = veu.years.get(day.year)
        if year is None or year.hourly_rate is None:
            return None, None
        total += h * year.hourly_rate
    if course.hourly_wage is not None:
        total = min(total, Fraction(course.hourly_wage) * sum(hours.values()))
    compensation = round_ore(total)
    transport = Fraction(0)
    if course.travel_km is not None and course.travel_km > veu.free_km:
        km = min(Fraction(course.travel_km) - Fraction(veu.free_km), Fraction(veu.max_km_per_day))
        for day in hours:
            year = veu.years.get(day.year)
            if year is None or year.km_rate is None:
                return None, compensation
            transport += km * Fraction(year.km_rate)
    return compensation + round_ore(transport), compensation


def fund_reference(book: RuleBook, fund: FundRules, courses: list[CourseFacts]) -> dict[str, Decimal | None]:
    """One employee's courses, by first day then booking id: each takes what is left of its year's days and cap."""
    used: dict[int, int] = {}
    got: dict[int, Decimal] = {}
    out: dict[str, Decimal | None] = {}
    for course in sorted(courses, key=lambda c: (c.starts_on, c.booking_id)):
        period = next((p for p in fund.periods if p.valid_from <= course.starts_on <= p.valid_to), None)
        if (course.cancelled or period is None or course.kind not in period.course_kinds
                or fund.scheme not in book.agreements.get(course.collective_agreement or "", ())
                or course.hired_on is None
                or plus_months(course.hired_on, period.seniority_months) > course.starts_on):
            out[course.booking_id] = Decimal("0.00")
            continue
        first = plus_months(course.hired_on, period.seniority_months).year
        carried = 0
        year = course.starts_on.year
        for y in range(first, year + 1):
            available = period.days_per_year + min(carried, period.saved_days_max) - used.get(y, 0)
            carried = max(available, 0)
        available = max(available, 0) if year >= first else 0
        n_days = len(days_of(course))
        covered = min(n_days, available)
        used[year] = used.get(year, 0) + covered
        if covered == 0:
            out[course.booking_id] = Decimal("0.00")
            continue
        share = Fraction(covered, n_days)
        hours = sum(hours_by_day(course).values()) * share
        veu_wage = Fraction(0)
        includes_veu = period.veu_first if period.wage_cover_percent is not None else period.hourly_includes_veu
        if includes_veu and book.veu is not None:
            _, compensation = veu_reference(book.veu, course)
            if compensation is None:
                out[course.booking_id] = None
                continue
            veu_wage = Fraction(compensation) * share
        if period.hourly_amount is not None:
            wage = round_ore(max(Fraction(0), hours * Fraction(period.hourly_amount) - veu_wage))
        elif period.wage_cover_percent is not None and course.hourly_wage is not None:
            wage = round_ore(max(Fraction(0), hours * Fraction(course.hourly_wage)
                                 * Fraction(period.wage_cover_percent) / 100 - veu_wage))
        else:
            wage = Decimal("0.00")
        fee = Decimal("0.00")
        if course.fee and period.fee_cover_percent:
            fee_exact = Fraction(course.fee) * Fraction(period.fee_cover_percent) / 100
            fee = round_ore(min(fee_exact, Fraction(period.fee_cap)) if period.fee_cap is not None else fee_exact)
        amount = wage + fee
        if period.yearly_cap is not None:
            amount = min(amount, max(Decimal(0), period.yearly_cap - got.get(year, Decimal(0))))
        got[year] = got.get(year, Decimal(0)) + amount
        out[course.booking_id] = amount.quantize(Decimal("0.01"))
    return out
