"""The Kafka door's settings and the tenant-topic rule, without a broker."""

from __future__ import annotations

import json

import pytest

from infra.kafka import KafkaSettings, Topics
from infra.kafka.broker import client_options, make_broker
from infra.kafka.config import Credentials
from services.core.intake import prepare
from services.doors.kafka import only_the_topics_tenant


def _message(tenant: str | None, message_type: str = "DepartmentRegistered", **data: object) -> bytes:
    envelope = {"message_id": "m-1", "type": message_type, "occurred_at": "2026-01-05T08:00:00Z",
                "data": data or {"department": "rd", "name": "R&D"}}
    if tenant is not None:
        envelope["tenant"] = tenant
    return json.dumps(envelope).encode()


@pytest.mark.parametrize(("raw", "reason", "tenant"), [
    (_message("acme"), None, "acme"),  # its own tenant: as prepared
    (_message("bitzer"), "forbidden", "acme"),
    (_message("bitzer", "NoSuchType"), "forbidden", "acme"),  # forbidden comes before the type
    (_message("bitzer", department=7), "forbidden", "acme"),  # … and before the data
    (_message("acme", department=7), "invalid_data", "acme"),
    (json.dumps({"tenant": "bitzer", "message_id": "m-1"}).encode(), "invalid_envelope", "acme"),  # envelope first
    (_message(None), "invalid_envelope", None),  # no readable tenant: the envelope's problem, on no tenant
    (b"{not json", "invalid_envelope", None),
    (b"x" * (64 * 1024 + 1), "too_large", None),
])
def test_a_tenant_topic_takes_its_own_tenant_only(raw: bytes, reason: str | None, tenant: str | None) -> None:
    checked = only_the_topics_tenant(prepare(raw), "acme")
    assert (checked.rejection.reason.value if checked.rejection else None) == reason
    assert checked.tenant == tenant
    if reason == "forbidden":
        assert checked.message_id == "m-1" and checked.message is None and checked.raw == raw
        assert "'bitzer'" in checked.rejection.detail and "'acme'" in checked.rejection.detail


def test_tenant_topics_are_named_after_the_tenant_and_the_dead_letter_topic_is_none_of_them() -> None:
    topics = Topics("p.")
    assert topics.for_tenant("acme") == "p.eduplan.messages.acme"
    assert topics.tenant_of("p.eduplan.messages.acme") == "acme"
    assert topics.tenant_of("p.eduplan.messages.a-1") == "a-1"
    for other in ["p.eduplan.messages.dlq", "p.eduplan.messages", "p.eduplan.events", "eduplan.messages.acme",
                  "p.eduplan.messages.Acme", "p.eduplan.messages.a.b", "p.eduplan.messages." + "a" * 64,
                  "p.eduplanXmessages.acme"]:
        assert topics.tenant_of(other) is None, other
    assert topics.tenant_of("p.eduplan.messages.dlq-archive") == "dlq-archive"


def test_tenant_topics_and_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDUPLAN_KAFKA_TENANT_TOPICS", "1")
    monkeypatch.setenv("EDUPLAN_KAFKA_SECURITY_PROTOCOL", "sasl_plaintext")
    monkeypatch.setenv("EDUPLAN_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("EDUPLAN_KAFKA_SASL_USERNAME", "eduplan-worker")
    monkeypatch.setenv("EDUPLAN_KAFKA_SASL_PASSWORD", "s3cret")
    settings = KafkaSettings.from_env("kafka:9092")
    assert settings.tenant_topics
    assert settings.topics_to_create() == ["eduplan.messages.dlq", "eduplan.events"]
    assert settings.credentials == Credentials("SASL_PLAINTEXT", "SCRAM-SHA-512", "eduplan-worker", "s3cret")
    assert "s3cret" not in repr(settings)
    options = client_options(settings)
    assert (options["security_protocol"], options["sasl_mechanism"], options["sasl_plain_username"],
            options["sasl_plain_password"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512", "eduplan-worker", "s3cret")
    make_broker(settings)  # FastStream takes the same credentials


@pytest.mark.parametrize(("variables", "named"), [
    ({"EDUPLAN_KAFKA_TENANT_TOPICS": "maybe"}, "EDUPLAN_KAFKA_TENANT_TOPICS"),
    ({"EDUPLAN_KAFKA_SECURITY_PROTOCOL": "KERBEROS"}, "EDUPLAN_KAFKA_SECURITY_PROTOCOL"),
    ({"EDUPLAN_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "EDUPLAN_KAFKA_SASL_USERNAME"),
    ({"EDUPLAN_KAFKA_SASL_USERNAME": "u", "EDUPLAN_KAFKA_SASL_PASSWORD": "p"}, "EDUPLAN_KAFKA_SECURITY_PROTOCOL"),
    ({"EDUPLAN_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "EDUPLAN_KAFKA_SASL_MECHANISM": "GSSAPI"},
     "EDUPLAN_KAFKA_SASL_MECHANISM"),
])
def test_a_bad_setting_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str],
                                          named: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=named):
        KafkaSettings.from_env("kafka:9092")


def test_without_tenant_topics_the_shared_topic_is_created_and_nothing_authenticates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("EDUPLAN_KAFKA_TENANT_TOPICS", "EDUPLAN_KAFKA_SECURITY_PROTOCOL", "EDUPLAN_KAFKA_SASL_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    settings = KafkaSettings.from_env("kafka:9092")
    assert not settings.tenant_topics
    assert settings.topics_to_create() == ["eduplan.messages", "eduplan.messages.dlq", "eduplan.events"]
    assert "sasl_mechanism" not in client_options(settings)
