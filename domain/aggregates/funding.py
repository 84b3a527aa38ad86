"""Funding facts: an employee's education level and terms of employment (on the employee's stream), and per
booking its costs, the wage paid and each scheme's claim — applied, then granted or rejected, then paid at
most what was granted (on the booking's funding stream, ``funding-<booking_id>``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from domain.aggregates import booking, employee
from domain.aggregates.booking import BookingState
from domain.aggregates.common import NewEvent, accept, refuse_if, require, state_of
from domain.errors import Reason
from domain.funding.messages import (
    CourseCostsRecorded,
    CourseWagePaid,
    EducationLevelRecorded,
    EmploymentTermsSet,
    FundingApplied,
    FundingGranted,
    FundingPaid,
    FundingRejected,
)
from domain.funding.money import to_decimal
from domain.messages import Message

EmployeeFacts = EducationLevelRecorded | EmploymentTermsSet
ClaimStep = FundingApplied | FundingGranted | FundingPaid | FundingRejected
FundingData = EmployeeFacts | CourseCostsRecorded | CourseWagePaid | ClaimStep
TYPES = frozenset(model.__name__ for model in FundingData.__args__)
_EMPLOYEE_TYPES = frozenset(model.__name__ for model in EmployeeFacts.__args__)


@dataclass(frozen=True, slots=True)
class Claim:
    """One scheme's claim for one booking. ``pending``: applied, neither granted nor rejected yet."""

    pending: bool = False
    granted: Decimal | None = None
    paid: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class FundingState:
    booking_id: str
    claims: Mapping[str, Claim] = field(default_factory=dict)

    def claim(self, scheme: str) -> Claim:
        return self.claims.get(scheme, Claim())


def stream(booking_id: str) -> str:
    return f"funding-{booking_id}"


def _data(msg: Message) -> FundingData:
    assert isinstance(msg.data, FundingData), msg.envelope.type
    return msg.data


def target_stream(msg: Message) -> str:
    data = _data(msg)
    if isinstance(data, EmployeeFacts):
        return employee.stream(data.employee_id)
    return stream(data.booking_id)


def referenced_streams(msg: Message) -> list[str]:
    data = _data(msg)
    return [] if isinstance(data, EmployeeFacts) else [booking.stream(data.booking_id)]


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> Any:
    """The employee's facts leave its state as it is; a booking's claims move with each step."""
    if event_type in _EMPLOYEE_TYPES:
        return state
    funding = state if isinstance(state, FundingState) else FundingState(booking_id=str(data.get("booking_id")))
    scheme = str(data.get("scheme"))
    claim = funding.claim(scheme)
    if event_type == "FundingApplied":
        claim = Claim(pending=True)
    elif event_type == "FundingGranted":
        claim = replace(claim, pending=False, granted=to_decimal(data.get("amount", 0)))
    elif event_type == "FundingRejected":
        claim = replace(claim, pending=False)
    elif event_type == "FundingPaid":
        claim = replace(claim, paid=claim.paid + to_decimal(data.get("amount", 0)))
    else:
        return funding
    return replace(funding, claims={**funding.claims, scheme: claim})


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    data = _data(msg)
    if isinstance(data, EmployeeFacts):
        employee.registered(msg, states, data.employee_id)
        return accept(msg, employee.stream(data.employee_id), subject=data.employee_id)
    booked = require(
        state_of(states, booking.stream(data.booking_id), BookingState),
        Reason.UNKNOWN_BOOKING,
        f"booking {data.booking_id!r} does not exist in tenant {msg.envelope.tenant!r}",
    )
    if isinstance(data, ClaimStep):
        funding = state_of(states, stream(data.booking_id), FundingState) or FundingState(data.booking_id)
        _check_step(data, booked, funding.claim(data.scheme))
    return accept(msg, stream(data.booking_id), subject=booked.employee_id)


def _check_step(data: ClaimStep, booked: BookingState, claim: Claim) -> None:
    name = f"the {data.scheme} claim for booking {data.booking_id!r}"
    if isinstance(data, FundingApplied):
        refuse_if(booked.cancelled, f"booking {data.booking_id!r} is cancelled, so no funding is applied for")
        refuse_if(claim.pending, f"{name} is already applied for and awaits a decision")
        refuse_if(claim.granted is not None, f"{name} is already granted")
    elif isinstance(data, FundingGranted | FundingRejected):
        refuse_if(not claim.pending, f"{name} has no application awaiting a decision")
    else:
        refuse_if(claim.granted is None, f"{name} is not granted, so nothing can be paid")
        granted = claim.granted or Decimal(0)
        refuse_if(
            claim.paid + to_decimal(data.amount) > granted,
            f"{name}: paying {to_decimal(data.amount)} kr after {claim.paid} kr would be more than the"
            f" {granted} kr granted",
        )
