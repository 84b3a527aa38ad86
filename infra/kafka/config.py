"""The Kafka doors' settings and topic names, read from EDUPLAN_KAFKA_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

MESSAGES = "eduplan.messages"
DEAD_LETTERS = "eduplan.messages.dlq"
EVENTS = "eduplan.events"
WORKER_GROUP = "eduplan-workers"
DOOR = "kafka"  # the door name this worker's outcomes are stored under


@dataclass(frozen=True)
class Topics:
    """The three topics, each under an optional prefix (so that test runs can share one broker)."""

    prefix: str = ""

    @property
    def messages(self) -> str:
        return self.prefix + MESSAGES

    @property
    def dead_letters(self) -> str:
        return self.prefix + DEAD_LETTERS

    @property
    def events(self) -> str:
        return self.prefix + EVENTS

    def all(self) -> list[str]:
        return [self.messages, self.dead_letters, self.events]


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str
    topics: Topics = Topics()
    partitions: int = 6
    replication: int = 1
    group: str | None = None  # default: the topic prefix + "eduplan-workers"
    session_timeout_ms: int = 10_000  # a dead worker's partitions move after this long
    batch_size: int = 500  # records handed to one intake transaction at most
    relay_batch_size: int = 1000  # events per relay round
    client_id: str = "eduplan"
    heartbeat_file: str | None = None  # touched while the broker answers (a container health check)

    @property
    def group_id(self) -> str:
        return self.group or self.topics.prefix + WORKER_GROUP

    @property
    def heartbeat_interval_ms(self) -> int:
        return max(self.session_timeout_ms // 5, 100)

    @classmethod
    def from_env(cls, bootstrap: str) -> KafkaSettings:
        env = os.environ
        return cls(
            bootstrap=bootstrap,
            topics=Topics(env.get("EDUPLAN_KAFKA_TOPIC_PREFIX", "")),
            partitions=_positive(env, "EDUPLAN_KAFKA_PARTITIONS", 6),
            replication=_positive(env, "EDUPLAN_KAFKA_REPLICATION", 1),
            group=env.get("EDUPLAN_KAFKA_GROUP") or None,
            session_timeout_ms=_positive(env, "EDUPLAN_KAFKA_SESSION_TIMEOUT_MS", 10_000),
            batch_size=_positive(env, "EDUPLAN_KAFKA_BATCH_SIZE", 500),
            relay_batch_size=_positive(env, "EDUPLAN_KAFKA_RELAY_BATCH_SIZE", 1000),
            heartbeat_file=env.get("EDUPLAN_WORKER_HEARTBEAT_FILE") or None,
        )


def _positive(env: os._Environ[str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value
