"""The course booking stream: booked, carried out with buddies, substitutes and check-ins, then
completed or cancelled, and followed up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from domain.aggregates import agreement, employee, run
from domain.aggregates.common import NewEvent, accept, refuse_if, require, state_of
from domain.errors import Reason
from domain.message_data import (
    BuddyPaired,
    CourseBooked,
    CourseCancelled,
    CourseCompleted,
    KnowledgeShared,
    ManagerCheckInHeld,
    PracticeFollowUpHeld,
    SubstituteArranged,
)
from domain.messages import Message

BookingData = (
    CourseBooked | BuddyPaired | SubstituteArranged | ManagerCheckInHeld | CourseCompleted | CourseCancelled
    | KnowledgeShared | PracticeFollowUpHeld
)
TYPES = frozenset(model.__name__ for model in BookingData.__args__)
_WHILE_RUNNING = BuddyPaired | SubstituteArranged | ManagerCheckInHeld | CourseCompleted | CourseCancelled


@dataclass(frozen=True, slots=True)
class BookingState:
    booking_id: str
    employee_id: str
    course_hours: float
    agreement_id: str | None = None
    completed: bool = False
    cancelled: bool = False


def stream(booking_id: str) -> str:
    return f"booking-{booking_id}"


def _data(msg: Message) -> BookingData:
    assert isinstance(msg.data, BookingData), msg.envelope.type
    return msg.data


def target_stream(msg: Message) -> str:
    return stream(_data(msg).booking_id)


def referenced_streams(msg: Message) -> list[str]:
    data = _data(msg)
    if isinstance(data, BuddyPaired):
        return [employee.stream(data.buddy_id)]
    if not isinstance(data, CourseBooked):
        return []
    streams = [employee.stream(data.employee_id)]
    if data.agreement_id:
        streams.append(agreement.stream(data.agreement_id))
    if data.run_id:
        streams.append(run.stream(data.run_id))
    streams += [employee.stream(buddy) for buddy in data.buddies]
    return list(dict.fromkeys(streams))


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> BookingState | None:
    if event_type == "CourseBooked":
        course = data.get("course")
        hours = course.get("hours") if isinstance(course, Mapping) else None
        agreement_id = data.get("agreement_id")
        return BookingState(
            booking_id=str(data.get("booking_id")),
            employee_id=str(data.get("employee_id")),
            course_hours=hours if isinstance(hours, int | float) else 0,
            agreement_id=None if agreement_id is None else str(agreement_id),
        )
    if not isinstance(state, BookingState):
        return None
    if event_type == "CourseCompleted":
        return replace(state, completed=True)
    if event_type == "CourseCancelled":
        return replace(state, cancelled=True)
    return state


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    data = _data(msg)
    if isinstance(data, CourseBooked):
        return _book(msg, data, states)
    booking = require(
        state_of(states, stream(data.booking_id), BookingState),
        Reason.UNKNOWN_BOOKING,
        f"booking {data.booking_id!r} does not exist in tenant {msg.envelope.tenant!r}",
    )
    if isinstance(data, BuddyPaired):
        employee.registered(msg, states, data.buddy_id)
    name = f"booking {data.booking_id!r}"
    if isinstance(data, _WHILE_RUNNING):
        refuse_if(booking.completed, f"{name} is already completed")
        refuse_if(booking.cancelled, f"{name} is cancelled")
    if isinstance(data, KnowledgeShared):
        refuse_if(booking.cancelled, f"{name} is cancelled, so there is no knowledge to share")
    if isinstance(data, PracticeFollowUpHeld):
        refuse_if(not booking.completed, f"{name} is not completed, so there is no practice to follow up")
    if isinstance(data, CourseCompleted) and data.hours_attended is None:
        return accept(msg, stream(data.booking_id), booking.employee_id, hours_attended=booking.course_hours)
    return accept(msg, stream(data.booking_id), subject=booking.employee_id)


def fit_for_plan(msg: Message, states: Mapping[str, object], linked: Sequence[str] = ()) -> None:
    """The planning assistant's rule for each booking of a plan it accepts (CONTRACT §8: a plan whose runs were
    withdrawn or whose agreements stopped being plannable is refused): not on a withdrawn run, not for a withdrawn
    agreement, not for an agreement booked meanwhile. Decided with the booking, on the states of the streams it reads
    and under their locks, it holds when another process writes them between the plan's check and its bookings (an
    employee who left gets no booking from anyone). ``linked``: the live bookings of its agreement other than its
    own, as the intake gives them when the message asks (``Prepared.agreement_links``): the log's, checked again
    under the agreement's exclusive lock, and those accepted before it in the same batch."""
    data = _data(msg)
    assert isinstance(data, CourseBooked), msg.envelope.type
    if data.run_id:
        booked_run = state_of(states, run.stream(data.run_id), run.RunState)
        refuse_if(booked_run is not None and booked_run.withdrawn,
                  f"run {data.run_id!r} was withdrawn after the plan was checked")
    if data.agreement_id:
        agreed = state_of(states, agreement.stream(data.agreement_id), agreement.AgreementState)
        refuse_if(agreed is not None and agreed.withdrawn,
                  f"agreement {data.agreement_id!r} was withdrawn after the plan was checked")
        others = [booking_id for booking_id in linked if booking_id != data.booking_id]
        refuse_if(bool(others), f"agreement {data.agreement_id!r} was booked ({', '.join(map(repr, others))})"
                                " after the plan was checked")


def agreement_link(msg: Message) -> tuple[str, str] | None:
    """(agreement_id, booking_id) of a message that links a new booking to an agreement: a CourseBooked with an
    agreement_id. The booking is live until its stream has a CourseCancelled. The append reads the same link from
    the log's CourseBooked events, under the agreement's lock (infra/migrations/160_agreement_links.sql)."""
    data = msg.data
    if isinstance(data, CourseBooked) and data.agreement_id:
        return data.agreement_id, data.booking_id
    return None


def _book(msg: Message, data: CourseBooked, states: Mapping[str, object]) -> list[NewEvent]:
    person = employee.registered(msg, states, data.employee_id)
    agreed = agreement.existing(msg, states, data.agreement_id) if data.agreement_id else None
    if data.run_id:
        run.existing(msg, states, data.run_id)  # a withdrawn run is still a run: a late booking may name it
    for buddy in data.buddies:
        employee.registered(msg, states, buddy)
    already = state_of(states, stream(data.booking_id), BookingState)
    refuse_if(already is not None, f"booking {data.booking_id!r} already exists")
    employee.refuse_if_left(person, "gets no new booking")
    refuse_if(
        agreed is not None and agreed.employee_id != data.employee_id,
        f"agreement {data.agreement_id!r} belongs to another employee, not {data.employee_id!r}",
    )
    return accept(msg, stream(data.booking_id), subject=data.employee_id)
