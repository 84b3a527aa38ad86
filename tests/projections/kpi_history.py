"""A random but valid history of one tenant: every message one the contract's rules would accept.

Dates are drawn loosely (a completion may even precede its start), so the KPI definitions are tested
on their words, not on tidy data; equal dates are drawn on purpose to exercise "accepted last".
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import kpi_facts as f

START = date(2023, 1, 1)
DAYS = 3 * 365


class History:
    def __init__(self, rng: random.Random, departments: int = 4) -> None:
        self.rng = rng
        self.departments = [f"dept-{i}" for i in range(departments)]
        self.facts: list[f.Fact] = []
        self.used_dates: list[date] = [START]
        self.employees: list[str] = []
        self.left: set[str] = set()
        self.hired: dict[str, date] = {}
        self.agreements: list[str] = []
        self.withdrawn: set[str] = set()
        self.bookings: dict[str, dict] = {}
        self.gaps: dict[str, tuple[str, str]] = {}
        self.open_gaps: set[str] = set()

    def day(self, near: date | None = None, spread: int = 120) -> date:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(self.used_dates)  # an equal date on purpose
        if near is None:
            chosen = START + timedelta(days=rng.randrange(DAYS))
        else:
            chosen = near + timedelta(days=rng.randint(-spread // 6, spread))
        self.used_dates.append(chosen)
        return chosen

    def active(self) -> list[str]:
        return [e for e in self.employees if e not in self.left]

    def open_bookings(self) -> list[str]:
        return [b for b, s in self.bookings.items() if not s["done"] and not s["cancelled"]]

    def step(self) -> None:
        rng = self.rng
        kinds = ["hire"] * 6 + ["review"] * 4 + ["agree"] * 4 + ["book"] * 6 + ["complete"] * 5
        kinds += ["move", "leave", "assess", "gap", "close", "withdraw", "cancel", "pair", "substitute"]
        kinds += ["share"] * 2 + ["strategy", "wheel", "meeting", "checkin"] + ["manage"] * 3
        getattr(self, "_" + rng.choice(kinds))()

    def add(self, fact: f.Fact) -> None:
        self.facts.append(fact)

    def _hire(self) -> None:
        emp = f"e{len(self.employees)}"
        on = self.day()
        family = self.rng.choice(["unskilled", "skilled", "professional", "manager"])
        self.employees.append(emp)
        self.hired[emp] = on
        self.add(f.hire(emp, self.rng.choice(self.departments), on, family))

    def _move(self) -> None:
        if self.active():
            emp = self.rng.choice(self.active())
            self.add(f.move(emp, self.rng.choice(self.departments), self.day(self.hired[emp], 500)))

    def _leave(self) -> None:
        if self.active():
            emp = self.rng.choice(self.active())
            self.left.add(emp)
            self.add(f.leave(emp, self.day(self.hired[emp], 700)))

    def _manage(self) -> None:
        if len(self.employees) > 1:
            emp, boss = self.rng.sample(self.employees, 2)
            on = None if self.rng.random() < 0.3 else self.day(self.hired[emp], 400)
            self.add(f.manager(emp, boss, on))

    def _review(self) -> None:
        if self.employees:
            emp = self.rng.choice(self.employees)
            self.add(f.review(emp, self.day(), self.rng.random() < 0.6))

    def _assess(self) -> None:
        if self.employees:
            emp = self.rng.choice(self.employees)
            self.add(f.assess(emp, self.rng.choice(["cad", "weld"]), self.rng.randint(1, 5), self.day()))

    def _gap(self) -> None:
        if self.employees:
            gap_id = f"g{len(self.gaps)}"
            emp = self.rng.choice(self.employees)
            competence = self.rng.choice(["cad", "weld"])
            current = self.rng.randint(0, 3)
            self.gaps[gap_id] = (emp, competence)
            self.open_gaps.add(gap_id)
            target = self.rng.randint(current + 1, 5)
            self.add(f.gap(gap_id, emp, competence, self.day(), current, target))

    def _close(self) -> None:
        if self.open_gaps:
            gap_id = self.rng.choice(sorted(self.open_gaps))
            self.open_gaps.discard(gap_id)
            self.add(f.close_gap(gap_id, self.day()))

    def _agree(self) -> None:
        if self.active():
            agreement = f"a{len(self.agreements)}"
            self.agreements.append(agreement)
            on = self.day()
            due = self.day(on, 400) if self.rng.random() < 0.4 else None
            self.add(f.agree(agreement, self.rng.choice(self.active()), on, due))

    def _withdraw(self) -> None:
        candidates = [a for a in self.agreements if a not in self.withdrawn]
        if candidates:
            agreement = self.rng.choice(candidates)
            self.withdrawn.add(agreement)
            self.add(f.withdraw(agreement, self.day()))

    def _book(self) -> None:
        if not self.active():
            return
        booking = f"b{len(self.bookings)}"
        on = self.day()
        starts = self.day(on, 200)
        agreement = self.rng.choice(self.agreements) if self.agreements and self.rng.random() < 0.6 else None
        buddies = tuple(self.rng.sample(self.employees, 1)) if self.rng.random() < 0.3 else ()
        self.bookings[booking] = {"starts": starts, "done": None, "cancelled": False}
        emp = self.rng.choice(self.active())
        hours = self.rng.choice([3, 7.4, 7.5, 22.2, 37])
        self.add(f.book(booking, emp, on, starts, hours=hours, agreement=agreement, buddies=buddies))

    def _complete(self) -> None:
        if self.open_bookings():
            booking = self.rng.choice(self.open_bookings())
            on = self.day(self.bookings[booking]["starts"], 150)
            self.bookings[booking]["done"] = on
            hours = self.rng.choice([None, None, 1.5, 6])
            self.add(f.complete(booking, on, hours, passed=self.rng.random() < 0.8))

    def _cancel(self) -> None:
        if self.open_bookings():
            booking = self.rng.choice(self.open_bookings())
            self.bookings[booking]["cancelled"] = True
            self.add(f.cancel(booking, self.day(self.bookings[booking]["starts"], 60)))

    def _pair(self) -> None:
        if self.open_bookings() and self.employees:
            booking = self.rng.choice(self.open_bookings())
            self.add(f.pair(booking, self.rng.choice(self.employees), self.day(self.bookings[booking]["starts"])))

    def _substitute(self) -> None:
        if self.open_bookings():
            booking = self.rng.choice(self.open_bookings())
            self.add(f.substitute(booking, self.day(self.bookings[booking]["starts"])))

    def _checkin(self) -> None:
        if self.open_bookings():
            booking = self.rng.choice(self.open_bookings())
            self.add(f.check_in(booking, self.day(self.bookings[booking]["starts"])))

    def _share(self) -> None:
        candidates = [b for b, s in self.bookings.items() if not s["cancelled"]]
        if candidates:
            booking = self.rng.choice(candidates)
            near = self.bookings[booking]["done"] or self.bookings[booking]["starts"]
            self.add(f.share(booking, self.day(near, 45), self.rng.choice(["peer", "board_meeting"])))

    def _strategy(self) -> None:
        month = self.rng.randint(1, 12)
        self.add(f.strategy(self.day(), month, self.rng.choice([0.5, 0.85, 1.0])))

    def _wheel(self) -> None:
        scope = self.rng.choice([None, *self.departments])
        busy = tuple(m for m in range(1, 13) if self.rng.random() < 0.3)
        self.add(f.wheel(self.day(), busy, scope))

    def _meeting(self) -> None:
        self.add(f.meeting(self.day()))


def random_history(seed: int, events: int = 250, departments: int = 4) -> list[f.Fact]:
    history = History(random.Random(seed), departments)
    while len(history.facts) < events:
        history.step()
    return history.facts


def sample_dates(seed: int, count: int = 12) -> list[date]:
    rng = random.Random(seed * 7919 + 1)
    return sorted({START + timedelta(days=rng.randrange(DAYS + 200)) for _ in range(count)})
