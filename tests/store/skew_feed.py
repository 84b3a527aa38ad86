"""Messages of every type on a few shared entities, and the oracle that replays the deciders over the log.

The feed draws every message type at random over a small set of employees, gaps, agreements and
bookings, so that concurrent writers keep deciding against streams another writer is changing: a
booking for an employee who is leaving, a completion of a booking being cancelled, a buddy being
registered, an agreement on a gap being closed.

The oracle (:func:`replay`) puts every decided message where the log puts it — by its outcome's
transaction id, then by its place in the batch that decided it — and decides it again with the pure
deciders against the states folded so far. A log without write skew gives back exactly the stored
outcomes: the same messages accepted (with the same stream and version, in log order) and the same
ones rejected for the same reasons.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from domain.decider import State, decide, evolve, initial_state, referenced_streams, target_stream
from domain.errors import Rejected
from domain.messages import parse_message

SEASONS = {str(m): ("busy" if m in (6, 7) else "normal") for m in range(1, 13)}


def _day(rng: random.Random) -> str:
    return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _ids(prefix: str, n: int, rng: random.Random) -> str:
    """An id near the writer's progress: every writer works through the same entities at about the same
    time, so they meet on entities that are changing (registered, booked, leaving) rather than settled."""
    return f"{prefix}-{n // 8 + rng.randint(0, 4)}"


def _data(kind: str, rng: random.Random, n: int) -> dict[str, Any]:
    employee, other = _ids("e", n, rng), _ids("e", n, rng)
    booking, agreement, gap = _ids("b", n, rng), _ids("a", n, rng), _ids("g", n, rng)
    day = _day(rng)
    course = {"title": "AMU 40121 Refrigeration", "kind": "amu", "hours": rng.choice([7, 37])}
    return {
        "EducationStrategyAdopted": {"adopted_on": day, "formality": "formal", "vision": "Everyone learns"},
        "DepartmentRegistered": {"department": rng.choice(["rd", "ops"]), "name": "A department"},
        "EmployeeRegistered": {"employee_id": employee, "name": f"Person {employee}", "department": "rd",
                               "job_family": "skilled", "hired_on": "2020-01-01"},
        "EmployeeMoved": {"employee_id": employee, "department": "ops", "moved_on": day},
        "EmployeeLeft": {"employee_id": employee, "left_on": day},
        "ManagerAssigned": {"employee_id": employee, "manager_id": other},
        "AmbassadorAppointed": {"employee_id": employee, "role": "shop_steward"},
        "AnnualWheelDefined": {"effective_from": day, "department": None, "kind": "seasonal", "months": SEASONS},
        "CommitteeMeetingHeld": {"held_on": day, "management_reps": 2, "employee_reps": 2},
        "DevelopmentReviewHeld": {"employee_id": employee, "held_on": day, "education_item": True,
                                  "notes": "talked"},
        "CompetenceAssessed": {"employee_id": employee, "competence": "cooling", "level": rng.randint(1, 5),
                               "assessed_on": day},
        "CompetenceGapIdentified": {"gap_id": gap, "employee_id": employee, "competence": "cooling",
                                    "identified_on": day, "current_level": 1, "target_level": 3, "source": "mus"},
        "CompetenceGapClosed": {"gap_id": gap, "closed_on": day},
        "EducationAgreed": {"agreement_id": agreement, "employee_id": employee, "title": "Cooling",
                            "agreed_on": day, **({"gap_id": gap} if rng.random() < 0.4 else {})},
        "EducationAgreementWithdrawn": {"agreement_id": agreement, "withdrawn_on": day, "reason": "changed"},
        "CourseBooked": {"booking_id": booking, "employee_id": employee, "booked_on": day, "course": course,
                         "starts_on": "2026-04-06", "ends_on": "2026-04-10",
                         **({"agreement_id": agreement} if rng.random() < 0.4 else {}),
                         **({"buddies": [other]} if rng.random() < 0.3 else {})},
        "BuddyPaired": {"booking_id": booking, "buddy_id": other, "paired_on": day},
        "SubstituteArranged": {"booking_id": booking, "substitute": "Tina Temp", "arranged_on": day},
        "ManagerCheckInHeld": {"booking_id": booking, "held_on": day},
        "CourseCompleted": {"booking_id": booking, "completed_on": day},
        "CourseCancelled": {"booking_id": booking, "cancelled_on": day, "reason": "ill"},
        "KnowledgeShared": {"booking_id": booking, "shared_on": day, "format": "peer"},
        "PracticeFollowUpHeld": {"booking_id": booking, "held_on": day, "applied": True},
    }[kind]


# Registrations and bookings more often than the rest, so that most references can be met.
WEIGHTS = {kind: 1 for kind in (
    "EducationStrategyAdopted", "DepartmentRegistered", "EmployeeMoved", "ManagerAssigned",
    "AmbassadorAppointed", "AnnualWheelDefined", "CommitteeMeetingHeld", "DevelopmentReviewHeld",
    "CompetenceAssessed", "CompetenceGapClosed", "EducationAgreementWithdrawn", "BuddyPaired",
    "SubstituteArranged", "ManagerCheckInHeld", "CourseCompleted", "CourseCancelled", "KnowledgeShared",
    "PracticeFollowUpHeld",
)} | {"EmployeeRegistered": 4, "EmployeeLeft": 2, "CompetenceGapIdentified": 3, "EducationAgreed": 4,
      "CourseBooked": 6}


def feed(tenant: str, writer: str, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` messages of every type, ids ``<writer>-<n>``; about one in 25 is sent again later."""
    rng = random.Random(seed)
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    out: list[dict[str, Any]] = []
    for n in range(count):
        if out and rng.random() < 0.04:
            out.append(dict(rng.choice(out)))
            continue
        kind = rng.choices(kinds, weights)[0]
        out.append({"message_id": f"{writer}-{n}", "tenant": tenant, "type": kind,
                    "occurred_at": "2026-03-10T08:00:00Z", "actor": writer, "data": _data(kind, rng, n)})
    return out


@dataclass(frozen=True)
class Decision:
    """A message that was decided (not a duplicate), where the log puts it."""

    transaction_id: int
    place: int  # its index in the batch that decided it
    message: dict[str, Any]
    status: str
    reason: str | None


def decisions(batches: list[dict[str, Any]], stored: dict[str, tuple[str, str | None, int]]) -> list[Decision]:
    """Every decided message in log order. ``batches``: {"messages", "statuses"} as each writer sent them;
    ``stored``: message_id -> (status, reason, transaction_id) of its stored outcome."""
    found: list[Decision] = []
    for batch in batches:
        for place, (message, status) in enumerate(zip(batch["messages"], batch["statuses"], strict=True)):
            if status == "duplicate":
                continue
            stored_status, reason, transaction_id = stored[message["message_id"]]
            assert stored_status == status, (message["message_id"], stored_status, status)
            found.append(Decision(transaction_id, place, message, status, reason))
    found.sort(key=lambda d: (d.transaction_id, d.place))
    return found


def replay(decided: list[Decision]) -> tuple[list[str], list[tuple[str, str, int]]]:
    """Decide every message again in log order; the mismatches (empty when the log has no write skew)
    and the events the replay appends, as (message_id, stream, version) in order."""
    streams: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    mismatches: list[str] = []
    appended: list[tuple[str, str, int]] = []

    def state(stream: str) -> State:
        folded = initial_state(stream)
        for event_type, data in streams[stream]:
            folded = evolve(folded, event_type, data)
        return folded

    for d in decided:
        try:
            msg = parse_message(d.message)
            names = [target_stream(msg), *referenced_streams(msg)]
            events = decide(msg, {name: state(name) for name in names})
            status, reason = "accepted", None
        except Rejected as rejected:
            events, status, reason = [], "rejected", rejected.reason.value
        if (status, reason) != (d.status, d.reason):
            mismatches.append(f"{d.message['message_id']} {d.message['type']} {d.message['data']}: stored "
                              f"{d.status} {d.reason or ''}, replay in log order {status} {reason or ''}")
        for event in events:
            streams[event.stream].append((event.type, event.data))
            appended.append((d.message["message_id"], event.stream, len(streams[event.stream])))
    return mismatches, appended
