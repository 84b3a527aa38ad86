"""The inbound message: envelope checks, then type, then typed data (contract sections 1 and 2)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from domain.errors import Reason, Rejected
from domain.fields import Instant
from domain.message_data import DATA_MODELS

__all__ = [
    "DATA_MODELS", "Envelope", "Message", "event_data", "parse_data", "parse_envelope", "parse_message",
    "readable_ids", "readable_type",
]

TENANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
MESSAGE_ID_MAX = 200


def _valid_tenant(value: object) -> bool:
    return isinstance(value, str) and TENANT_PATTERN.fullmatch(value) is not None


def _valid_message_id(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= MESSAGE_ID_MAX


def _tenant(value: str) -> str:
    if not _valid_tenant(value):
        raise PydanticCustomError(
            "tenant_pattern",
            "must be 1 to 63 lowercase letters, digits or hyphens, starting with a letter or digit",
        )
    return value


def _message_id(value: str) -> str:
    if not _valid_message_id(value):
        raise PydanticCustomError("message_id_length", "must be 1 to 200 characters long")
    return value


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    message_id: Annotated[str, AfterValidator(_message_id)]
    tenant: Annotated[str, AfterValidator(_tenant)]
    type: str
    occurred_at: Instant
    actor: str | None = None
    data: dict[str, Any]


@dataclass(frozen=True)
class Message:
    envelope: Envelope
    data: BaseModel


def readable_ids(obj: object) -> tuple[str | None, str | None]:
    """The tenant and message_id of a raw message, each only when present and valid."""
    if not isinstance(obj, dict):
        return None, None
    tenant, message_id = obj.get("tenant"), obj.get("message_id")
    return (
        tenant if _valid_tenant(tenant) else None,
        message_id if _valid_message_id(message_id) else None,
    )


def readable_type(obj: object) -> str | None:
    """The message's type when it is a string, whatever else is wrong with the envelope."""
    value = obj.get("type") if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def parse_message(obj: object) -> Message:
    """Validate a decoded JSON value: envelope, then type, then data; raise Rejected on the first failure."""
    return parse_data(parse_envelope(obj))


def parse_envelope(obj: object) -> Envelope:
    """The envelope of a decoded JSON value, or Rejected (invalid_envelope) naming the first bad field."""
    if not isinstance(obj, dict):
        raise Rejected(Reason.INVALID_ENVELOPE, "the message must be a JSON object")
    try:
        return Envelope.model_validate(obj)
    except ValidationError as error:
        raise Rejected(Reason.INVALID_ENVELOPE, _describe(error, prefix=())) from None


def parse_data(envelope: Envelope) -> Message:
    """The typed message of a valid envelope: its type must be known (unknown_type), then its data valid
    for that type (invalid_data, naming the first bad field)."""
    model = DATA_MODELS.get(envelope.type)
    if model is None:
        raise Rejected(Reason.UNKNOWN_TYPE, f"type {envelope.type!r} is not a known message type")
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as error:
        raise Rejected(Reason.INVALID_DATA, _describe(error, prefix=("data",))) from None
    return Message(envelope=envelope, data=data)


def event_data(msg: Message) -> dict[str, Any]:
    """The message's data as JSON-ready values, with defaults filled in and optional fields as null."""
    return msg.data.model_dump(mode="json")


_PHRASES = {
    "missing": "is required",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "too_long": "must have at most {max_length} items",
    "finite_number": "must be a finite number",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "literal_error": "must be {expected}",
}


def _describe(error: ValidationError, prefix: Sequence[str]) -> str:
    """One sentence for the first problem, naming the field by its path (e.g. data.course.hours)."""
    first: ErrorDetails = error.errors(include_url=False)[0]
    context = first.get("ctx") or {}
    location: list[str | int] = [*prefix, *first["loc"]]
    if "field" in context:
        location.append(str(context["field"]))
    phrase = _PHRASES.get(first["type"])
    text = phrase.format(**context) if phrase else first["msg"]
    return f"{_path(location) or 'message'} {text}"


def _path(location: Sequence[str | int]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
