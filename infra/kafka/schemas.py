"""What travels on the three topics, as pydantic models for the AsyncAPI document.

The inbound model only documents the envelope: the worker hands every record's bytes to the intake
unparsed, so a malformed message gets its rejection outcome rather than breaking the consumer.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema

from domain.message_data import DATA_MODELS
from domain.messages import TENANT_PATTERN


class InboundMessage(BaseModel):
    """One envelope (contract §1) per record; record key = tenant, so a tenant's messages stay in order."""

    model_config = ConfigDict(title="InboundMessage")

    message_id: str = Field(min_length=1, max_length=200, description="Idempotency key, per tenant.")
    tenant: str = Field(pattern=f"^{TENANT_PATTERN.pattern}$", description="One company = one tenant.")
    type: str = Field(description="The message type.", json_schema_extra={"enum": list[JsonValue](sorted(DATA_MODELS))})
    occurred_at: str = Field(description="RFC 3339 date-time with an offset: when it happened in the company.")
    actor: str | None = Field(default=None, description="Who reports it.")
    data: dict[str, Any] = Field(description="The fields of this message type (contract §2).")


class PublishedEvent(BaseModel):
    """One committed event of the log (contract §3); record key = stream; headers tenant, type, position and
    personal (the withheld personal fields, a JSON array such as ["name"])."""

    model_config = ConfigDict(title="PublishedEvent")

    position: int = Field(description="Global position in the log; consumers drop repeats by position.")
    tenant: str
    stream: str
    version: int = Field(ge=1, description="1, 2, … per stream, no gaps; a stream's events arrive in order.")
    type: str
    occurred_at: str
    recorded_at: str
    message_id: str
    actor: str | None
    data: dict[str, Any] = Field(description="The fields of the event; a personal field (name, notes, substitute, "
                                 "the free-text reason of withdrawals and cancellations) is always null here, "
                                 "and named in the record's header `personal`.")
    schema_version: int
    prev_hash: str | None = Field(default=None, description="The hash of the previous version of the same stream "
                                  "(64 zeros for version 1), contract §6.")
    hash: str | None = Field(default=None, description="SHA-256 (hex) of the event's canonical encoding as stored "
                             "(personal fields encrypted), contract §6 and docs/audit.md.")
    cursor: str = Field(description="Log cursor after this event (as in GET /v1/tenants/{t}/events).")


DeadLetter = Annotated[bytes, WithJsonSchema({
    "type": "string",
    "format": "binary",
    "description": "A rejected inbound record, value and key exactly as received (possibly not JSON at all); "
    "headers `reason` (a contract reason code) and `detail` (a sentence naming the field or entity), UTF-8.",
})]
