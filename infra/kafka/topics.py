"""Create the topics the doors need when they are missing (existing topics are left as they are)."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError

from infra.kafka.broker import client_options
from infra.kafka.config import KafkaSettings

log = structlog.get_logger(__name__)

_TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(settings: KafkaSettings, *, attempts: int = 30, pause: float = 1.0) -> list[str]:
    """Create each missing topic with the configured partitions; return the names created.

    The broker may still be starting (a container next to this one), so connecting is retried.
    """
    admin = await _connected_admin(settings, attempts, pause)
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in settings.topics_to_create() if name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [NewTopic(name, settings.partitions, settings.replication) for name in missing]
        )
        created = []
        for name, code, message in _topic_errors(response):
            if code == 0:
                created.append(name)
            elif code != _TOPIC_ALREADY_EXISTS:  # another worker was quicker: fine
                raise KafkaError(f"could not create topic {name}: {message or code}")
        log.info("kafka_topics_created", topics=created, partitions=settings.partitions)
        return created
    finally:
        await admin.close()


async def _connected_admin(settings: KafkaSettings, attempts: int, pause: float) -> AIOKafkaAdminClient:
    for attempt in range(1, attempts + 1):
        admin = AIOKafkaAdminClient(**client_options(settings))
        try:
            await admin.start()
            return admin
        except KafkaConnectionError:
            await admin.close()
            if attempt == attempts:
                raise
            log.info("kafka_not_ready", bootstrap=settings.bootstrap, attempt=attempt)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


def _topic_errors(response: object) -> list[tuple[str, int, str | None]]:
    rows = getattr(response, "topic_errors", [])
    return [(row[0], row[1], row[2] if len(row) > 2 else None) for row in rows]
