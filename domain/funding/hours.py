"""Course days and the hours that count for wage compensation: a course's hours spread evenly over its days,
at most a full week's hours (and the employee's usual hours) in each calendar week."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction


def course_days(starts_on: date, ends_on: date) -> list[date]:
    """The weekdays from starts_on to ends_on; a course held only on a weekend counts its calendar days."""
    days = [starts_on + timedelta(n) for n in range((ends_on - starts_on).days + 1)]
    weekdays = [day for day in days if day.weekday() < 5]
    return weekdays or days


@dataclass(frozen=True)
class WeekHours:
    week: tuple[int, int]
    days: int
    hours: Fraction
    counted: Fraction


def counted_hours(
    days: list[date], total: Fraction, weekly_cap: Fraction
) -> tuple[dict[date, Fraction], list[WeekHours]]:
    """Per day the hours that count: total / days on each day, scaled down in a week (ISO week) whose hours pass
    ``weekly_cap``."""
    per_day = total / len(days)
    weeks: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day in days:
        iso = day.isocalendar()
        weeks[(iso.year, iso.week)].append(day)
    counted: dict[date, Fraction] = {}
    summary = []
    for week, in_week in sorted(weeks.items()):
        hours = per_day * len(in_week)
        kept = min(hours, weekly_cap)
        for day in in_week:
            counted[day] = per_day * kept / hours if hours else Fraction(0)
        summary.append(WeekHours(week, len(in_week), hours, kept))
    return counted, summary


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where that month is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))
