"""The outbound door: committed events onto eduplan.events (value = the event JSON, key = its stream).

Personal data never goes out: a topic keeps what it is given for its whole retention, beyond the reach of
erasure. Each personal field (domain.decider.PERSONAL_FIELDS) present in an event goes out as `null`, and
the record's header `personal` names the fields withheld, as a JSON array (`[]` when none). The relay reads
the log without decrypting, so the record is the same before and after an erasure.

Order under failure: a stream's events share a partition (key = stream), and each partition's events
go out as record batches, one at a time, the next only after the broker acknowledged the one before.
A record batch is appended whole or not at all, so when a send fails nothing later of that partition
has been sent: a retry re-sends from the first unacknowledged event, and a stream's first deliveries
stay in version order (repeats may follow; consumers drop them by position).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from faststream.kafka import KafkaBroker

from domain.decider import PERSONAL_FIELDS
from infra.crypto import is_encrypted
from infra.kafka.broker import client_options, producer_options
from infra.kafka.config import KafkaSettings
from infra.kafka.schemas import PublishedEvent

BATCH_BYTES = 256 * 1024  # one record batch, well below the broker's 1 MiB default message limit


class DeliveryFailed(Exception):
    """Some events of a round were not acknowledged: the first ``acknowledged`` (in the order given) were,
    together with everything before them; from the first one that was not, nothing is known."""

    def __init__(self, acknowledged: int, cause: BaseException) -> None:
        super().__init__(f"{acknowledged} events acknowledged before a send failed: {cause!r}")
        self.acknowledged = acknowledged
        self.cause = cause


class EventPublisher:
    """Sends a round of events and returns once the broker has acknowledged every one of them.

    A plain producer rather than a FastStream publisher: this is the hot path of the relay, and
    FastStream's per-record work (correlation ids, codecs, middlewares) cost a third of its rate.
    """

    def __init__(self, settings: KafkaSettings, producer: AIOKafkaProducer | None = None) -> None:
        self.topic = settings.topics.events
        self._producer = producer or AIOKafkaProducer(max_batch_size=BATCH_BYTES, **client_options(settings),
                                                      **producer_options())
        self._partitioner = DefaultPartitioner()

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, events: Sequence[dict[str, Any]]) -> None:
        """Publish ``events`` (in log order); raise :class:`DeliveryFailed` when any was not acknowledged."""
        if not events:
            return
        partitions = sorted(await self._producer.partitions_for(self.topic))
        lanes: dict[int, list[int]] = {}
        for index, event in enumerate(events):
            # The producer's own partitioner, so that keys land where any other producer puts them.
            partition = self._partitioner(event["stream"].encode(), partitions, partitions)
            lanes.setdefault(partition, []).append(index)
        results = await asyncio.gather(*(self._send_lane(partition, lane, events)
                                         for partition, lane in lanes.items()))
        failures = [(first, error) for first, error in results if error is not None]
        if failures:
            first, error = min(failures, key=lambda failure: failure[0])
            raise DeliveryFailed(first, error)

    async def _send_lane(
        self, partition: int, lane: list[int], events: Sequence[dict[str, Any]]
    ) -> tuple[int, BaseException | None]:
        """One partition's events in order, a record batch at a time; stops at the first failed batch.

        Returns (index of the first event not acknowledged, the error) or (len(events), None)."""
        at = 0
        while at < len(lane):
            batch = self._producer.create_batch()
            start = at
            while at < len(lane) and _append(batch, events[lane[at]]):
                at += 1
            batch.close()
            try:
                delivered = await self._producer.send_batch(batch, self.topic, partition=partition)
                await delivered
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - reported to the relay, which retries from here
                return lane[start], error
        return len(events), None


def withhold_personal(event: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The event as it goes out, each personal field's value null; and the names of the fields withheld.

    A value still sealed is withheld too, whatever its field: only what is known to be impersonal goes out."""
    data = event["data"]
    personal = PERSONAL_FIELDS.get(event["type"], ())
    withheld = sorted(name for name, value in data.items() if name in personal or is_encrypted(value))
    if not withheld:
        return event, []
    return {**event, "data": {**data, **dict.fromkeys(withheld)}}, withheld


def _append(batch: Any, event: dict[str, Any]) -> bool:
    published, withheld = withhold_personal(event)
    metadata = batch.append(
        timestamp=None,
        key=event["stream"].encode(),
        value=json.dumps(published, ensure_ascii=False).encode(),
        headers=[("tenant", event["tenant"].encode()), ("type", event["type"].encode()),
                 ("position", str(event["position"]).encode()), ("personal", json.dumps(withheld).encode())],
    )
    return metadata is not None


def document_event_topic(broker: KafkaBroker, settings: KafkaSettings) -> None:
    """Declare eduplan.events on the broker, for the AsyncAPI document (EventPublisher sends to it)."""
    broker.publisher(
        settings.topics.events,
        title="events",
        description="Every event appended to the log, after it is committed, in log order: key = stream "
        "(so a stream's events stay in version order), headers `tenant`, `type`, `position` and `personal` "
        "(UTF-8). Personal fields are never sent: their value is null, and the header `personal` lists the "
        "withheld field names as a JSON array, e.g. `[\"name\"]` (`[]` when none); ask the HTTP API for "
        "them while the person's key exists. Delivery is at least once: drop repeats by `position`.",
        schema=PublishedEvent,
    )
