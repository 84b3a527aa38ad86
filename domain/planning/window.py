"""A plan's window [from, to] (contract §8): real dates, ``to`` not before ``from``, at most 3 years long."""

from __future__ import annotations

import re
from datetime import date

from domain.rules import MAX_PLAN_YEARS

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadWindow(ValueError):
    """A window that cannot be planned; ``field`` names the culprit (``from`` or ``to``)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


def parse_day(value: object, field: str) -> date:
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise BadWindow(field, f"{field} must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadWindow(field, f"{field} must be a real calendar date, not {value}") from None


def latest_end(start: date) -> date:
    """The last day a window starting on ``start`` may end on: the same date 3 years later (28 February for a
    29 February start)."""
    year = start.year + MAX_PLAN_YEARS
    try:
        return start.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def check_window(start: date, end: date) -> None:
    if end < start:
        raise BadWindow("to", f"to ({end.isoformat()}) must not be before from ({start.isoformat()})")
    if end > latest_end(start):
        raise BadWindow("to", f"the window from {start.isoformat()} to {end.isoformat()} is longer than"
                              f" {MAX_PLAN_YEARS} years: to must be on or before {latest_end(start).isoformat()}")
