"""Which runs an agreement may be planned on (contract §8, H2), and what a plan may not break (H3, H4).

A run is eligible for an agreement when it is not withdrawn on the first day (the facts hold no other),
starts on or after the first day, ends on or before both the plan's last day and the agreement's due_by,
and the course fits: the run's code equals the agreement's course_code when it has one; else, when it has a
gap, the run's competence equals the gap's competence; else the titles are equal, compared trimmed and
case-insensitively. A blank course_code counts as none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from domain.planning.facts import Agreement, Booking, PlanFacts, Run, share_days


def fits(agreement: Agreement, run: Run) -> bool:
    code = (agreement.course_code or "").strip()
    if code:
        return run.code == agreement.course_code
    if agreement.gap_competence is not None:
        return run.competence == agreement.gap_competence
    return _title(run.title) == _title(agreement.title)


def _title(title: str) -> str:
    return title.strip().casefold()


def eligible(facts: PlanFacts, agreement: Agreement, run: Run) -> bool:
    return (
        run.starts_on >= facts.start
        and run.ends_on <= min(facts.end, agreement.due_by)
        and fits(agreement, run)
    )


def eligible_runs(facts: PlanFacts, agreement: Agreement) -> list[Run]:
    """The agreement's eligible runs, earliest first (starts_on, then run_id in code-point order)."""
    return sorted((run for run in facts.runs if eligible(facts, agreement, run)), key=run_order)


class RunCatalog:
    """The runs looked up by what an agreement fits on (code, competence, title), for many agreements at once;
    ``eligible_runs`` gives the same answer as the function of that name."""

    def __init__(self, facts: PlanFacts) -> None:
        self.facts = facts
        self._by: dict[tuple[str, str], list[Run]] = {}
        for run in sorted(facts.runs, key=run_order):
            for key in (("code", run.code), ("competence", run.competence), ("title", _title(run.title))):
                if key[1] is not None:
                    self._by.setdefault((key[0], key[1]), []).append(run)

    def eligible_runs(self, agreement: Agreement) -> list[Run]:
        if (agreement.course_code or "").strip():
            key = ("code", agreement.course_code or "")
        elif agreement.gap_competence is not None:
            key = ("competence", agreement.gap_competence)
        else:
            key = ("title", _title(agreement.title))
        return [run for run in self._by.get(key, []) if eligible(self.facts, agreement, run)]


def run_order(run: Run) -> tuple[object, str]:
    return (run.starts_on, run.run_id)


def seats_taken(bookings: Iterable[Booking]) -> Counter[str]:
    """Live bookings per run (H3)."""
    return Counter(booking.run_id for booking in bookings if booking.run_id is not None)


def bookings_by_employee(bookings: Iterable[Booking]) -> dict[str, list[Booking]]:
    found: dict[str, list[Booking]] = {}
    for booking in bookings:
        found.setdefault(booking.employee_id, []).append(booking)
    return found


def clashing_booking(run: Run, bookings: Iterable[Booking]) -> Booking | None:
    """The first of an employee's live bookings that shares a day with the run (H4), if any."""
    clashes = [b for b in bookings if share_days((run.starts_on, run.ends_on), (b.starts_on, b.ends_on))]
    return min(clashes, key=lambda b: (b.starts_on, b.booking_id), default=None)
