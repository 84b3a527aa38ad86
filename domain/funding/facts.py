"""What the funding calculations know of one booking on the read's date: the course, its costs, and the
employee's facts in force on the course's first day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

ASSUMED_LEVEL = {"unskilled": "primary", "skilled": "vocational"}
"""An employee without a recorded education level is taken to have this one, by job family (professionals and
managers are not assumed eligible for VEU until their level is recorded)."""


@dataclass(frozen=True)
class CourseFacts:
    booking_id: str
    employee_id: str
    department: str | None
    title: str
    kind: str
    booked_on: date
    starts_on: date
    ends_on: date
    hours: Fraction
    hours_attended: bool
    cancelled: bool
    fee: Decimal | None = None
    travel_km: Decimal | None = None
    hourly_wage: Decimal | None = None
    wage_paid: bool = False
    hired_on: date | None = None
    left_on: date | None = None
    job_family: str | None = None
    education_level: str | None = None
    higher_last_used_on: date | None = None
    collective_agreement: str | None = None
    weekly_hours: Fraction = Fraction(37)
    apprentice: bool = False
    public_benefits: bool = False

    @property
    def level(self) -> tuple[str | None, bool]:
        """The education level and whether it is assumed from the job family."""
        if self.education_level is not None:
            return self.education_level, False
        return ASSUMED_LEVEL.get(self.job_family or ""), True

    def employed_on(self, day: date) -> bool:
        return self.hired_on is not None and self.hired_on <= day and (self.left_on is None or day < self.left_on)
