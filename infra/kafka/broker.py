"""The broker clients: the FastStream KafkaBroker (subscriber, DLQ) and the relay's producer, built here."""

from __future__ import annotations

import logging
from typing import Any

from faststream.kafka import KafkaBroker

from infra.kafka.config import KafkaSettings


def producer_options(settings: KafkaSettings) -> dict[str, Any]:
    """Every producer waits for all in-sync replicas.

    Not idempotent on purpose: some Kafka-protocol brokers refuse idempotent producers, and nothing
    here needs it (the intake is idempotent per message id, event consumers drop repeats by position).
    """
    return {"client_id": settings.client_id, "acks": "all", "enable_idempotence": False, "linger_ms": 5}


def make_broker(settings: KafkaSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.bootstrap,
        **producer_options(settings),
        log_level=logging.DEBUG,  # one line per batch is too chatty for the default level
        description="eduplan's Kafka doors: HR messages in, committed events out.",
    )
