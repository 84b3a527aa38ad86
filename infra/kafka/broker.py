"""The broker clients: the FastStream KafkaBroker (subscriber, DLQ) and the relay's producer, built here."""

from __future__ import annotations

import logging
import ssl
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from infra.kafka.config import Credentials, KafkaSettings

_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def security(credentials: Credentials) -> BaseSecurity | None:
    """FastStream's form of the credentials (it also documents them in the AsyncAPI document)."""
    tls = credentials.security_protocol in ("SSL", "SASL_SSL")
    context = ssl.create_default_context() if tls else None
    if credentials.security_protocol.startswith("SASL_"):
        assert credentials.username is not None and credentials.password is not None
        return _SASL[credentials.sasl_mechanism](credentials.username, credentials.password,
                                                 ssl_context=context, use_ssl=tls)
    return BaseSecurity(ssl_context=context, use_ssl=True) if tls else None


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """What every plain aiokafka client (producer, admin) takes to reach the broker."""
    return {"bootstrap_servers": settings.bootstrap, "client_id": settings.client_id,
            **parse_security(security(settings.credentials))}


def producer_options() -> dict[str, Any]:
    """Every producer waits for all in-sync replicas.

    Not idempotent on purpose: some Kafka-protocol brokers refuse idempotent producers, and nothing
    here needs it (the intake is idempotent per message id, event consumers drop repeats by position).
    """
    return {"acks": "all", "enable_idempotence": False, "linger_ms": 5}


def make_broker(settings: KafkaSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.bootstrap,
        client_id=settings.client_id,
        **producer_options(),
        security=security(settings.credentials),
        # A pattern subscription sees a new tenant topic at the next metadata refresh.
        metadata_max_age_ms=settings.topic_refresh_ms,
        log_level=logging.DEBUG,  # one line per batch is too chatty for the default level
        description="eduplan's Kafka doors: HR messages in, committed events out.",
    )
