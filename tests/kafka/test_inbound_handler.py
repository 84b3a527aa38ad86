"""The inbound handler alone: DLQ copies of rejections, offsets only after the outcomes are stored.

FastStream's in-memory broker drives the subscriber here; the real-broker tests are beside this file.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka import TestKafkaBroker

from infra.kafka import KafkaSettings, Topics, build_doors, inbound

SETTINGS = KafkaSettings(bootstrap="localhost:9092", topics=Topics("unit."))


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

    async def process(raws: list[bytes]) -> list[dict[str, Any]]:
        seen.append(raws)
        return _accept_or_reject(raws)

    broker = build_doors(SETTINGS, process)
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
    """A delivered batch as the handler sees it: records, ack (commit) and nack (rewind)."""

    def __init__(self, values: list[bytes], partitions: int = 1) -> None:
        self.raw_message = tuple(
            ConsumerRecord("m", offset % partitions, offset, 0, 0, b"t", value, None, 1, len(value), ())
            for offset, value in enumerate(values)
        )
        self.calls: list[str] = []

    async def ack(self) -> None:
        self.calls.append("ack")

    async def nack(self) -> None:
        self.calls.append("nack")


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


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "RETRY_PAUSE", 0)


async def test_the_batch_is_committed_after_its_outcomes_and_dead_letters():
    batch, dead = _Batch([b"{a", b"x", b"{b"]), _DeadLetters()

    async def process(raws: list[bytes]) -> list[dict[str, Any]]:
        assert batch.calls == []
        return _accept_or_reject(raws)

    await inbound.handle_batch(batch, process, dead)  # type: ignore[arg-type]
    assert batch.calls == ["ack"]
    assert [value for value, _, _ in dead.sent] == [b"x"]


async def test_a_batch_whose_outcomes_were_not_stored_is_rewound_not_committed():
    batch = _Batch([b"{a", b"{b"])

    async def process(raws: list[bytes]) -> list[dict[str, Any]]:
        raise OSError("database away")

    await inbound.handle_batch(batch, process, _DeadLetters())  # type: ignore[arg-type]
    assert batch.calls == ["nack"]


async def test_dead_letters_the_broker_did_not_take_are_sent_again_before_the_commit():
    batch, dead = _Batch([b"x", b"{a"]), _DeadLetters(failures=2)

    async def process(raws: list[bytes]) -> list[dict[str, Any]]:
        return _accept_or_reject(raws)

    await inbound.handle_batch(batch, process, dead)  # type: ignore[arg-type]
    assert batch.calls == ["ack"]
    assert [value for value, _, _ in dead.sent] == [b"x"]


async def test_partitions_are_processed_side_by_side_each_in_order():
    batch, dead = _Batch([b"{a0", b"{b1", b"x2", b"{d3", b"x4", b"{f5"], partitions=2), _DeadLetters()
    calls: list[list[bytes]] = []

    async def process(raws: list[bytes]) -> list[dict[str, Any]]:
        calls.append(raws)
        await asyncio.sleep(0)
        return _accept_or_reject(raws)

    await inbound.handle_batch(batch, process, dead)  # type: ignore[arg-type]
    assert sorted(calls) == [[b"{a0", b"x2", b"x4"], [b"{b1", b"{d3", b"{f5"]]
    assert sorted(value for value, _, _ in dead.sent) == [b"x2", b"x4"]
    assert batch.calls == ["ack"]


async def test_when_one_partition_fails_the_stored_ones_still_send_their_dead_letters_then_all_rewind():
    batch, dead = _Batch([b"x0", b"{b1"], partitions=2), _DeadLetters()

    async def process(raws: list[bytes]) -> list[dict[str, Any]]:
        if raws == [b"{b1"]:
            raise OSError("database away")
        return _accept_or_reject(raws)

    await inbound.handle_batch(batch, process, dead)  # type: ignore[arg-type]
    assert [value for value, _, _ in dead.sent] == [b"x0"]
    assert batch.calls == ["nack"]
