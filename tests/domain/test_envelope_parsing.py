"""The envelope is checked first: an object with message_id, tenant, type, occurred_at, actor, data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from domain_samples import MISSING, envelope

from domain.errors import Reason, Rejected
from domain.messages import parse_message, readable_ids


def rejection(raw: object) -> Rejected:
    with pytest.raises(Rejected) as caught:
        parse_message(raw)
    return caught.value


@pytest.mark.parametrize("raw", [[], "text", 3, None, True, [envelope()]])
def test_a_message_that_is_not_an_object_is_rejected(raw: object) -> None:
    assert rejection(raw).reason is Reason.INVALID_ENVELOPE


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"tenant": MISSING}, "tenant"),
        ({"tenant": "Bitzer"}, "tenant"),
        ({"tenant": "-bitzer"}, "tenant"),
        ({"tenant": "bitzer_dk"}, "tenant"),
        ({"tenant": "b" * 64}, "tenant"),
        ({"tenant": ""}, "tenant"),
        ({"tenant": "bitzer\n"}, "tenant"),
        ({"tenant": 7}, "tenant"),
        ({"message_id": MISSING}, "message_id"),
        ({"message_id": ""}, "message_id"),
        ({"message_id": "m" * 201}, "message_id"),
        ({"message_id": 17}, "message_id"),
        ({"type": MISSING}, "type"),
        ({"type": 3}, "type"),
        ({"occurred_at": MISSING}, "occurred_at"),
        ({"occurred_at": "2026-03-10T08:00:00"}, "occurred_at"),
        ({"occurred_at": "2026-03-10"}, "occurred_at"),
        ({"occurred_at": 1773129600}, "occurred_at"),
        ({"occurred_at": "2026-02-30T08:00:00Z"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"actor": 5}, "actor"),
        ({"data": MISSING}, "data"),
        ({"data": []}, "data"),
        ({"data": "x"}, "data"),
    ],
)
def test_a_bad_envelope_field_is_rejected_naming_the_field(fields: dict[str, Any], named: str) -> None:
    rejected = rejection(envelope(**fields))
    assert rejected.reason is Reason.INVALID_ENVELOPE
    assert rejected.detail.startswith(named)


def test_a_message_id_of_200_characters_and_a_63_character_tenant_are_fine() -> None:
    msg = parse_message(envelope(message_id="m" * 200, tenant="a" + "-" * 62))
    assert len(msg.envelope.message_id) == 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-10T08:00:00Z", datetime(2026, 3, 10, 8, tzinfo=UTC)),
        ("2026-03-10T09:00:00+01:00", datetime(2026, 3, 10, 8, tzinfo=UTC)),
        ("2026-03-10T08:00:00.5-02:30", datetime(2026, 3, 10, 8, 0, 0, 500000,
                                                 tzinfo=timezone(-timedelta(hours=2, minutes=30)))),
        ("2026-03-10t08:00:00.123456789z", datetime(2026, 3, 10, 8, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_occurred_at_is_read_as_an_aware_instant(text: str, expected: datetime) -> None:
    occurred_at = parse_message(envelope(occurred_at=text)).envelope.occurred_at
    assert occurred_at == expected
    assert occurred_at.tzinfo is not None


def test_actor_is_optional_and_may_be_null() -> None:
    assert parse_message(envelope(actor=MISSING)).envelope.actor is None
    assert parse_message(envelope(actor=None)).envelope.actor is None


def test_unknown_envelope_fields_are_ignored() -> None:
    assert parse_message(envelope(trace="x")).envelope.tenant == "bitzer"


def test_an_unknown_type_is_rejected_after_the_envelope() -> None:
    rejected = rejection(envelope(type="CoursePlanned", data={}))
    assert rejected.reason is Reason.UNKNOWN_TYPE
    assert "CoursePlanned" in rejected.detail


@pytest.mark.parametrize("type_", ["", "courseBooked", "Envelope", "__class__"])
def test_type_names_match_exactly(type_: str) -> None:
    assert rejection(envelope(type=type_)).reason is Reason.UNKNOWN_TYPE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (envelope(tenant="bitzer", message_id="m-1"), ("bitzer", "m-1")),
        (envelope(tenant="Bitzer", message_id="m-1"), (None, "m-1")),
        (envelope(tenant="bitzer", message_id=""), ("bitzer", None)),
        (envelope(tenant="bitzer", message_id="m" * 201), ("bitzer", None)),
        (envelope(tenant=MISSING, message_id=5), (None, None)),
        ({"tenant": "bitzer"}, ("bitzer", None)),
        (["bitzer", "m-1"], (None, None)),
        ("bitzer", (None, None)),
        (None, (None, None)),
    ],
)
def test_readable_ids_returns_only_valid_ids(raw: object, expected: tuple[str | None, str | None]) -> None:
    assert readable_ids(raw) == expected
