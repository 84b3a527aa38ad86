"""The Kafka doors' settings and topic names, read from EDUPLAN_KAFKA_* variables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from domain.messages import TENANT_PATTERN

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

    # Tenant topics: eduplan.messages.<tenant>, one per tenant, so that broker ACLs on (prefixed) topic
    # names bind each producer to its tenants. The dead-letter topic has the same form; it is no tenant's.

    def for_tenant(self, tenant: str) -> str:
        return f"{self.messages}.{tenant}"

    @property
    def tenant_pattern(self) -> str:
        """A regular expression that matches every tenant topic and nothing else (the dead-letter topic not)."""
        return f"^(?!{re.escape(self.dead_letters)}$){re.escape(self.messages)}\\.{TENANT_PATTERN.pattern}$"

    def tenant_of(self, topic: str) -> str | None:
        """The tenant whose topic this is; None for any other topic (the shared eduplan.messages)."""
        return topic[len(self.messages) + 1:] if re.match(self.tenant_pattern, topic) else None


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class Credentials:
    """How the worker's clients authenticate to the broker (SASL), and whether they use TLS."""

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "PLAIN"
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return (f"Credentials(security_protocol={self.security_protocol!r}, sasl_mechanism={self.sasl_mechanism!r},"
                f" username={self.username!r})")


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str
    topics: Topics = Topics()
    tenant_topics: bool = False  # read eduplan.messages.<tenant> (pattern subscription) instead of eduplan.messages
    topic_refresh_ms: int = 30_000  # how soon a new tenant topic is read (the consumer's metadata refresh)
    credentials: Credentials = Credentials()
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

    def topics_to_create(self) -> list[str]:
        """The topics the worker creates when missing; tenant topics are the operator's (with their ACLs)."""
        if self.tenant_topics:
            return [self.topics.dead_letters, self.topics.events]
        return self.topics.all()

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
            tenant_topics=_flag(env, "EDUPLAN_KAFKA_TENANT_TOPICS"),
            topic_refresh_ms=_positive(env, "EDUPLAN_KAFKA_TOPIC_REFRESH_MS", 30_000),
            credentials=_credentials(env),
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


def _flag(env: os._Environ[str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be 1 or 0, not {text!r}")


def _credentials(env: os._Environ[str]) -> Credentials:
    protocol = (env.get("EDUPLAN_KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise ValueError(f"EDUPLAN_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(SECURITY_PROTOCOLS)},"
                         f" not {protocol!r}")
    mechanism = (env.get("EDUPLAN_KAFKA_SASL_MECHANISM") or "PLAIN").upper()
    if mechanism not in SASL_MECHANISMS:
        raise ValueError(f"EDUPLAN_KAFKA_SASL_MECHANISM must be one of {', '.join(SASL_MECHANISMS)},"
                         f" not {mechanism!r}")
    username = env.get("EDUPLAN_KAFKA_SASL_USERNAME") or None
    password = env.get("EDUPLAN_KAFKA_SASL_PASSWORD") or None
    if protocol.startswith("SASL_") and (username is None or password is None):
        raise ValueError(f"EDUPLAN_KAFKA_SECURITY_PROTOCOL={protocol} needs EDUPLAN_KAFKA_SASL_USERNAME"
                         " and EDUPLAN_KAFKA_SASL_PASSWORD")
    if not protocol.startswith("SASL_") and username is not None:
        raise ValueError("EDUPLAN_KAFKA_SASL_USERNAME is set, but EDUPLAN_KAFKA_SECURITY_PROTOCOL is"
                         f" {protocol}: set it to SASL_PLAINTEXT or SASL_SSL")
    return Credentials(protocol, mechanism, username, password)
