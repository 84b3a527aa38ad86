"""What each scheme can be expected to pay the company for a booking, and why: every amount comes with the
steps that made it (rule, year or period, rate, hours) in ``explain``.

Amounts are exact fractions until each part (wage compensation, transport, wage cover, fee cover) is rounded
half up to the øre; a scheme's amount is the sum of its rounded parts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.funding.facts import CourseFacts
from domain.funding.hours import CountedHours, add_months, counted_hours, course_day_count, shifted
from domain.funding.money import ZERO, kroner, text
from domain.funding.rules import FULL_WEEK_HOURS, VEU_SCHEME, FundPeriod, FundRules, VeuRules

Explain = dict[str, Any]


def step(rule: str, sentence: str, **figures: object) -> Explain:
    shown = {k: (text(v) if isinstance(v, Decimal) else _number(v) if isinstance(v, Fraction) else v)
             for k, v in figures.items()}
    return {"rule": rule, "text": sentence, **shown}


def _number(value: Fraction) -> str:
    """An exact figure for people: integers as such, else 4 decimals (the computation keeps the fraction)."""
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.4f}"


@dataclass(frozen=True)
class Expected:
    scheme: str
    amount: Decimal | None
    eligible: bool
    deadline: date | None
    explain: tuple[Explain, ...]
    wage_compensation: Decimal | None = ZERO
    covered_days: int = 0


def _refused(scheme: str, deadline: date | None, explain: list[Explain]) -> Expected:
    return Expected(scheme, ZERO, False, deadline, tuple(explain))


def _hours(course: CourseFacts, full_week: Decimal) -> tuple[CountedHours, Explain]:
    cap = min(Fraction(full_week), course.weekly_hours)
    counted = counted_hours(course.starts_on, course.ends_on, course.hours, cap)
    source = "hours attended" if course.hours_attended else "hours booked"
    sentence = (f"{_number(course.hours)} {source} spread over {counted.days} course days; at most {_number(cap)} h"
                f" a week (a full week, or the employee's usual hours)")
    if counted.capped_weeks:
        sentence += "; capped in week " + ", ".join(f"{year}-W{week:02d}" for year, week in counted.capped)
        if counted.capped_weeks > len(counted.capped):
            sentence += f" and {counted.capped_weeks - len(counted.capped)} more weeks"
    return counted, step("hours", sentence, hours=course.hours, weekly_cap=cap, counted_hours=counted.total)


class _Memo:
    """Expected amounts already computed under one set of rules, by the inputs they depend on: a course run booked
    by many employees of the same terms is computed once, and again only when a booking's own facts change (a
    read on another date finds the same inputs). A course's facts asked again as the same object (kept between
    reads by the funding read) are found by identity, without making their key again. Bounded: emptied when full;
    a new set of rules starts anew."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.rules: object = None
        self.found: dict[Hashable, Expected] = {}
        self.seen: dict[int, tuple[object, Expected]] = {}

    def get(self, rules: object, subject: object, key: Callable[[], Hashable], compute: Callable[[], Expected]
            ) -> Expected:
        if rules is not self.rules:
            self.rules, self.found, self.seen = rules, {}, {}
        seen = self.seen.get(id(subject))
        if seen is not None and seen[0] is subject:  # the pair holds the subject: its id is not reused meanwhile
            return seen[1]
        inputs = key()
        found = self.found.get(inputs)
        if found is None:
            if len(self.found) >= self.size:
                self.found = {}
            found = self.found[inputs] = compute()
        if len(self.seen) >= self.size:
            self.seen = {}
        self.seen[id(subject)] = (subject, found)
        return found


_VEU_MEMO = _Memo(20_000)  # ≈ 1.8 kB a result: at most ≈ 36 MB


def _veu_inputs(course: CourseFacts) -> Hashable:
    """Everything ``veu_expected`` reads of a course (not the booking's or the employee's id, title or department;
    a hiring 14 days or more before the course, or a leaving more than 14 days after it, is the same as any other
    such: only employment in the 14 days either side counts)."""
    start, end = course.starts_on.toordinal(), course.ends_on.toordinal()
    hired = course.hired_on
    if hired is not None and hired.toordinal() <= start - 14:
        hired = date.min
    left = course.left_on
    if left is not None and left.toordinal() > end + 14:
        left = None
    hours, weekly = course.hours, course.weekly_hours  # as integer pairs: a fraction's hash is slow to compute
    return (course.starts_on, course.ends_on, course.cancelled, course.kind, course.education_level,
            course.job_family, course.higher_last_used_on, hired, left, course.apprentice, course.public_benefits,
            course.hourly_wage, weekly.numerator, weekly.denominator, hours.numerator, hours.denominator,
            course.hours_attended, course.travel_km)


def veu_expected(veu: VeuRules, course: CourseFacts) -> Expected:
    """VEU wage compensation and transport allowance, paid to the company when it pays the wage (computed once per
    set of the inputs it depends on, ``_veu_inputs``)."""
    return _VEU_MEMO.get(veu, course, lambda: _veu_inputs(course), lambda: _veu_expected(veu, course))


def _veu_expected(veu: VeuRules, course: CourseFacts) -> Expected:
    deadline = shifted(course.ends_on, veu.deadline_days_after_end)
    explain = [step("veu.deadline", f"applied for at enrolment; the claim lapses {veu.deadline_days_after_end}"
                    f" days after the course ends ({deadline.isoformat()})")]
    if course.cancelled:
        return _refused(VEU_SCHEME, deadline, [*explain, step("booking", "the booking is cancelled")])
    refusal = _veu_refusal(veu, course)
    if refusal is not None:
        return _refused(VEU_SCHEME, deadline, [*explain, refusal])
    level, assumed = course.level
    explain.append(step("veu.education", f"education level {level}" + (
        f" (assumed for a {course.job_family} employee; none recorded)" if assumed else "")))
    counted, hours_step = _hours(course, veu.full_week_hours)
    explain.append(hours_step)
    exact = Fraction(0)
    for year, hours in counted.by_year:
        rates = veu.years.get(year)
        if rates is None or rates.hourly_rate is None:
            explain.append(step("veu.rate", f"the VEU rate for {year} is not configured", year=year))
            return Expected(VEU_SCHEME, None, True, deadline, tuple(explain), wage_compensation=None)
        exact += hours * rates.hourly_rate
        explain.append(step("veu.rate", f"{_number(hours)} h in {year} at {rates.rate_text}", year=year,
                            hours=hours, rate=rates.hourly_rate, source=rates.source))
    wage_limit = None if course.hourly_wage is None else Fraction(course.hourly_wage) * counted.total
    if wage_limit is not None and exact > wage_limit:
        exact = wage_limit
        explain.append(step("veu.wage_cap", "at most the wage paid for those hours", hourly_wage=course.hourly_wage))
    compensation = kroner(exact)
    explain.append(step("veu.compensation", "wage compensation", amount=compensation))
    transport = _transport(veu, course, counted, explain)
    if transport is None:
        return Expected(VEU_SCHEME, None, True, deadline, tuple(explain), wage_compensation=compensation)
    amount = compensation + transport
    explain.append(step("veu.total", "wage compensation plus transport allowance", amount=amount))
    return Expected(VEU_SCHEME, amount, True, deadline, tuple(explain), wage_compensation=compensation)


def _veu_refusal(veu: VeuRules, course: CourseFacts) -> Explain | None:
    """The first VEU condition the course or the employee fails, as an explanation; None when all hold."""
    if course.kind not in veu.course_kinds:
        kinds = ", ".join(sorted(veu.course_kinds))
        return step("veu.course_kind", f"a {course.kind} course gives no VEU (only {kinds})")
    level, _ = course.level
    if level is None:
        return step("veu.education", "no education level recorded (and none assumed for this job family)")
    if level not in veu.eligible_levels:
        last_used = course.higher_last_used_on
        unused = last_used is not None and add_months(last_used, 12 * veu.higher_unused_years) <= course.starts_on
        if not unused:
            return step("veu.education", f"a {level} education used within the last {veu.higher_unused_years} years"
                        " gives no VEU")
    before = _employed_days(course, course.starts_on, -14)
    after = _employed_days(course, course.ends_on, 14)
    if before + after < veu.employment_days:
        return step("veu.employment", f"employed {before} of the 14 days before and {after} of the 14 days after the"
                    f" course; {veu.employment_days} are needed")
    if course.apprentice:
        return step("veu.apprentice", "an apprentice (uddannelsesaftale) gets no VEU")
    if course.public_benefits:
        return step("veu.public_benefits", "an employee on public benefits or wage subsidy gets no VEU")
    if course.hourly_wage is not None and course.hourly_wage == 0:
        return step("veu.wage", "the company pays no wage during the course, so VEU goes to the employee")
    return None


def _employed_days(course: CourseFacts, day: date, days: int) -> int:
    """Of the ``abs(days)`` days before (``days`` < 0) or after ``day``, those the employee is employed on; days before
    0001-01-01 or after 9999-12-31 count as the calendar's first or last day."""
    step_ = 1 if days > 0 else -1
    first, last = sorted((day.toordinal() + step_, day.toordinal() + days))
    if first < _FIRST_DAY or last > _LAST_DAY:
        return sum(course.employed_on(shifted(day, n)) for n in range(step_, days + step_, step_))
    if course.hired_on is None:
        return 0
    until = last if course.left_on is None else min(last, course.left_on.toordinal() - 1)
    return max(0, until - max(first, course.hired_on.toordinal()) + 1)


_FIRST_DAY, _LAST_DAY = date.min.toordinal(), date.max.toordinal()


def _transport(veu: VeuRules, course: CourseFacts, counted: CountedHours, explain: list[Explain]) -> Decimal | None:
    if course.travel_km is None or course.travel_km <= veu.free_km:
        explain.append(step("veu.transport", f"no transport allowance (a round trip of at most {veu.free_km} km,"
                            " or none recorded)"))
        return ZERO
    per_day = min(Fraction(course.travel_km - veu.free_km), Fraction(veu.max_km_per_day))
    exact = Fraction(0)
    for year, days in counted.days_by_year:
        rates = veu.years.get(year)
        if rates is None or rates.km_rate is None:
            explain.append(step("veu.transport", f"the transport rate for {year} is not configured", year=year))
            return None
        exact += per_day * days * Fraction(rates.km_rate)
        explain.append(step("veu.transport", f"{days} days × {_number(per_day)} km beyond {veu.free_km} km"
                            f" at {rates.km_rate} kr/km ({year})", year=year, days=days, km=per_day,
                            rate=rates.km_rate))
    transport = kroner(exact)
    explain.append(step("veu.transport_total", "transport allowance", amount=transport))
    return transport


def fund_expected(fund: FundRules, courses: Iterable[CourseFacts], agreements: Mapping[str, tuple[str, ...]],
                  veu: Mapping[str, Expected]) -> dict[str, Expected]:
    """One fund's expected amount for each of one employee's courses, in order of their first day: the days the
    employee has left and the yearly cap are used up by earlier courses."""
    used_days: dict[int, int] = {}
    paid_in_year: dict[int, Decimal] = {}
    results = {}
    for course in sorted(courses, key=lambda c: (c.starts_on, c.booking_id)):
        results[course.booking_id] = _fund_course(fund, course, agreements, veu.get(course.booking_id),
                                                  used_days, paid_in_year)
    return results


def _fund_refusal(fund: FundRules, course: CourseFacts, agreements: Mapping[str, tuple[str, ...]],
                  period: FundPeriod | None) -> Explain | None:
    agreement = course.collective_agreement
    if agreement is None or fund.scheme not in agreements.get(agreement, ()):
        return step("fund.agreement", f"the employee's collective agreement ({agreement or 'none recorded'}) does not"
                    f" pay into {fund.name}")
    if period is None:
        return step("fund.period", f"{fund.name} has no rules for {course.starts_on.isoformat()}")
    if course.kind not in period.course_kinds:
        return step("fund.course_kind", f"{fund.name} does not support {course.kind} courses", period=period.label())
    if course.hired_on is None or add_months(course.hired_on, period.seniority_months) > course.starts_on:
        return step("fund.seniority", f"{period.seniority_months} months of seniority are needed by the course's start",
                    period=period.label())
    return None


def _fund_course(fund: FundRules, course: CourseFacts, agreements: Mapping[str, tuple[str, ...]],
                 veu: Expected | None, used_days: dict[int, int], paid_in_year: dict[int, Decimal]) -> Expected:
    period = fund.period_on(course.starts_on)
    deadline = shifted(course.starts_on, -period.lead_time_days) if period else None
    explain: list[Explain] = []
    if period is not None:
        explain.append(step("fund.deadline", f"apply at least {period.lead_time_days} days before the course starts"
                            f" (by {deadline.isoformat() if deadline else ''})", period=period.label()))
    if course.cancelled:
        return _refused(fund.scheme, deadline, [*explain, step("booking", "the booking is cancelled")])
    refusal = _fund_refusal(fund, course, agreements, period)
    if refusal is not None or period is None:
        return _refused(fund.scheme, deadline, [*explain, *([refusal] if refusal else [])])
    year = course.starts_on.year
    assert course.hired_on is not None
    available = _days_available(period, add_months(course.hired_on, period.seniority_months).year, year, used_days)
    days = course_day_count(course.starts_on, course.ends_on)
    covered = min(days, available)
    used_days[year] = used_days.get(year, 0) + covered
    explain.append(step("fund.days", f"{covered} of {days} course days covered ({available} days left in {year}:"
                        f" {period.days_per_year} a year, up to {period.saved_days_max} saved)",
                        days=days, covered_days=covered, period=period.label()))
    if covered == 0:
        return Expected(fund.scheme, ZERO, False, deadline, tuple(explain))
    share = Fraction(covered, days)
    wage = _wage_cover(fund, period, course, veu, share, explain)
    if wage is None:
        return Expected(fund.scheme, None, True, deadline, tuple(explain), covered_days=covered)
    fee = _fee_cover(period, course, explain)
    amount = wage + fee
    if period.yearly_cap is not None:
        room = max(ZERO, period.yearly_cap - paid_in_year.get(year, ZERO))
        if amount > room:
            amount = room
            explain.append(step("fund.yearly_cap", f"at most {period.yearly_cap} kr a person in {year}; {room} kr left",
                                cap=period.yearly_cap, amount=room))
    paid_in_year[year] = paid_in_year.get(year, ZERO) + amount
    explain.append(step("fund.total", f"{fund.name} in all", amount=amount))
    return Expected(fund.scheme, amount, True, deadline, tuple(explain), covered_days=covered)


def _days_available(period: FundPeriod, first_year: int, year: int, used_days: Mapping[int, int]) -> int:
    """Days left in ``year``: each year from the one seniority is reached brings days_per_year, and up to
    saved_days_max unused days carry over from the year before."""
    leftover = 0
    for earlier in range(first_year, year):
        leftover = max(0, period.days_per_year + min(period.saved_days_max, leftover) - used_days.get(earlier, 0))
    if year < first_year:
        return 0
    return max(0, period.days_per_year + min(period.saved_days_max, leftover) - used_days.get(year, 0))


def _wage_cover(fund: FundRules, period: FundPeriod, course: CourseFacts, veu: Expected | None, share: Fraction,
                explain: list[Explain]) -> Decimal | None:
    counted, hours_step = _hours(course, FULL_WEEK_HOURS)
    hours = counted.total * share
    explain.append(hours_step)
    veu_part = Fraction(0)
    tops_up = period.veu_first if period.wage_cover_percent is not None else period.hourly_includes_veu
    if tops_up:
        compensation = veu.wage_compensation if veu is not None else ZERO
        if compensation is None:
            explain.append(step("fund.veu_first", "the VEU amount it tops up is not known (VEU rate not configured)"))
            return None
        veu_part = Fraction(compensation) * share
        explain.append(step("fund.veu_first", "VEU is claimed first; the fund pays what is left", veu=kroner(veu_part)))
    if period.hourly_amount is not None:
        exact = hours * Fraction(period.hourly_amount) - veu_part
        sentence = (f"{_number(hours)} h at {period.hourly_amount} kr/h"
                    + (" in all, VEU included" if tops_up else " on top of VEU"))
    elif period.wage_cover_percent is not None:
        if course.hourly_wage is None:
            explain.append(step("fund.wage", "no wage recorded for the course: the wage cover is not estimated"))
            return ZERO
        exact = hours * Fraction(course.hourly_wage) * Fraction(period.wage_cover_percent) / 100 - veu_part
        sentence = f"{period.wage_cover_percent} % of {course.hourly_wage} kr/h for {_number(hours)} h"
    else:
        return ZERO
    wage = kroner(max(exact, Fraction(0)))
    explain.append(step("fund.wage", sentence, hours=hours, amount=wage, period=period.label()))
    return wage


def _fee_cover(period: FundPeriod, course: CourseFacts, explain: list[Explain]) -> Decimal:
    if not course.fee or not period.fee_cover_percent:
        return ZERO
    exact = Fraction(course.fee) * Fraction(period.fee_cover_percent) / 100
    if period.fee_cap is not None:
        exact = min(exact, Fraction(period.fee_cap))
    fee = kroner(exact)
    explain.append(step("fund.fee", f"{period.fee_cover_percent} % of the fee of {course.fee} kr"
                        + (f", at most {period.fee_cap} kr" if period.fee_cap is not None else ""), amount=fee))
    return fee
