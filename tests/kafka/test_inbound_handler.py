"""The inbound handler alone: DLQ copies of rejections, offsets only after the outcomes are stored.

FastStream's in-memory broker drives the subscriber here; the real-broker tests are beside this file.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka import TestKafkaBroker

from infra.kafka import KafkaSettings, Topics, build_doors, dead_letters, inbound
from infra.kafka.dead_letters import DeadLetters, MessageKey

SETTINGS = KafkaSettings(bootstrap="localhost:9092", topics=Topics("unit."))
TOPICS = Topics()


def _accept_or_reject(raws: list[bytes]) -> list[dict[str, Any]]:
    return [
        {"status": "rejected", "tenant": None, "message_id": None, "reason": "invalid_envelope",
         "detail": "the message is not valid JSON (Ünïcode stays readable)"}
        if not raw.startswith(b"{") else
        {"status": "accepted", "tenant": "t", "message_id": raw.decode(), "events": []}
        for raw in raws
    ]


async def test_a_rejected_record_is_copied_to_the_dlq_with_its_key_and_reason():
    seen: list[list[bytes]] = []

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        seen.append(raws)
        return _accept_or_reject(raws)

    broker = build_doors(SETTINGS, process, _Ledger())
    dead: list[Any] = []

    @broker.subscriber(SETTINGS.topics.dead_letters)
    async def collect(body: bytes, message: inbound.KafkaMessage) -> None:
        dead.append(message)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b'{"fine": true}', topic=SETTINGS.topics.messages, key=b"t")
        await test_broker.publish(b"\xffnot json", topic=SETTINGS.topics.messages, key=b"t")

    assert seen == [[b'{"fine": true}'], [b"\xffnot json"]]
    assert len(dead) == 1
    record = dead[0].raw_message
    assert (record.key, record.value) == (b"t", b"\xffnot json")
    headers = {k: v.decode() for k, v in record.headers}
    assert headers["reason"] == "invalid_envelope"
    assert headers["detail"] == "the message is not valid JSON (Ünïcode stays readable)"


class _Batch:
    """A delivered batch as the handler sees it: records, ack (commit), nack, and its consumer's seeks."""

    def __init__(self, values: list[bytes], partitions: int = 1) -> None:
        self.raw_message = tuple(
            ConsumerRecord("m", offset % partitions, offset, 0, 0, b"t", value, None, 1, len(value), ())
            for offset, value in enumerate(values)
        )
        self.calls: list[str] = []
        self.consumer = self

    async def ack(self) -> None:
        self.calls.append("ack")

    async def nack(self) -> None:
        self.calls.append("nack")

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.calls.append(f"seek {partition.partition}@{offset}")


class _DeadLetters:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[bytes, bytes, dict[str, str]]] = []
        self.failures = failures

    async def publish(self, value: bytes, *, key: bytes, headers: dict[str, str], no_confirm: bool) -> Any:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker away")
        self.sent.append((value, key, headers))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class _Ledger:
    """The dead letters on record as sent, in memory (every rejection here counts as one of the Kafka door)."""

    def __init__(self, broken: bool = False) -> None:
        self.sent: set[MessageKey] = set()
        self.broken = broken

    async def unsent(self, keys: Any) -> set[MessageKey]:
        if self.broken:
            raise OSError("database away")
        return {key for key in keys if key not in self.sent}

    async def mark_sent(self, keys: Any) -> None:
        if self.broken:
            raise OSError("database away")
        self.sent.update(keys)


def _outbox(publisher: _DeadLetters, ledger: _Ledger | None = None) -> DeadLetters:
    return DeadLetters(publisher, ledger or _Ledger())  # type: ignore[arg-type]


async def _handle(batch: Any, process: Any, dead_letters: DeadLetters, guard: inbound.OffsetGuard) -> None:
    await inbound.handle_batch(batch, process, dead_letters, guard, TOPICS)


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "RETRY_PAUSE", 0)
    monkeypatch.setattr(dead_letters, "RETRY_PAUSE", 0)


async def test_the_batch_is_committed_after_its_outcomes_and_dead_letters():
    batch, dead = _Batch([b"{a", b"x", b"{b"]), _DeadLetters()

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        assert batch.calls == []
        return _accept_or_reject(raws)

    await _handle(batch, process, _outbox(dead), inbound.OffsetGuard())
    assert batch.calls == ["ack"]
    assert [value for value, _, _ in dead.sent] == [b"x"]


async def test_a_batch_whose_outcomes_were_not_stored_is_rewound_not_committed():
    batch = _Batch([b"{a", b"{b"])

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        raise OSError("database away")

    await _handle(batch, process, _outbox(_DeadLetters()), inbound.OffsetGuard())
    assert batch.calls == ["seek 0@0"]


async def test_dead_letters_the_broker_did_not_take_are_sent_again_before_the_commit():
    batch, dead = _Batch([b"x", b"{a"]), _DeadLetters(failures=2)

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        return _accept_or_reject(raws)

    await _handle(batch, process, _outbox(dead), inbound.OffsetGuard())
    assert batch.calls == ["ack"]
    assert [value for value, _, _ in dead.sent] == [b"x"]


async def test_partitions_are_processed_side_by_side_each_in_order():
    batch, dead = _Batch([b"{a0", b"{b1", b"x2", b"{d3", b"x4", b"{f5"], partitions=2), _DeadLetters()
    calls: list[list[bytes]] = []

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        calls.append(raws)
        await asyncio.sleep(0)
        return _accept_or_reject(raws)

    await _handle(batch, process, _outbox(dead), inbound.OffsetGuard())
    assert sorted(calls) == [[b"{a0", b"x2", b"x4"], [b"{b1", b"{d3", b"{f5"]]
    assert sorted(value for value, _, _ in dead.sent) == [b"x2", b"x4"]
    assert batch.calls == ["ack"]


async def test_when_one_partition_fails_the_stored_ones_still_send_their_dead_letters_and_only_it_rewinds():
    batch, dead = _Batch([b"x0", b"{b1"], partitions=2), _DeadLetters()

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        if raws == [b"{b1"]:
            raise OSError("database away")
        return _accept_or_reject(raws)

    await _handle(batch, process, _outbox(dead), inbound.OffsetGuard())
    assert [value for value, _, _ in dead.sent] == [b"x0"]
    assert batch.calls[0] == "seek 1@1" and "nack" not in batch.calls


# --- dead letters at least once: read again after a crash, a stored rejection is a duplicate ---------------


def _rejected(message_id: str | None, reason: str = "invalid_data") -> dict[str, Any]:
    return {"status": "rejected", "tenant": "t" if message_id else None, "message_id": message_id,
            "reason": reason, "detail": f"{message_id} is wrong"}


def _duplicate_of(first: dict[str, Any]) -> dict[str, Any]:
    return {"status": "duplicate", "tenant": first["tenant"], "message_id": first["message_id"], "first": first}


async def test_a_duplicate_whose_first_outcome_was_an_unsent_rejection_is_copied_again_with_that_reason():
    ledger, dead = _Ledger(), _DeadLetters()
    outcomes = [_duplicate_of(_rejected("m1", "unknown_employee")),
                _duplicate_of({"status": "accepted", "tenant": "t", "message_id": "m2", "events": []}),
                _duplicate_of(_rejected("m3")),
                _duplicate_of(_rejected("m1", "unknown_employee"))]
    ledger.sent.add(("t", "m3"))
    batch = _Batch([b"one", b"two", b"three", b"one again"])

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        return outcomes

    await _handle(batch, process, _outbox(dead, ledger), inbound.OffsetGuard())
    assert dead.sent == [(b"one", b"t", {"reason": "unknown_employee", "detail": "m1 is wrong"})]
    assert ledger.sent == {("t", "m1"), ("t", "m3")}
    assert batch.calls == ["ack"]


async def test_a_rejection_and_its_repeat_in_one_lane_are_copied_once_and_recorded():
    ledger, dead = _Ledger(), _DeadLetters()
    first = _rejected("m1")
    batch = _Batch([b"m1", b"m1", b"garbage"])

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        return [first, _duplicate_of(first), _rejected(None, "invalid_envelope")]

    await _handle(batch, process, _outbox(dead, ledger), inbound.OffsetGuard())
    assert [value for value, _, _ in dead.sent] == [b"m1", b"garbage"]
    # The one without ids is on record by its record's place, by which the intake recognises it when read again.
    assert ledger.sent == {("t", "m1"), ("", dead_letters.record_place(batch.raw_message[2]))}


async def test_a_record_without_ids_read_again_is_copied_again_only_while_its_copy_is_unsent():
    ledger, dead = _Ledger(), _DeadLetters()
    first = _rejected(None, "invalid_envelope")
    batch = _Batch([b"garbage", b"more garbage"])
    ledger.sent.add(("", dead_letters.record_place(batch.raw_message[1])))

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        assert places == [dead_letters.record_place(record) for record in batch.raw_message]
        return [_duplicate_of(first), _duplicate_of(first)]

    await _handle(batch, process, _outbox(dead, ledger), inbound.OffsetGuard())
    assert [value for value, _, _ in dead.sent] == [b"garbage"]
    assert ledger.sent == {("", dead_letters.record_place(record)) for record in batch.raw_message}
    assert batch.calls == ["ack"]


async def test_a_lane_whose_dead_letters_cannot_be_looked_up_is_read_again_not_committed():
    batch, dead = _Batch([b"m1"]), _DeadLetters()

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        return [_duplicate_of(_rejected("m1"))]

    await _handle(batch, process, _outbox(dead, _Ledger(broken=True)), inbound.OffsetGuard())
    assert dead.sent == []
    assert batch.calls == ["seek 0@0"]


# --- the offset guard: explicit commits, and a broker that lost its log ------------------------------


class _Consumer:
    """The consumer calls the guard makes, over a broker that holds committed offsets and log ends."""

    def __init__(self, positions: dict[int, int], ends: dict[int, int], committed: dict[int, int]) -> None:
        self.positions = {TopicPartition("m", p): o for p, o in positions.items()}
        self.ends = {TopicPartition("m", p): o for p, o in ends.items()}
        self.broker = {TopicPartition("m", p): o for p, o in committed.items()}
        self.commits: list[dict[int, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return set(self.positions)

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.ends.get(tp)

    async def committed(self, tp: TopicPartition) -> int | None:
        return self.broker.get(tp)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.broker.update(offsets)
        self.commits.append({tp.partition: offset for tp, offset in offsets.items()})

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self.positions[tp] = 0

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.positions[partition] = offset


class _Fetched(_Batch):
    """Records at given (partition, offset) places, fetched by ``consumer`` (which now stands after them).

    Its ``nack`` does what upstream FastStream's does for a batch: seek back the first record's partition only.
    """

    def __init__(self, consumer: _Consumer, places: list[tuple[int, int]]) -> None:
        self.raw_message = tuple(
            ConsumerRecord("m", partition, offset, 0, 0, b"t", b"{%d}" % offset, None, 1, 4, ())
            for partition, offset in places
        )
        self.calls = []
        self.consumer = consumer
        for partition, offset in places:
            consumer.positions[TopicPartition("m", partition)] = offset + 1

    async def nack(self) -> None:
        self.calls.append("nack")
        first = self.raw_message[0]
        self.consumer.seek(TopicPartition(first.topic, first.partition), first.offset)


async def _stored(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
    return _accept_or_reject(raws)


async def test_the_commit_names_the_offset_after_each_partitions_last_record():
    consumer = _Consumer(positions={0: 0, 1: 0}, ends={0: 10, 1: 10}, committed={})
    guard = inbound.OffsetGuard()
    await _handle(_Fetched(consumer, [(0, 0), (1, 0), (0, 1)]), _stored, _outbox(_DeadLetters()), guard)
    assert consumer.commits == [{0: 2, 1: 1}]
    await _handle(_Fetched(consumer, [(1, 1)]), _stored, _outbox(_DeadLetters()), guard)
    assert consumer.commits[-1] == {1: 2}
    assert guard.known == {TopicPartition("m", 0): 2, TopicPartition("m", 1): 2}


async def test_every_failed_partition_of_a_batch_is_rewound_and_the_stored_ones_are_committed():
    consumer = _Consumer(positions={0: 0, 1: 0, 2: 0}, ends={0: 10, 1: 10, 2: 10}, committed={})
    guard = inbound.OffsetGuard()
    batch = _Fetched(consumer, [(1, 3), (0, 5), (2, 7), (1, 4), (0, 6), (2, 8)])

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        if raws[0] in (b"{3}", b"{7}"):  # partitions 1 and 2: their outcomes were not stored
            raise OSError("database away")
        return _accept_or_reject(raws)

    await _handle(batch, process, _outbox(_DeadLetters()), guard)
    # Each failed partition goes back to its first record of the batch, whichever partition came first.
    assert consumer.positions == {TopicPartition("m", 0): 7, TopicPartition("m", 1): 3, TopicPartition("m", 2): 7}
    assert consumer.commits == [{0: 7}]


async def test_a_broker_that_lost_the_committed_offsets_makes_every_partition_start_over_uncommitted():
    consumer = _Consumer(positions={0: 0, 1: 0}, ends={0: 10, 1: 10}, committed={})
    guard = inbound.OffsetGuard()
    await _handle(_Fetched(consumer, [(0, 0), (0, 1), (1, 0)]), _stored, _outbox(_DeadLetters()), guard)
    # The broker restarts empty; the new log has grown past the old positions before the consumer looked.
    consumer.broker.clear()
    seen: list[list[bytes]] = []

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        seen.append(raws)
        return _accept_or_reject(raws)

    await _handle(_Fetched(consumer, [(0, 2), (0, 3)]), process, _outbox(_DeadLetters()), guard)
    assert seen == [[b"{2}", b"{3}"]]  # the records in hand still get their outcomes
    assert consumer.positions == {TopicPartition("m", 0): 0, TopicPartition("m", 1): 0}
    assert consumer.commits[-1] == {0: 0, 1: 0}  # the start of the new log, not the batch's offsets
    assert guard.restarts == 1


async def test_a_position_beyond_the_log_end_starts_that_partition_over():
    consumer = _Consumer(positions={0: 0, 1: 0}, ends={0: 10, 1: 10}, committed={})
    guard = inbound.OffsetGuard()
    await _handle(_Fetched(consumer, [(0, 5), (1, 7)]), _stored, _outbox(_DeadLetters()), guard)
    await guard.check(consumer)
    assert guard.restarts == 0
    # A stale commit reached the emptied broker: it holds the old offsets, but partition 1's log is short.
    consumer.ends[TopicPartition("m", 1)] = 3
    await guard.check(consumer)
    assert consumer.positions == {TopicPartition("m", 0): 6, TopicPartition("m", 1): 0}
    assert consumer.commits[-1] == {1: 0}
    assert guard.restarts == 1


async def test_no_commit_for_a_partition_that_moved_while_its_batch_was_handled():
    consumer = _Consumer(positions={0: 0, 1: 0}, ends={0: 10, 1: 10}, committed={})
    guard = inbound.OffsetGuard()
    batch = _Fetched(consumer, [(0, 0), (1, 0)])

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        consumer.positions[TopicPartition("m", 1)] = 0  # e.g. sought back meanwhile
        return _accept_or_reject(raws)

    await _handle(batch, process, _outbox(_DeadLetters()), guard)
    assert consumer.commits == [{0: 1}]


async def test_partitions_given_to_the_worker_bring_the_offsets_the_broker_holds_for_them():
    consumer = _Consumer(positions={0: 4, 1: 0}, ends={0: 10, 1: 10}, committed={0: 4})
    guard = inbound.OffsetGuard()
    guard.attach(type("Subscriber", (), {"consumer": consumer})())
    guard.known[TopicPartition("m", 1)] = 9  # from an earlier assignment
    await guard.listener.on_partitions_assigned({TopicPartition("m", 0), TopicPartition("m", 1)})
    assert guard.known == {TopicPartition("m", 0): 4}
    # The broker restarts empty before this worker commits anything on partition 0: noticed all the same.
    consumer.broker.clear()
    await guard.check(consumer)
    assert consumer.positions == {TopicPartition("m", 0): 0, TopicPartition("m", 1): 0}
    await guard.listener.on_partitions_revoked({TopicPartition("m", 0)})
    assert TopicPartition("m", 0) not in guard.known
