"""Course days and the hours that count for wage compensation: a course's hours spread evenly over its days,
at most a full week's hours (and the employee's usual hours) in each calendar week.

Everything here is counted in closed form, never by listing a course's days: a booking may run for thousands of
years (an open-ended course ending on some far date such as 9990-12-31), and its figures take no longer than a
week's. Dates are handled as proleptic Gregorian ordinals (``date.toordinal``), so a week running past the
calendar's last day (9999-12-31 is a Friday) needs no date beyond it.

Date arithmetic that could leave the calendar (a deadline 28 days after a course ending 9999-12-31, a fund's
lead time before 0001-01-05) is clamped to the calendar's first or last day (``shifted``, ``add_months``): such a
date means "never, as far as the calendar goes", and the reads show it as 0001-01-01 or 9999-12-31.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Final

LISTED_WEEKS: Final = 52
"""At most this many capped weeks are named in an explanation; more are counted ("and N more weeks")."""

_FIRST, _LAST = date.min.toordinal(), date.max.toordinal()


def shifted(day: date, days: int) -> date:
    """``day`` moved by ``days`` days, clamped to the calendar (0001-01-01 … 9999-12-31)."""
    return date.fromordinal(min(max(day.toordinal() + days, _FIRST), _LAST))


def _weekdays_before(ordinal: int) -> int:
    """Mon–Fri among the ordinals 1 … ordinal - 1 (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal - 1, 7)
    return weeks * 5 + min(rest, 5)


def _weekdays(first: int, last: int) -> int:
    """Mon–Fri among the ordinals first … last (inclusive)."""
    return 0 if last < first else _weekdays_before(last + 1) - _weekdays_before(first)


def course_day_count(starts_on: date, ends_on: date) -> int:
    """The number of course days: the weekdays from starts_on to ends_on; a course held only on a weekend counts
    its calendar days."""
    weekdays = _weekdays(starts_on.toordinal(), ends_on.toordinal())
    return weekdays or max(0, (ends_on - starts_on).days + 1)


@dataclass(frozen=True)
class CountedHours:
    """The hours that count of one course: in all, per calendar year (years in order), and its course days per
    calendar year; the capped ISO weeks counted, the first ``LISTED_WEEKS`` of them named (year, week)."""

    days: int
    total: Fraction
    by_year: tuple[tuple[int, Fraction], ...]
    days_by_year: tuple[tuple[int, int], ...]
    capped_weeks: int
    capped: tuple[tuple[int, int], ...]


@lru_cache(maxsize=16_384)
def counted_hours(starts_on: date, ends_on: date, total: Fraction, weekly_cap: Fraction) -> CountedHours:
    """Per day the hours that count: total / days on each course day, scaled down in a week (ISO week) whose hours
    pass ``weekly_cap`` (there each day counts kept / the week's days) — summed per calendar year.

    Only the first and the last ISO week can hold fewer than five course days; every week between holds five, so
    each of its days counts the same and a year's share of them is its weekdays between (in closed form).
    A pure function of its arguments, so kept for the course runs many bookings share."""
    first, last = starts_on.toordinal(), ends_on.toordinal()
    weekdays = _weekdays(first, last)
    every_day = weekdays == 0  # a weekend-only course (at most two days): its calendar days count
    days = weekdays or max(0, last - first + 1)
    if days == 0:
        return CountedHours(0, Fraction(0), (), (), 0, ())
    per_day = total / days
    hours: dict[int, Fraction] = defaultdict(Fraction)
    day_count: dict[int, int] = defaultdict(int)
    capped: list[tuple[int, int]] = []
    capped_weeks = 0

    def edge_week(monday: int) -> None:
        nonlocal capped_weeks
        in_week = [d for d in range(max(monday, first), min(monday + 6, last) + 1) if every_day or (d + 6) % 7 < 5]
        if not in_week:
            return
        week_hours = per_day * len(in_week)
        kept = min(week_hours, weekly_cap)
        each = per_day * kept / week_hours if week_hours else Fraction(0)
        for d in in_week:
            year = date.fromordinal(d).year
            hours[year] += each
            day_count[year] += 1
        if kept < week_hours:
            capped_weeks += 1
            if len(capped) < LISTED_WEEKS:
                iso = date.fromordinal(in_week[0]).isocalendar()
                capped.append((iso.year, iso.week))

    first_monday, last_monday = first - (first + 6) % 7, last - (last + 6) % 7
    edge_week(first_monday)
    between = (last_monday - first_monday) // 7 - 1  # whole ISO weeks of five course days
    if between > 0:
        week_hours = per_day * 5
        kept = min(week_hours, weekly_cap)
        each = per_day * kept / week_hours if week_hours else Fraction(0)
        start, end = first_monday + 7, last_monday - 1
        for year in range(date.fromordinal(start).year, date.fromordinal(end).year + 1):
            in_year = _weekdays(max(start, date(year, 1, 1).toordinal()), min(end, date(year, 12, 31).toordinal()))
            if in_year:
                hours[year] += each * in_year
                day_count[year] += in_year
        if kept < week_hours:
            capped_weeks += between
            for n in range(min(between, LISTED_WEEKS - len(capped))):
                iso = date.fromordinal(start + 7 * n).isocalendar()
                capped.append((iso.year, iso.week))
    if last_monday != first_monday:
        edge_week(last_monday)
    by_year = tuple(sorted(hours.items()))
    return CountedHours(days, sum((h for _, h in by_year), Fraction(0)), by_year,
                        tuple(sorted(day_count.items())), capped_weeks, tuple(capped))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where that month is shorter); clamped to the calendar
    (a date past 9999-12-31 is that day, one before 0001-01-01 that day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))

