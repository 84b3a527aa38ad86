"""The business calendar of the KPIs: education cycles and the windows that end on the as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_CYCLE_START_MONTH = 3
DEFAULT_COMPLETION_TARGET = 0.85


def cycle_containing(day: date, start_month: int) -> tuple[date, date]:
    """The 12-month cycle starting on the 1st of ``start_month`` that contains ``day``."""
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1), date(year + 1, start_month, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Windows:
    """The date ranges one KPI document looks at (all inclusive)."""

    as_of: date
    cycle_start: date
    cycle_end: date
    completion_target: float

    @property
    def year_start(self) -> date:
        """First day of the last 12 months: the 365 days ending on the as-of date."""
        return self.as_of - timedelta(days=364)

    @property
    def sharing_end(self) -> date:
        return self.as_of - timedelta(days=30)

    @property
    def sharing_start(self) -> date:
        return self.sharing_end - timedelta(days=364)


def windows(as_of: date, cycle_start_month: int | None, completion_target: float | None) -> Windows:
    month = DEFAULT_CYCLE_START_MONTH if cycle_start_month is None else cycle_start_month
    start, end = cycle_containing(as_of, month)
    target = DEFAULT_COMPLETION_TARGET if completion_target is None else completion_target
    return Windows(as_of, start, end, target)
