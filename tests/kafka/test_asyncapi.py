"""`eduplan asyncapi`: the document names the three topics and says what their records carry."""

from __future__ import annotations

import json

import pytest

from services.doors.kafka import asyncapi_document


def _channels(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, dict]:
    for name in ("EDUPLAN_KAFKA_TENANT_TOPICS", "EDUPLAN_KAFKA_TOPIC_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    document = json.loads(asyncapi_document())
    channels: dict[str, dict] = document["channels"]
    return channels


def test_the_events_channel_describes_the_personal_header(monkeypatch: pytest.MonkeyPatch) -> None:
    channels = _channels(monkeypatch)
    assert channels["messages"]["address"] == "eduplan.messages"
    assert channels["dead-letters"]["address"] == "eduplan.messages.dlq"
    events = channels["events"]
    assert events["address"] == "eduplan.events"
    assert "`personal`" in events["description"] and "null" in events["description"]


def test_with_tenant_topics_the_messages_channel_is_the_tenant_topic_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    channels = _channels(monkeypatch, EDUPLAN_KAFKA_TENANT_TOPICS="1", EDUPLAN_KAFKA_TOPIC_PREFIX="hr.")
    pattern = r"^(?!hr\.eduplan\.messages\.dlq$)hr\.eduplan\.messages\.[a-z0-9][a-z0-9-]{0,62}$"
    assert channels["messages"]["address"] == pattern
    assert "`forbidden`" in channels["messages"]["description"]
