"""The inbound door: eduplan.messages → intake → outcome stored → rejected ones to the DLQ → offsets committed.

At-least-once in, exactly-once effect: a partition's offset is committed only after its records'
outcomes are stored (and its rejections acknowledged by the DLQ, see infra.kafka.dead_letters), so a
crash replays them, and the intake's per-tenant message_id idempotency turns every replayed message
into a harmless duplicate; one without a readable tenant or message_id is recognised by its record's
place (:func:`record_place`, kept as its outcome's source).

Order: the key is the tenant, so a tenant's messages share a partition. A batch is split by
partition; each partition's records go to the intake in order, one transaction per partition (or per
part of it, when it takes more stream locks than services.core.intake.MAX_LOCKS_PER_APPEND), and
the partitions of a batch are processed side by side (different tenants never wait on each other).
A partition whose records could not be stored is sought back to its first record of the batch and
read again after a pause; the others are committed.

With tenant topics (settings.tenant_topics) the subscription is the pattern of eduplan.messages.<tenant>,
and each partition's records go to the intake with the tenant of their topic.

A broker that loses its log (one that keeps topics in memory and restarts empty, or a topic deleted
and created again) comes back with empty partitions and no committed offsets, while the consumer still
holds its positions in the old log: fetching from there would wait for ever (the new log is shorter)
or skip the new log's first records (it has grown past them). :class:`OffsetGuard` notices and starts
the partitions over from the beginning of the new log (see there); records already in hand are still
processed, so every record fetched gets its outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any

import structlog
from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import KafkaMessage as StreamedBatch
from faststream.kafka.schemas import Topic
from faststream.message import StreamMessage
from pydantic import WithJsonSchema

from infra.aio import stop_if_cancelled, within
from infra.kafka.config import KafkaSettings, Topics
from infra.kafka.dead_letters import DeadLetters, Ledger, record_place
from infra.kafka.schemas import DeadLetter, InboundMessage

log = structlog.get_logger(__name__)

Process = Callable[[list[bytes], str | None, list[str]], Awaitable[list[dict[str, Any]]]]
"""Decide and store a batch of raw messages of one topic partition in order; return one outcome per message,
in order. The second argument is the tenant whose topic they came from (None: the shared topic); the third,
each record's place (:func:`record_place`), by which a message without a tenant or message_id read again is
recognised."""

RETRY_PAUSE = 1.0
COMMIT_TIMEOUT = 5.0  # a commit not acknowledged by then is given up (a later one covers its records)
CHECK_EVERY = 2.0  # seconds between two checks of the positions against the broker's log
CHECK_TIMEOUT = 5.0

# The handler receives the batch's record values unparsed; this only gives the document the schema
# of one record's value (one envelope), which is what a producer sends.
EnvelopeBatch = Annotated[list[Any], WithJsonSchema(InboundMessage.model_json_schema())]


class OffsetGuard:
    """The consumer's offsets, kept in step with the broker's log.

    - Commits are explicit (each partition: the offset after the batch's last record), made only while
      the consumer is still at that position (not rewound meanwhile), bounded in time, and remembered
      once the broker acknowledged them; so are the offsets the broker held when a partition was
      assigned.
    - Before each commit, and every few seconds, the broker must still hold what was remembered: when
      it reports less or nothing, it has lost its state, and every assigned partition starts over from
      the beginning of its log (no commit for the batch in hand; its outcomes are stored, so the
      records met again are duplicates).
    - Every few seconds, also while no record arrives: a position beyond its partition's log end means
      the log was lost too; that partition starts over from its beginning.

    One lock orders batches and checks, so a check never moves a position under a batch being handled.
    """

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.known: dict[TopicPartition, int] = {}  # offsets the broker holds for this group, as last seen
        self.restarts = 0  # times partitions were started over
        self.listener = _Rebalance(self)
        self._subscriber: Any = None

    def attach(self, subscriber: Any) -> None:
        """The subscriber whose consumer is guarded (it has one while it runs)."""
        self._subscriber = subscriber

    @property
    def consumer(self) -> Any:
        return getattr(self._subscriber, "consumer", None)

    async def commit(self, message: StreamedBatch, lanes: Sequence[Sequence[ConsumerRecord]]) -> None:
        """Commit the offsets after the batch's records (its outcomes are stored)."""
        consumer: Any = getattr(message, "consumer", None)
        if not hasattr(consumer, "committed"):  # FastStream's in-memory test broker: nothing to guard
            await message.ack()
            return
        after = {TopicPartition(lane[-1].topic, lane[-1].partition): lane[-1].offset + 1 for lane in lanes}
        try:
            lost = await within(self._lost(consumer, list(after)), CHECK_TIMEOUT)
            if lost:
                await within(self._start_over(consumer, list(consumer.assignment()),
                                                        reason="committed offsets lost", lost=lost),
                                       CHECK_TIMEOUT)
                return
            offsets = {tp: offset for tp, offset in after.items() if await _still_at(consumer, tp, offset)}
            if offsets:
                await within(consumer.commit(offsets), COMMIT_TIMEOUT)
                self.known.update(offsets)
        except (KafkaError, TimeoutError) as error:  # the next batch's commit covers these records too
            log.warning("kafka_commit_failed", error=repr(error), records=sum(len(lane) for lane in lanes))

    async def watch(self, every: float = CHECK_EVERY) -> None:
        """Check the consumer's positions against the broker every ``every`` s, until cancelled."""
        while True:
            stop_if_cancelled()
            await asyncio.sleep(every)
            consumer = self.consumer
            if consumer is None:
                continue
            try:
                async with self.lock:
                    await within(self.check(consumer), CHECK_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - broker away or a rebalance under way: next round
                log.debug("kafka_offset_check_skipped", error=repr(error))

    async def check(self, consumer: Any) -> None:
        """Start partitions over when the broker lost the committed offsets or the log under them."""
        assigned = list(consumer.assignment())
        if not assigned:
            return
        lost = await self._lost(consumer, assigned)
        if lost:
            await self._start_over(consumer, assigned, reason="committed offsets lost", lost=lost)
            return
        # The log end is the high watermark of the latest fetch response (the consumer fetches all the
        # time, also at a position past the end; some brokers answer ListOffsets with less than the
        # true end). Positions are read first: a high watermark read later is never below them while
        # the log is intact.
        positions = {tp: await consumer.position(tp) for tp in assigned}
        ends = {tp: consumer.highwater(tp) for tp in assigned}
        beyond = [tp for tp in assigned if ends[tp] is not None and positions[tp] > ends[tp]]
        if beyond:
            await self._start_over(consumer, beyond, reason="position beyond the log end",
                                   positions={f"{tp.topic}[{tp.partition}]": [positions[tp], ends[tp]]
                                              for tp in beyond})

    async def _lost(self, consumer: Any, partitions: Sequence[TopicPartition]) -> list[TopicPartition]:
        """The partitions whose committed offset the broker no longer holds (less than remembered, or none)."""
        remembered = [tp for tp in partitions if tp in self.known]
        held = await asyncio.gather(*(consumer.committed(tp) for tp in remembered))
        return [tp for tp, offset in zip(remembered, held, strict=True) if offset is None or offset < self.known[tp]]

    async def _start_over(self, consumer: Any, partitions: list[TopicPartition], reason: str, **context: Any) -> None:
        """Seek ``partitions`` to the beginning of their log and commit that as their offset."""
        log.warning("kafka_partitions_start_over", reason=reason, partitions=_names(partitions),
                    **{k: _names(v) if isinstance(v, list) else v for k, v in context.items()})
        self.restarts += 1
        for tp in partitions:
            self.known.pop(tp, None)
        await consumer.seek_to_beginning(*partitions)
        # Replace whatever the broker holds (a commit from the old log may have reached it) with the start.
        starts = {tp: await consumer.position(tp) for tp in partitions}
        await within(consumer.commit(starts), COMMIT_TIMEOUT)
        self.known.update(starts)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Remembers the offsets the broker holds for the partitions this worker is given."""

    def __init__(self, guard: OffsetGuard) -> None:
        self.guard = guard

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        for tp in revoked:
            self.guard.known.pop(tp, None)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        partitions = list(assigned)
        for tp in partitions:
            self.guard.known.pop(tp, None)
        consumer = self.guard.consumer
        if consumer is None or not partitions:
            return
        try:
            held = await within(asyncio.gather(*(consumer.committed(tp) for tp in partitions)),
                                          CHECK_TIMEOUT)
        except (KafkaError, TimeoutError):  # left unknown: only this worker's own commits count for them
            return
        self.guard.known.update((tp, offset) for tp, offset in zip(partitions, held, strict=True)
                                if offset is not None)


async def _still_at(consumer: Any, tp: TopicPartition, offset: int) -> bool:
    """Whether the consumer still owns ``tp`` and stands at ``offset`` (not rewound since the batch)."""
    try:
        position: int = await consumer.position(tp)
    except KafkaError:  # no longer assigned
        return False
    return position == offset


def _names(partitions: Sequence[TopicPartition]) -> list[str]:
    return [f"{tp.topic}[{tp.partition}]" for tp in partitions]


def add_inbound_door(
    broker: KafkaBroker, settings: KafkaSettings, process: Process, ledger: Ledger, guard: OffsetGuard | None = None
) -> OffsetGuard:
    """Subscribe the worker group to eduplan.messages (or every tenant topic), with the DLQ as its second
    output; ``ledger`` keeps which dead letters the broker acknowledged."""
    guard = guard or OffsetGuard()
    publisher = broker.publisher(
        settings.topics.dead_letters,
        title="dead-letters",
        description="Rejected inbound records: the original value and key, headers `reason` (a contract "
        "reason code) and `detail` (a sentence naming the field or entity), UTF-8.",
        schema=DeadLetter,
    )

    subscriber = broker.subscriber(
        *_source(settings),
        pattern=settings.topics.tenant_pattern if settings.tenant_topics else None,
        group_id=settings.group_id,
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        batch=True,
        max_records=settings.batch_size,
        fetch_max_wait_ms=50,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        listener=guard.listener,
        parser=_tolerant_parser,
        decoder=_raw_values,
        title="messages",
        description=_INBOUND_TENANT_TOPICS if settings.tenant_topics else _INBOUND_SHARED_TOPIC,
    )

    dead_letters = DeadLetters(publisher, ledger)

    async def take_messages(envelopes: EnvelopeBatch, message: KafkaMessage) -> None:
        await handle_batch(message, process, dead_letters, guard, settings.topics)

    subscriber(take_messages)
    guard.attach(subscriber)
    return guard


_INBOUND_SHARED_TOPIC = ("Inbound HR messages, one envelope per record, key = tenant. Each gets exactly one stored "
                         "outcome; the offset is committed after it is stored.")
_INBOUND_TENANT_TOPICS = ("Inbound HR messages on one topic per tenant, eduplan.messages.<tenant> (read by pattern; "
                          "broker ACLs on these names bind each producer to its tenants), one envelope per record, "
                          "key = tenant. An envelope whose tenant is not its topic's is rejected with `forbidden`. "
                          "Each gets exactly one stored outcome; the offset is committed after it is stored.")


def _source(settings: KafkaSettings) -> tuple[Topic, ...]:
    return () if settings.tenant_topics else (Topic(settings.topics.messages, declare=False),)


async def handle_batch(
    message: StreamedBatch, process: Process, dead_letters: DeadLetters, guard: OffsetGuard, topics: Topics
) -> None:
    """Each partition's records in order, the partitions side by side; commit those whose outcomes are stored."""
    async with guard.lock:
        await _handle(message, process, dead_letters, guard, topics)


async def _handle(
    message: StreamedBatch, process: Process, dead_letters: DeadLetters, guard: OffsetGuard, topics: Topics
) -> None:
    lanes = _by_partition(message.raw_message)
    results = await asyncio.gather(*(_take_lane(lane, process, dead_letters, topics) for lane in lanes),
                                   return_exceptions=True)
    stored: list[list[ConsumerRecord]] = []
    failed: list[list[ConsumerRecord]] = []
    for lane, result in zip(lanes, results, strict=True):
        if isinstance(result, Exception):
            failed.append(lane)
            log.error("kafka_batch_failed", records=len(lane), first=_where(lane[0]), exc_info=result)
        elif isinstance(result, BaseException):
            raise result
        else:
            stored.append(lane)
    # The failed partitions are taken again after a pause; the stored ones are committed.
    _rewind(message, failed)
    if stored:
        # A rebalance may have taken the partitions meanwhile (the commit fails): the new owner replays
        # them, harmlessly.
        await guard.commit(message, stored)
    if failed:
        await asyncio.sleep(RETRY_PAUSE)


def _rewind(message: StreamedBatch, lanes: Sequence[Sequence[ConsumerRecord]]) -> None:
    """Seek each partition of ``lanes`` back to its first record of the batch.

    Explicitly, partition by partition: FastStream's ``nack`` of a batch seeks back the partition of the
    batch's first record only (upstream), so the other failed partitions would move on unprocessed.
    """
    consumer: Any = getattr(message, "consumer", None)
    for lane in lanes:
        first = lane[0]
        try:
            consumer.seek(TopicPartition(first.topic, first.partition), first.offset)
        except KafkaError as error:  # the partition went elsewhere meanwhile: its new owner replays it
            log.warning("kafka_rewind_failed", partition=_where(first), error=repr(error))


async def _take_lane(
    lane: Sequence[ConsumerRecord], process: Process, dead_letters: DeadLetters, topics: Topics
) -> None:
    """One partition's records: their outcomes stored, then the dead letters they owe acknowledged."""
    outcomes = await process([record.value or b"" for record in lane], topics.tenant_of(lane[0].topic),
                             [record_place(record) for record in lane])
    await dead_letters.settle(lane, outcomes)


def _by_partition(records: Sequence[ConsumerRecord]) -> list[list[ConsumerRecord]]:
    lanes: dict[tuple[str, int], list[ConsumerRecord]] = {}
    for record in records:
        lanes.setdefault((record.topic, record.partition), []).append(record)
    return list(lanes.values())


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
