"""Kafka doors: topics, the broker client, the inbound subscriber with its DLQ, and the outbox relay."""

from infra.kafka.config import KafkaSettings, Topics
from infra.kafka.outbound import EventPublisher
from infra.kafka.relay import OutboxRelay
from infra.kafka.topics import ensure_topics
from infra.kafka.worker import KafkaWorker, build_doors

__all__ = ["EventPublisher", "KafkaSettings", "KafkaWorker", "OutboxRelay", "Topics", "build_doors", "ensure_topics"]
