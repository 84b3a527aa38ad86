"""The data of each inbound message type, exactly as the contract (section 2) defines it."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from domain.fields import Count, DataModel, Day, IntOrText, Key, Name, Number, cross_field_error
from domain.funding.messages import FUNDING_DATA_MODELS
from domain.rules import (
    DEFAULT_AWAY_SHARE,
    DEFAULT_COMPLETION_TARGET,
    DEFAULT_CYCLE_START_MONTH,
    DEFAULT_RUN_KIND,
    MAX_BUDDIES,
    MAX_HOURS,
    MAX_SEATS,
)

Season = Literal["busy", "normal", "low"]
CourseKind = Literal["amu", "vocational", "higher", "private", "internal"]
Share = Annotated[Number, Field(ge=0, le=1)]
Hours = Annotated[Number, Field(gt=0, le=MAX_HOURS)]
MONTH_KEYS = tuple(str(month) for month in range(1, 13))


def _twelve_months(months: dict[str, Season]) -> dict[str, Season]:
    missing = [key for key in MONTH_KEYS if key not in months]
    if missing:
        raise PydanticCustomError(
            "months_missing", 'must have all 12 months "1" to "12"; missing {missing}',
            {"missing": ", ".join(f'"{key}"' for key in missing)},
        )
    extra = sorted(key for key in months if key not in MONTH_KEYS)
    if extra:
        raise PydanticCustomError(
            "months_extra", 'must have only the months "1" to "12"; not {extra}',
            {"extra": ", ".join(f'"{key}"' for key in extra)},
        )
    return {key: months[key] for key in MONTH_KEYS}


Months = Annotated[dict[str, Season], AfterValidator(_twelve_months)]

CVR_DIGITS = 8


def _cvr(value: str) -> str:
    if len(value) != CVR_DIGITS or not all("0" <= char <= "9" for char in value):
        raise PydanticCustomError("cvr_format", "must be a CVR number: a string of exactly 8 digits")
    return value


Cvr = Annotated[str, AfterValidator(_cvr)]
"""The Danish company registration number, sent as a string of exactly 8 digits (leading zeros kept)."""


def _ends_on_or_after_start(model: Any) -> Any:
    if model.ends_on < model.starts_on:
        raise cross_field_error("ends_on", "must not be before data.starts_on")
    return model


# Company set-up

class CompanyRegistered(DataModel):
    name: Name
    cvr: Cvr | None = None
    registered_on: Day


class EducationStrategyAdopted(DataModel):
    adopted_on: Day
    formality: Literal["formal", "informal"]
    vision: str
    cycle_start_month: Annotated[int, Field(ge=1, le=12)] = DEFAULT_CYCLE_START_MONTH
    completion_target: Annotated[Number, Field(ge=0, le=1)] = DEFAULT_COMPLETION_TARGET


class DepartmentRegistered(DataModel):
    department: Key
    name: Name


class EmployeeRegistered(DataModel):
    employee_id: Key
    name: Name
    department: Key
    job_family: Literal["unskilled", "skilled", "professional", "manager"]
    hired_on: Day


class EmployeeMoved(DataModel):
    employee_id: Key
    department: Key
    moved_on: Day


class EmployeeLeft(DataModel):
    employee_id: Key
    left_on: Day


class ManagerAssigned(DataModel):
    employee_id: Key
    manager_id: Key
    assigned_on: Day | None = None


class AmbassadorAppointed(DataModel):
    employee_id: Key
    role: Literal["shop_steward", "education_ambassador"]
    appointed_on: Day | None = None


class FocusArea(DataModel):
    quarter: Annotated[int, Field(ge=1, le=4)]
    title: Name


class AnnualWheelDefined(DataModel):
    effective_from: Day
    department: Key | None = None
    kind: Literal["seasonal", "departmental", "fixed", "flexible"]
    months: Months
    focus_areas: list[FocusArea] = Field(default_factory=list)


class CommitteeMeetingHeld(DataModel):
    held_on: Day
    management_reps: Count
    employee_reps: Count
    topics: list[str] = Field(default_factory=list)


# Phase 1 - needs

class DevelopmentReviewHeld(DataModel):
    employee_id: Key
    held_on: Day
    education_item: bool
    follow_up_on: Day | None = None
    notes: str | None = None


class CompetenceAssessed(DataModel):
    employee_id: Key
    competence: Key
    level: Annotated[int, Field(ge=1, le=5)]
    assessed_on: Day


class CompetenceGapIdentified(DataModel):
    gap_id: Key
    employee_id: Key
    competence: Key
    identified_on: Day
    current_level: Annotated[int, Field(ge=0, le=4)]
    target_level: Annotated[int, Field(ge=1, le=5)]
    source: Literal["mus", "manager", "committee", "consultant", "ambassador", "strategy"]

    @model_validator(mode="after")
    def _target_above_current(self) -> Self:
        if self.target_level <= self.current_level:
            raise cross_field_error("target_level", "must be greater than data.current_level")
        return self


class CompetenceGapClosed(DataModel):
    gap_id: Key
    closed_on: Day


# Phase 2 - plan

class EducationAgreed(DataModel):
    agreement_id: Key
    employee_id: Key
    title: Name
    agreed_on: Day
    due_by: Day | None = None
    gap_id: Key | None = None
    course_code: str | None = None


class EducationAgreementWithdrawn(DataModel):
    agreement_id: Key
    withdrawn_on: Day
    reason: str


# Phase 3 - carry out

class Course(DataModel):
    title: Name
    kind: CourseKind
    hours: Hours
    code: str | None = None
    provider: str | None = None
    competence: str | None = None
    level: IntOrText | None = None


class CourseBooked(DataModel):
    booking_id: Key
    employee_id: Key
    booked_on: Day
    agreement_id: Key | None = None
    run_id: Key | None = None
    course: Course
    starts_on: Day
    ends_on: Day
    buddies: list[Key] = Field(default_factory=list, max_length=MAX_BUDDIES)
    collective: bool = False

    _ends_after_start = model_validator(mode="after")(_ends_on_or_after_start)


class BuddyPaired(DataModel):
    booking_id: Key
    buddy_id: Key
    paired_on: Day


class SubstituteArranged(DataModel):
    booking_id: Key
    substitute: Name
    arranged_on: Day


class ManagerCheckInHeld(DataModel):
    booking_id: Key
    held_on: Day


class CourseCompleted(DataModel):
    booking_id: Key
    completed_on: Day
    hours_attended: Annotated[Number, Field(ge=0, le=MAX_HOURS)] | None = None
    passed: bool = True


class CourseCancelled(DataModel):
    booking_id: Key
    cancelled_on: Day
    reason: str


# Phase 4 - follow-up

class KnowledgeShared(DataModel):
    booking_id: Key
    shared_on: Day
    format: Literal["board_meeting", "peer", "department_meeting"]
    audience: Count | None = None


class PracticeFollowUpHeld(DataModel):
    booking_id: Key
    held_on: Day
    applied: bool


# Planning

class CourseRunAnnounced(DataModel):
    run_id: Key
    title: Name
    kind: CourseKind = DEFAULT_RUN_KIND
    code: str | None = None
    competence: str | None = None
    provider: str | None = None
    starts_on: Day
    ends_on: Day
    hours: Hours
    seats: Annotated[int, Field(ge=1, le=MAX_SEATS)]
    fee: Annotated[Number, Field(ge=0)] | None = None

    _ends_after_start = model_validator(mode="after")(_ends_on_or_after_start)


class CourseRunWithdrawn(DataModel):
    run_id: Key
    withdrawn_on: Day


class AwayShare(DataModel):
    low: Share = DEFAULT_AWAY_SHARE["low"]
    normal: Share = DEFAULT_AWAY_SHARE["normal"]
    busy: Share = DEFAULT_AWAY_SHARE["busy"]


class PlanningRulesSet(DataModel):
    effective_from: Day
    away_share: AwayShare


DATA_MODELS: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (
        CompanyRegistered, EducationStrategyAdopted, DepartmentRegistered, EmployeeRegistered, EmployeeMoved,
        EmployeeLeft, ManagerAssigned, AmbassadorAppointed, AnnualWheelDefined, CommitteeMeetingHeld,
        DevelopmentReviewHeld, CompetenceAssessed, CompetenceGapIdentified, CompetenceGapClosed,
        EducationAgreed, EducationAgreementWithdrawn,
        CourseBooked, BuddyPaired, SubstituteArranged, ManagerCheckInHeld, CourseCompleted, CourseCancelled,
        KnowledgeShared, PracticeFollowUpHeld,
        CourseRunAnnounced, CourseRunWithdrawn, PlanningRulesSet,
    )
}
"""One data model per contract message type, keyed by the type name."""

DATA_MODELS.update(FUNDING_DATA_MODELS)
