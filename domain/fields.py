"""Strict JSON field types shared by the envelope and the per-type data models.

Input is an already decoded JSON value, so pydantic's strict mode does most of the work (no "3" for 3,
no true for 1); dates and numbers need a hand because strict Python-mode validation knows no JSON strings
for dates and would turn integers into floats.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain.rules import MAX_KEY_CHARS

_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATE = re.compile(_DAY)
_CLOCK = r"[0-9]{2}:[0-9]{2}:[0-9]{2}"
_OFFSET = r"[Zz]|[+-][0-9]{2}:[0-9]{2}"
_DATE_TIME = re.compile(rf"({_DAY})[Tt ]({_CLOCK})(?:\.([0-9]+))?({_OFFSET})")


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_impossible", "must be a real calendar date, not {value}",
                                  {"value": value}) from None


def _date_time(value: Any) -> datetime:
    message = "must be an RFC 3339 date-time with a UTC offset, e.g. 2026-03-10T08:00:00Z"
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("date_time_format", message)
    day, clock, fraction, offset = match.groups()
    micro = f".{(fraction or '')[:6].ljust(6, '0')}"
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}{micro}{offset}")
    except ValueError:
        raise PydanticCustomError("date_time_impossible", message) from None
    try:
        # PostgreSQL stores any such instant, but one outside the years 1-9999 in UTC (9999-12-31T23:59:59-14:00)
        # can never be read back into Python: an event carrying it would stop every reader of the log for good.
        parsed.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "date_time_range", "must be an instant within the years 0001 to 9999 in UTC") from None
    return parsed


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_type", "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_type", "must be a finite number")
    return value


def _int_or_text(value: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError("int_or_text_type", "must be an integer or a string")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _short_key(value: str) -> str:
    if len(value) > MAX_KEY_CHARS:
        raise PydanticCustomError("key_too_long", "must be at most {max} characters long", {"max": MAX_KEY_CHARS})
    return value


Day = Annotated[date, BeforeValidator(_date)]
"""A calendar date, sent as the string YYYY-MM-DD."""

Instant = Annotated[datetime, BeforeValidator(_date_time)]
"""An RFC 3339 date-time string with an offset; naive times and numbers are refused."""

Name = Annotated[str, AfterValidator(_not_blank)]
"""A non-empty string: IDs, names, titles."""

Key = Annotated[str, AfterValidator(_not_blank), AfterValidator(_short_key)]
"""An identifier, department or competence: a Name of at most MAX_KEY_CHARS characters (a key of indexes)."""

Number = Annotated[int | float, PlainValidator(_number)]
"""A JSON number (integer or decimal), never a boolean; keeps the sender's integer as an integer."""

IntOrText = Annotated[int | str, PlainValidator(_int_or_text)]

Count = Annotated[int, Field(ge=0)]


class DataModel(BaseModel):
    """Base of the message data models: frozen, strict, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, strict=True, allow_inf_nan=False, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, value: Any) -> Any:
        """An optional field sent as null takes its default, as if it were left out."""
        if not isinstance(value, dict) or None not in value.values():
            return value
        with_default = _fields_with_default(cls)
        return {key: item for key, item in value.items() if not (item is None and key in with_default)}


@functools.cache
def _fields_with_default(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name for name, field in model.model_fields.items() if not field.is_required() and field.default is not None
    )


def cross_field_error(field: str, message: str) -> PydanticCustomError:
    """An error about one field judged against another; ``field`` names where it is reported."""
    return PydanticCustomError("cross_field", message, {"field": field})
