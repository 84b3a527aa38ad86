"""The inbound door: eduplan.messages → intake → outcome stored → rejected ones to the DLQ → offsets committed.

At-least-once in, exactly-once effect: offsets are committed only after the batch's outcomes are
stored (and its rejections acknowledged by the DLQ), so a crash replays the batch, and the intake's
per-tenant message_id idempotency turns every replayed message into a harmless duplicate.

Order: the key is the tenant, so a tenant's messages share a partition. A batch is split by
partition; each partition's records go to the intake in order, one transaction per partition, and
the partitions of a batch are processed side by side (different tenants never wait on each other).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any

import structlog
from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import KafkaMessage as StreamedBatch
from faststream.kafka.publisher.usecase import DefaultPublisher
from faststream.kafka.schemas import Topic
from faststream.message import StreamMessage
from pydantic import WithJsonSchema

from infra.kafka.config import KafkaSettings
from infra.kafka.schemas import DeadLetter, InboundMessage

log = structlog.get_logger(__name__)

Process = Callable[[list[bytes]], Awaitable[list[dict[str, Any]]]]
"""Decide and store a batch of raw messages in order; return one outcome per message, in order."""

RETRY_PAUSE = 1.0

# The handler receives the batch's record values unparsed; this only gives the document the schema
# of one record's value (one envelope), which is what a producer sends.
EnvelopeBatch = Annotated[list[Any], WithJsonSchema(InboundMessage.model_json_schema())]


def add_inbound_door(broker: KafkaBroker, settings: KafkaSettings, process: Process) -> None:
    """Subscribe the worker group to eduplan.messages, with the DLQ as its second output."""
    dead_letters = broker.publisher(
        settings.topics.dead_letters,
        title="dead-letters",
        description="Rejected inbound records: the original value and key, headers `reason` (a contract "
        "reason code) and `detail` (a sentence naming the field or entity), UTF-8.",
        schema=DeadLetter,
    )

    @broker.subscriber(
        Topic(settings.topics.messages, declare=False),
        group_id=settings.group_id,
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        batch=True,
        max_records=settings.batch_size,
        fetch_max_wait_ms=50,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        parser=_tolerant_parser,
        decoder=_raw_values,
        title="messages",
        description="Inbound HR messages, one envelope per record, key = tenant. Each gets exactly one "
        "stored outcome; the offset is committed after it is stored.",
    )
    async def take_messages(envelopes: EnvelopeBatch, message: KafkaMessage) -> None:
        await handle_batch(message, process, dead_letters)


async def handle_batch(message: StreamedBatch, process: Process, dead_letters: DefaultPublisher) -> None:
    """Each partition's records in order, the partitions side by side; commit when all are stored."""
    lanes = _by_partition(message.raw_message)
    results = await asyncio.gather(*(process([r.value or b"" for r in lane]) for lane in lanes),
                                   return_exceptions=True)
    failed = False
    for lane, result in zip(lanes, results, strict=True):
        if isinstance(result, Exception):
            failed = True
            log.error("kafka_batch_failed", records=len(lane), first=_where(lane[0]), exc_info=result)
        elif isinstance(result, BaseException):
            raise result
        else:
            await _send_until_taken(dead_letters, lane, result)
    if failed:
        # Rewind every partition of the batch and take it again after a pause; the lanes that were
        # stored come back as duplicates (their dead letters are already out).
        try:
            await message.nack()
        except KafkaError as error:  # the partitions went elsewhere meanwhile: their new owner replays
            log.warning("kafka_rewind_failed", error=repr(error))
        await asyncio.sleep(RETRY_PAUSE)
        return
    try:
        await message.ack()
    except KafkaError as error:  # a rebalance took the partitions: the new owner replays, harmlessly
        log.warning("kafka_commit_failed", error=repr(error), records=len(message.raw_message))


async def _send_until_taken(
    dead_letters: DefaultPublisher, records: Sequence[ConsumerRecord], outcomes: Sequence[dict[str, Any]]
) -> None:
    """The outcomes are stored, so a replay would only see duplicates: the DLQ copies are sent from
    here until the broker takes them (it is needed for the offset commit anyway)."""
    while True:
        try:
            await send_dead_letters(dead_letters, records, outcomes)
            return
        except Exception as error:  # noqa: BLE001
            log.warning("kafka_dead_letters_failed", error=repr(error), first=_where(records[0]))
            await asyncio.sleep(RETRY_PAUSE)


def _by_partition(records: Sequence[ConsumerRecord]) -> list[list[ConsumerRecord]]:
    lanes: dict[tuple[str, int], list[ConsumerRecord]] = {}
    for record in records:
        lanes.setdefault((record.topic, record.partition), []).append(record)
    return list(lanes.values())


async def send_dead_letters(
    dead_letters: DefaultPublisher, records: Sequence[ConsumerRecord], outcomes: Sequence[dict[str, Any]]
) -> int:
    """Publish each rejected record to the DLQ and wait for the broker's acknowledgements."""
    pending = []
    for record, outcome in zip(records, outcomes, strict=True):
        if outcome["status"] != "rejected":
            continue
        pending.append(await dead_letters.publish(
            record.value,
            key=record.key,
            headers={"reason": outcome["reason"], "detail": outcome["detail"]},
            no_confirm=True,
        ))
    await asyncio.gather(*(ack for ack in pending if ack is not None))  # None: FastStream's in-memory broker
    return len(pending)


async def _tolerant_parser(
    records: tuple[ConsumerRecord, ...], parse: Callable[[tuple[ConsumerRecord, ...]], Awaitable[StreamedBatch]]
) -> StreamedBatch:
    """FastStream reads header values as UTF-8; a record with other bytes there still gets its outcome."""
    try:
        return await parse(records)
    except UnicodeDecodeError:
        return await parse(tuple(replace(r, headers=_readable(r.headers)) for r in records))


def _readable(headers: Sequence[tuple[str, bytes | None]]) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, (value or b"").decode("utf-8", "replace").encode()) for name, value in headers)


async def _raw_values(message: StreamMessage[Any]) -> list[bytes]:
    return list(message.body)


def _where(record: ConsumerRecord) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"
