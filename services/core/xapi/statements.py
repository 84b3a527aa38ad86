"""Booking events → xAPI statements: a pure fold over one tenant's log, in log order.

Only four event types speak: CourseBooked (registered), CourseCompleted (completed, then passed or
failed), KnowledgeShared (shared) and CourseCancelled (a voiding of the registration). The later
ones need the booking's employee and course, which only its CourseBooked carries, so the fold keeps
one small entry per booking — nothing else grows with the length of the log. The parts that repeat
(verbs, agents, activities, extension keys) are built once and shared by the statements that use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.core.xapi.vocabulary import (
    COMPLETED,
    COURSE_TYPE,
    FAILED,
    PASSED,
    REGISTERED,
    SHARED,
    STATEMENT_VERSION,
    UNDETERMINED_LANGUAGE,
    VOIDED,
    Namespace,
    Verb,
    duration,
    registration_id,
    statement_id,
    timestamp,
)

Statement = dict[str, Any]

BUSINESS_DATE = {
    "CourseBooked": "booked_on",
    "CourseCompleted": "completed_on",
    "KnowledgeShared": "shared_on",
    "CourseCancelled": "cancelled_on",
}
"""The event types that become statements, and the field that dates them (the statements' timestamp)."""

_VERB_JSON = {verb: verb.as_json() for verb in (REGISTERED, COMPLETED, PASSED, FAILED, SHARED, VOIDED)}


@dataclass(frozen=True, slots=True)
class Course:
    activity_id: str
    title: str
    kind: str


@dataclass(frozen=True, slots=True)
class Booking:
    """What the later statements of a booking need from its CourseBooked; the agent and (for a course
    with a code) the activity are shared with every other booking of that employee or course."""

    agent: dict[str, Any]
    agreement_id: str | None
    course: Course
    activity: dict[str, Any] | None  # None: an activity of this booking alone, built when needed
    registration: str


class MissingBooking(LookupError):
    """A booking event whose CourseBooked is not in the log before it (the log is not in stream order)."""


class _Keys:
    """The extension IRIs, built once per export."""

    def __init__(self, names: Namespace) -> None:
        self.tenant = names.extension("tenant")
        self.booking_id = names.extension("booking-id")
        self.agreement_id = names.extension("agreement-id")
        self.knowledge_format = names.extension("knowledge-format")
        self.audience = names.extension("audience")
        self.course_kind = names.extension("course-kind")


class LearningRecords:
    """Folds a tenant's events, in log order, into statements."""

    def __init__(self, tenant: str, namespace: Namespace) -> None:
        self.tenant = tenant
        self.names = namespace
        self.keys = _Keys(namespace)
        self._bookings: dict[str, Booking] = {}
        self._agents: dict[str, dict[str, Any]] = {}
        self._activities: dict[tuple[str, str, str], dict[str, Any]] = {}  # by course code, title, kind
        self._shared: dict[Any, Any] = {}  # one copy of each repeated string

    def statements(self, event: Mapping[str, Any], *, since: str = "") -> list[Statement]:
        """The statements of one event whose business date is ≥ ``since`` (YYYY-MM-DD; "" = all)."""
        kind = event["type"]
        if kind not in BUSINESS_DATE:
            return []
        data = event["data"]
        if kind == "CourseBooked":
            self._remember(event["stream"], data)
        if data[BUSINESS_DATE[kind]] < since:
            return []
        booking = self._bookings.get(event["stream"])
        if booking is None:
            raise MissingBooking(f"{event['stream']} has a {kind} at version {event['version']} but no CourseBooked")
        build = _Builder(self, event, booking)
        if kind == "CourseBooked":
            return [build.registered()]
        if kind == "CourseCompleted":
            return build.completed()
        if kind == "KnowledgeShared":
            return [build.shared()]
        return [build.voided()]

    def activity(self, course: Course) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": course.activity_id,
            "definition": {
                "name": {UNDETERMINED_LANGUAGE: course.title},
                "type": COURSE_TYPE,
                "extensions": {self.keys.course_kind: course.kind},
            },
        }

    def _remember(self, stream: str, data: Mapping[str, Any]) -> None:
        course = data["course"]
        code = course.get("code")
        title, kind = self._one(course["title"]), self._one(course["kind"])
        if code:
            known = self._activities.get((code, title, kind))
            if known is None:
                known = self._activities[(code, title, kind)] = self.activity(
                    Course(self.names.course(self.tenant, code), title, kind))
            facts = Course(known["id"], title, kind)
        else:
            known, facts = None, Course(self.names.booking(self.tenant, data["booking_id"]), title, kind)
        self._bookings[stream] = Booking(
            agent=self._agent(data["employee_id"]),
            agreement_id=data.get("agreement_id"),
            course=self._one(facts),
            activity=known,
            registration=registration_id(self.tenant, stream),
        )

    def _agent(self, employee_id: str) -> dict[str, Any]:
        agent = self._agents.get(employee_id)
        if agent is None:
            agent = self._agents[employee_id] = self.names.agent(employee_id)
        return agent

    def _one(self, value: Any) -> Any:
        return self._shared.setdefault(value, value)


class _Builder:
    """The statements of one event of a booking."""

    def __init__(self, records: LearningRecords, event: Mapping[str, Any], booking: Booking) -> None:
        self.records, self.event, self.booking = records, event, booking
        self.keys = records.keys
        self.data: Mapping[str, Any] = event["data"]

    def registered(self) -> Statement:
        return self._statement(REGISTERED, self._activity(), context=self._context())

    def completed(self) -> list[Statement]:
        hours = self.data.get("hours_attended")
        result: dict[str, Any] = {"completion": True}
        if hours is not None:
            result["duration"] = duration(hours)
        context = self._context()
        out = [self._statement(COMPLETED, self._activity(), result=result, context=context)]
        passed = self.data.get("passed")
        if isinstance(passed, bool):
            verdict = {"success": passed, **result}
            out.append(self._statement(PASSED if passed else FAILED, self._activity(), result=verdict,
                                       context=context))
        return out

    def shared(self) -> Statement:
        extra: dict[str, Any] = {self.keys.knowledge_format: self.data["format"]}
        if self.data.get("audience") is not None:
            extra[self.keys.audience] = self.data["audience"]
        return self._statement(SHARED, self._activity(), context=self._context(extra))

    def voided(self) -> Statement:
        """Voids the registration statement (version 1 of the booking's stream is its CourseBooked)."""
        registration = statement_id(self.records.tenant, self.event["stream"], 1, REGISTERED)
        return self._statement(VOIDED, {"objectType": "StatementRef", "id": registration},
                               context=self._context())

    def _statement(self, verb: Verb, target: dict[str, Any], *, result: dict[str, Any] | None = None,
                   context: dict[str, Any]) -> Statement:
        statement: Statement = {
            "id": statement_id(self.records.tenant, self.event["stream"], self.event["version"], verb),
            "actor": self.booking.agent,
            "verb": _VERB_JSON[verb],
            "object": target,
        }
        if result is not None:
            statement["result"] = result
        statement["context"] = context
        statement["timestamp"] = timestamp(self.data[BUSINESS_DATE[self.event["type"]]])
        statement["version"] = STATEMENT_VERSION
        return statement

    def _activity(self) -> dict[str, Any]:
        return self.booking.activity or self.records.activity(self.booking.course)

    def _context(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        extensions = {self.keys.tenant: self.records.tenant, self.keys.booking_id: self.data["booking_id"]}
        if self.booking.agreement_id is not None:
            extensions[self.keys.agreement_id] = self.booking.agreement_id
        if extra:
            extensions.update(extra)
        return {"registration": self.booking.registration, "extensions": extensions}
