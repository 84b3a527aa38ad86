"""How the HTTP door's bodies look, for the OpenAPI document (CONTRACT §1 and §5): the envelope a sender
posts, the outcome it gets back, and the refusals of the reads. The door itself reads the raw body (an
envelope, an array of them, or anything at all, which is then rejected with an outcome), so these models
describe; they do not validate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ENVELOPE_EXAMPLE: dict[str, Any] = {
    "message_id": "hr-2026-000123",
    "tenant": "bitzer",
    "type": "CourseBooked",
    "occurred_at": "2026-03-10T08:00:00Z",
    "actor": "hr-system:payroll",
    "data": {"booking_id": "b-1", "employee_id": "e-1", "booked_on": "2026-03-10", "starts_on": "2026-04-06",
             "ends_on": "2026-04-08", "course": {"title": "Truckcertifikat", "kind": "amu", "hours": 22.2}},
}


class EnvelopeBody(BaseModel):
    """One message (CONTRACT §1). At most 64 KiB; a larger one is rejected with ``too_large`` unparsed."""

    message_id: str = Field(min_length=1, max_length=200, description="the idempotency key, per tenant")
    tenant: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="one company = one tenant")
    type: str = Field(description="the message type (CONTRACT §2), e.g. CourseBooked")
    occurred_at: str = Field(description="RFC 3339 with offset: when it happened in the company",
                             examples=["2026-03-10T08:00:00Z"])
    actor: str | None = Field(None, description="who reports it")
    data: dict[str, Any] = Field(description="the fields of the type (CONTRACT §2)")

    model_config = ConfigDict(json_schema_extra={"examples": [ENVELOPE_EXAMPLE]})


class AppendedEvent(BaseModel):
    stream: str
    version: int
    position: int


class Outcome(BaseModel):
    """The one outcome of a message, stored and queryable."""

    status: Literal["accepted", "duplicate", "rejected"]
    tenant: str | None = Field(None, description="whenever it could be read")
    message_id: str | None = Field(None, description="whenever it could be read")
    type: str | None = Field(None, description="rejected: whenever the envelope's type could be read")
    reason: str | None = Field(None, description="rejected only: invalid_envelope, unknown_type, invalid_data, "
                                                 "unknown_employee, unknown_booking, unknown_agreement, unknown_gap, "
                                                 "unknown_run, invalid_state, too_large, forbidden")
    detail: str | None = Field(None, description="rejected only: a sentence naming the field or entity")
    events: list[AppendedEvent] | None = Field(None, description="accepted only: the appended events")
    first: dict[str, Any] | None = Field(None, description="duplicate only: the first outcome")


class Problem(BaseModel):
    """A refused request: why, in a sentence."""

    detail: str | list[Any]


ENVELOPE_SCHEMA = EnvelopeBody.model_json_schema()

MESSAGES_BODY = {
    "requestBody": {
        "required": True,
        "description": "One envelope, or an array of envelopes (answered in order). Any other body is "
                       "rejected with an outcome (invalid_envelope), never refused.",
        "content": {"application/json": {
            "schema": {"oneOf": [ENVELOPE_SCHEMA, {"type": "array", "items": ENVELOPE_SCHEMA}]},
            "examples": {"one": {"value": ENVELOPE_EXAMPLE}, "array": {"value": [ENVELOPE_EXAMPLE]}},
        }},
    }
}

MESSAGES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "One envelope: a duplicate (the first outcome in `first`). An array: the outcomes in "
                         "order.", "model": Outcome | list[Outcome]},
    201: {"description": "accepted: its events are appended", "model": Outcome},
    422: {"description": "rejected: nothing entered the log; `reason` and `detail` say why", "model": Outcome},
    403: {"description": "the token may not write a tenant named; nothing of the request was stored"},
    413: {"description": "the request body is over 32 MiB", "model": Problem},
}

Responses = dict[int | str, dict[str, Any]]


def _problem(code: int, description: str) -> Responses:
    return {code: {"description": description, "model": Problem}}


UNKNOWN_TENANT = _problem(404, "no message on record for the tenant (or a token for another tenant)")
BAD_DATE = _problem(422, "a date that is not YYYY-MM-DD, or a parameter out of range")
BEHIND = _problem(503, "the projections have not caught up with what was accepted; see Retry-After")
BAD_CURSOR = _problem(400, "a cursor this service could not have given out")
