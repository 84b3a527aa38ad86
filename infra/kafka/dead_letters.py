"""The dead-letter topic: every rejected record of the Kafka door is copied there at least once.

A lane's outcomes are stored before its copies are sent, so a worker that dies in between leaves
rejections whose copies the broker never got; the records are read again (their offsets were not
committed) and are now duplicates. So a duplicate whose first outcome was a rejection at this door is
copied again unless the copy is on record as sent: :class:`SentDeadLetters` lists the copies the broker
acknowledged (written after the acknowledgement, before the offsets are committed). A crash after the
acknowledgement and before that record sends one more copy; none is ever lost.

A copy is the record as it was received (value and key, the producer's own bytes) with headers `reason`
and `detail` of the rejection — for a duplicate, of its first outcome.

A message is named in the ledger by its (tenant, message_id); one without them, by the place of its record
(``(UNATTRIBUTED, record_place(record))``), which is how the intake recognises it when it is read again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
import structlog
from aiokafka import ConsumerRecord
from faststream.kafka.publisher.usecase import DefaultPublisher

from infra.rejections import UNATTRIBUTED

log = structlog.get_logger(__name__)

RETRY_PAUSE = 1.0
MessageKey = tuple[str, str]
"""(tenant, message_id); for a message without them, (UNATTRIBUTED, the record's place)."""


def record_place(record: ConsumerRecord) -> str:
    """Where a record was read: topic, partition, offset and the record's timestamp. The same record read
    again has the same place; a new record at the same offset of a log the broker lost and began again has
    another timestamp. The intake keeps it as the source of a message without an idempotency key."""
    return f"kafka:{record.topic}:{record.partition}:{record.offset}:{record.timestamp}"


class Ledger(Protocol):
    async def unsent(self, keys: Sequence[MessageKey]) -> set[MessageKey]:
        """Of these messages, those first rejected at the Kafka door whose copy was never acknowledged."""

    async def mark_sent(self, keys: Sequence[MessageKey]) -> None:
        """Record that the broker acknowledged the copies of these messages."""


class SentDeadLetters:
    """The ledger in PostgreSQL (table ``dead_letters_sent``); ``door`` is the Kafka door's name in outcomes."""

    def __init__(self, pool: asyncpg.Pool, door: str) -> None:
        self.pool = pool
        self.door = door

    async def unsent(self, keys: Sequence[MessageKey]) -> set[MessageKey]:
        rows = await self.pool.fetch(
            "SELECT o.tenant, o.message_id FROM outcomes AS o"
            " WHERE (o.tenant, o.message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
            "   AND o.status = 'rejected' AND o.door = $4"
            "   AND NOT EXISTS (SELECT FROM dead_letters_sent AS d"
            "                   WHERE d.tenant = o.tenant AND d.message_id = o.message_id)"
            " UNION ALL"
            " SELECT $5, o.source FROM outcomes AS o"
            " WHERE o.source = ANY($3::text[]) AND o.status = 'rejected' AND o.door = $4"
            "   AND NOT EXISTS (SELECT FROM dead_letters_sent AS d WHERE d.tenant = $5 AND d.message_id = o.source)",
            [t for t, _ in keys if t != UNATTRIBUTED], [m for t, m in keys if t != UNATTRIBUTED],
            [m for t, m in keys if t == UNATTRIBUTED], self.door, UNATTRIBUTED)
        return {(row["tenant"], row["message_id"]) for row in rows}

    async def mark_sent(self, keys: Sequence[MessageKey]) -> None:
        await self.pool.execute(
            "INSERT INTO dead_letters_sent (tenant, message_id)"
            " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            [t for t, _ in keys], [m for _, m in keys])


class DeadLetters:
    """Copies a lane's rejected records to the dead-letter topic and records the copies as sent."""

    def __init__(self, publisher: DefaultPublisher, ledger: Ledger) -> None:
        self.publisher = publisher
        self.ledger = ledger

    async def settle(self, records: Sequence[ConsumerRecord], outcomes: Sequence[dict[str, Any]]) -> int:
        """Send the copies ``records`` owe (their outcomes stored) until the broker takes them; the number sent.

        Raises when the ledger cannot be read or written: the lane is then read again, and its copies
        are sent again (at least once)."""
        owed = await self._owed(records, outcomes)
        if not owed:
            return 0
        await self._send_until_taken([record for record, _ in owed], [rejection for _, rejection in owed])
        await self.ledger.mark_sent([_key(record, rejection) for record, rejection in owed])
        return len(owed)

    async def _owed(
        self, records: Sequence[ConsumerRecord], outcomes: Sequence[dict[str, Any]]
    ) -> list[tuple[ConsumerRecord, dict[str, Any]]]:
        """(record, rejection) for each new rejection, and for each first duplicate of an unsent one."""
        owed: list[tuple[int, ConsumerRecord, dict[str, Any]]] = []
        again: dict[MessageKey, tuple[int, ConsumerRecord, dict[str, Any]]] = {}
        for index, (record, outcome) in enumerate(zip(records, outcomes, strict=True)):
            if outcome["status"] == "rejected":
                owed.append((index, record, outcome))
            elif outcome["status"] == "duplicate" and outcome["first"]["status"] == "rejected":
                again.setdefault(_key(record, outcome), (index, record, outcome["first"]))
        for _, record, rejection in owed:  # a repeat of a message rejected in this very lane: one copy is enough
            again.pop(_key(record, rejection), None)
        if again:
            unsent = await self.ledger.unsent(list(again))
            owed += [entry for key, entry in again.items() if key in unsent]
        return [(record, rejection) for _, record, rejection in sorted(owed, key=lambda entry: entry[0])]

    async def _send_until_taken(self, records: Sequence[ConsumerRecord], rejections: Sequence[dict[str, Any]]) -> None:
        """The outcomes are stored, and a lane is committed only once its copies are taken: sent from here
        until the broker takes them."""
        while True:
            try:
                await send_dead_letters(self.publisher, records, rejections)
                return
            except Exception as error:  # noqa: BLE001
                log.warning("kafka_dead_letters_failed", error=repr(error), records=len(records))
                await asyncio.sleep(RETRY_PAUSE)


async def send_dead_letters(
    publisher: DefaultPublisher, records: Sequence[ConsumerRecord], rejections: Sequence[dict[str, Any]]
) -> int:
    """Publish each record with its rejection's headers and wait for the broker's acknowledgements."""
    pending = []
    for record, rejection in zip(records, rejections, strict=True):
        pending.append(await publisher.publish(
            record.value,
            key=record.key,
            headers={"reason": rejection["reason"], "detail": rejection["detail"]},
            no_confirm=True,
        ))
    await asyncio.gather(*(ack for ack in pending if ack is not None))  # None: FastStream's in-memory broker
    return len(pending)


def _key(record: ConsumerRecord, outcome: dict[str, Any]) -> MessageKey:
    """The ledger's name of the record's message: its ids, or without them the record's place."""
    tenant, message_id = outcome.get("tenant"), outcome.get("message_id")
    if tenant is not None and message_id is not None:
        return (tenant, message_id)
    return (UNATTRIBUTED, record_place(record))
