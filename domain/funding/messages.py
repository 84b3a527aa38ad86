"""The funding facts a company reports, as message data: who may be funded (education level, terms of
employment), what a course costs (fee, travel, wage) and how each claim went (applied, granted, paid,
rejected). Every amount is money: a number of kroner ≥ 0 with at most two decimals."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, PlainValidator
from pydantic_core import PydanticCustomError

from domain.fields import DataModel, Day, Key, Name, Number
from domain.funding.catalog import known_schemes

MAX_AMOUNT = 10**10
"""No single amount reaches ten billion kroner; larger figures are typing errors."""

EducationLevel = Literal["primary", "upper_secondary", "vocational", "short_higher", "medium_higher", "long_higher"]
"""Highest completed education: primary school, upper secondary, vocational (faglært), short, medium
(bachelor) and long (master) higher education."""


def _money(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("money_type", "must be an amount in kroner (a number)")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("money_type", "must be a finite amount in kroner")
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if exact < 0:
        raise PydanticCustomError("money_negative", "must not be negative")
    if exact >= MAX_AMOUNT:
        raise PydanticCustomError("money_too_large", "must be less than 10000000000 kroner")
    exponent = exact.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise PydanticCustomError("money_decimals", "must have at most 2 decimals (øre)")
    return value


def _scheme(value: str) -> str:
    known = known_schemes()
    if value not in known:
        raise PydanticCustomError(
            "scheme_unknown", "must be a known funding scheme ({known}), not {value!r}",
            {"known": ", ".join(sorted(known)) or "none are configured", "value": value},
        )
    return value


Money = Annotated[int | float, PlainValidator(_money)]
Scheme = Annotated[str, AfterValidator(_scheme)]


class EducationLevelRecorded(DataModel):
    employee_id: Key
    level: EducationLevel
    recorded_on: Day
    higher_education_last_used_on: Day | None = None


class EmploymentTermsSet(DataModel):
    employee_id: Key
    effective_from: Day
    collective_agreement: Name | None = None
    weekly_hours: Annotated[Number, Field(gt=0, le=80)] = 37
    apprentice: bool = False
    public_benefits: bool = False


class CourseCostsRecorded(DataModel):
    booking_id: Key
    recorded_on: Day
    fee: Money | None = None
    travel_km: Annotated[Number, Field(ge=0, le=2000)] | None = None
    hourly_wage: Money | None = None


class CourseWagePaid(DataModel):
    booking_id: Key
    paid_on: Day
    hourly_wage: Money


class FundingApplied(DataModel):
    booking_id: Key
    scheme: Scheme
    applied_on: Day
    amount: Money


class FundingGranted(DataModel):
    booking_id: Key
    scheme: Scheme
    granted_on: Day
    amount: Money


class FundingPaid(DataModel):
    booking_id: Key
    scheme: Scheme
    paid_on: Day
    amount: Money


class FundingRejected(DataModel):
    booking_id: Key
    scheme: Scheme
    rejected_on: Day


FUNDING_DATA_MODELS: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (
        EducationLevelRecorded, EmploymentTermsSet, CourseCostsRecorded, CourseWagePaid,
        FundingApplied, FundingGranted, FundingPaid, FundingRejected,
    )
}
"""The funding message types, registered into the contract's ``DATA_MODELS``."""
