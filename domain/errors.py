"""Domain errors: every rejection carries one of the contract's reason codes."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    INVALID_ENVELOPE = "invalid_envelope"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_DATA = "invalid_data"
    UNKNOWN_EMPLOYEE = "unknown_employee"
    UNKNOWN_BOOKING = "unknown_booking"
    UNKNOWN_AGREEMENT = "unknown_agreement"
    UNKNOWN_GAP = "unknown_gap"
    UNKNOWN_RUN = "unknown_run"
    INVALID_STATE = "invalid_state"
    TOO_LARGE = "too_large"
    FORBIDDEN = "forbidden"


class Rejected(Exception):
    """A message the domain refuses; ``detail`` is a sentence naming the field or entity."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}"

    def __repr__(self) -> str:
        return f"Rejected({self.reason.value!r}, {self.detail!r})"
