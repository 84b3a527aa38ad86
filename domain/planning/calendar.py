"""The plan's calendar: the month kind of every day for each department, and how many of its people may be
away on courses that day (contract §8, H5).

A department's day is `low`, `normal` or `busy` by the wheel that applies: the department's wheel in force
on that day, else the company wheel in force on that day, else `normal`. A wheel is a plan, so every
definition known counts, also one whose effective_from lies after the plan's first day. The cap is
floor(share × n) in exact decimal arithmetic (n: the department's active employees on the first day), at
least 1 in low and normal months; the employees already away on live bookings that day are taken off it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from domain.planning.facts import PlanFacts, Wheel
from domain.rules import SEASON_WITHOUT_WHEEL, SEASONS, SEASONS_WITH_ROOM


class Calendar:
    def __init__(self, facts: PlanFacts) -> None:
        self.facts = facts
        self.days = facts.days
        self._index = {day: i for i, day in enumerate(self.days)}
        self.headcount: dict[str, int] = defaultdict(int)
        for employee in facts.employees:
            self.headcount[employee.department] += 1
        self._away = self._away_days(facts)
        self._seasons: dict[str, list[str]] = {}
        self._caps: dict[str, list[int]] = {}
        self._limits: dict[str, list[int]] = {}

    def index(self, day: date) -> int:
        """The day's offset from the plan's first day."""
        return self._index[day]

    def season(self, department: str, day: date) -> str:
        return self.seasons(department)[self._index[day]]

    def cap(self, department: str, day: date) -> int:
        return self.caps(department)[self._index[day]]

    def away(self, department: str, day: date) -> int:
        """Employees of the department (active on the first day) away that day on live bookings."""
        return self._away[department][self._index[day]]

    def limit(self, department: str, day: date) -> int:
        """How many more of the department may be planned away that day."""
        return self.limits(department)[self._index[day]]

    def seasons(self, department: str) -> list[str]:
        """The month kind of every day of the window, for the department."""
        if department not in self._seasons:
            self._seasons[department] = self._season_days(self.facts.wheels, department)
        return self._seasons[department]

    def caps(self, department: str) -> list[int]:
        if department not in self._caps:
            n = self.headcount.get(department, 0)
            shares = {season: self.facts.shares.of(season) for season in SEASONS}
            floors = {season: math.floor(share * n) for season, share in shares.items()}
            least = {season: max(cap, 1) if season in SEASONS_WITH_ROOM else cap for season, cap in floors.items()}
            self._caps[department] = [least[season] for season in self.seasons(department)]
        return self._caps[department]

    def limits(self, department: str) -> list[int]:
        """Per day of the window: how many more of the department may be planned away."""
        if department not in self._limits:
            away = self._away[department]
            self._limits[department] = [max(0, cap - away[i]) for i, cap in enumerate(self.caps(department))]
        return self._limits[department]

    def _season_days(self, wheels: Iterable[Wheel], department: str) -> list[str]:
        own = _in_force(self.days, [w for w in wheels if w.department == department])
        company = _in_force(self.days, [w for w in wheels if w.department is None])
        seasons = []
        for day, wheel in zip(self.days, (o or c for o, c in zip(own, company, strict=True)), strict=True):
            seasons.append(wheel.months[day.month - 1] if wheel else SEASON_WITHOUT_WHEEL)
        return seasons

    def _away_days(self, facts: PlanFacts) -> dict[str, list[int]]:
        away: dict[str, list[set[str]]] = defaultdict(lambda: [set() for _ in self.days])
        for booking in facts.bookings:
            employee = facts.employee_by_id.get(booking.employee_id)
            if employee is None:
                continue
            first, last = max(booking.starts_on, facts.start), min(booking.ends_on, facts.end)
            for offset in range(self._index[first], self._index[last] + 1) if first <= last else ():
                away[employee.department][offset].add(employee.employee_id)
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(self.days))
        counts.update({department: [len(people) for people in days] for department, days in away.items()})
        return counts


def _in_force(days: list[date], wheels: list[Wheel]) -> list[Wheel | None]:
    """Per day, the definition in force: the latest effective_from on or before it, equal dates: the later one."""
    ordered = sorted(wheels, key=lambda w: (w.effective_from, w.order))
    found: list[Wheel | None] = []
    current: Wheel | None = None
    position = 0
    for day in days:
        while position < len(ordered) and ordered[position].effective_from <= day:
            current = ordered[position]
            position += 1
        found.append(current)
    return found
