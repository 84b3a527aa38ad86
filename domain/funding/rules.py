"""The funding rules as data: VEU by calendar year, each competence fund by periods of validity, and which
collective agreement pays into which fund. Loaded from files and checked by the application core; here they
are plain values the calculations read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

VEU_SCHEME = "veu"

FULL_WEEK_HOURS = Decimal(37)
"""The hours of a full working week: VEU and the funds count at most these a week (fewer when the employee's
usual hours are fewer)."""


@dataclass(frozen=True)
class VeuYear:
    """One calendar year of VEU: the hourly rate (exact; a weekly rate is divided by the hours of a full week)
    and the transport rate per km. None: not configured yet for that year."""

    year: int
    hourly_rate: Fraction | None
    rate_text: str
    km_rate: Decimal | None
    source: str


@dataclass(frozen=True)
class VeuRules:
    name: str
    course_kinds: frozenset[str]
    eligible_levels: frozenset[str]
    higher_unused_years: int
    employment_days: int
    full_week_hours: Decimal
    free_km: Decimal
    max_km_per_day: Decimal
    deadline_days_after_end: int
    years: Mapping[int, VeuYear]
    sources: tuple[str, ...] = ()
    file: str = ""
    scheme: str = VEU_SCHEME


@dataclass(frozen=True)
class FundPeriod:
    """A fund's rules from ``valid_from`` to ``valid_to`` (inclusive); the period containing a course's first day
    applies to it."""

    valid_from: date
    valid_to: date
    seniority_months: int
    days_per_year: int
    saved_days_max: int
    lead_time_days: int
    course_kinds: frozenset[str]
    wage_cover_percent: Decimal | None
    hourly_amount: Decimal | None
    hourly_includes_veu: bool
    veu_first: bool
    yearly_cap: Decimal | None
    fee_cover_percent: Decimal
    fee_cap: Decimal | None
    source: str = ""

    def label(self) -> str:
        return f"{self.valid_from.isoformat()}–{self.valid_to.isoformat()}"


@dataclass(frozen=True)
class FundRules:
    scheme: str
    name: str
    periods: tuple[FundPeriod, ...]
    administrator: str = ""
    sources: tuple[str, ...] = ()
    file: str = ""

    def period_on(self, day: date) -> FundPeriod | None:
        return next((p for p in self.periods if p.valid_from <= day <= p.valid_to), None)


@dataclass(frozen=True)
class RuleBook:
    """Everything the funding reads need: VEU (if configured), the funds by scheme id, and per collective agreement
    the funds it pays into."""

    veu: VeuRules | None
    funds: Mapping[str, FundRules] = field(default_factory=dict)
    agreements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def scheme_ids(self) -> frozenset[str]:
        return frozenset(self.funds) | (frozenset({VEU_SCHEME}) if self.veu else frozenset())

    def scheme_name(self, scheme: str) -> str:
        if scheme == VEU_SCHEME and self.veu:
            return self.veu.name
        fund = self.funds.get(scheme)
        return fund.name if fund else scheme
