"""A record read again after its outcome was stored (its offset not committed: a worker that died, or an
answer lost right after the store's commit) gets no second outcome — also one without a readable tenant or
message id, which no idempotency key recognises — and its dead letter is still sent at least once."""

from __future__ import annotations

from typing import Any

from kafka_support import assert_dead_letters_cover, awkward_records, demo_feed, ingest_directly, produce, wait_until

from infra.kafka import KafkaWorker
from services.doors.kafka import kafka_process


async def test_a_record_read_again_gets_no_second_outcome(app, reference_app, kafka_settings, producer):
    feed = demo_feed(limit=60, tenants=1)
    feed += awkward_records(feed)
    store = kafka_process(app.intake)
    read: set[bytes] = set()
    answered: set[bytes] = set()

    async def answer_lost_the_first_time(raws: list[bytes], *rest: Any) -> list[dict[str, Any]]:
        """Stores the lane; a lane with a record not read before loses its answer after the commit, so the
        worker reads it again from its first record."""
        outcomes = await store(raws, *rest)
        fresh = not read.issuperset(raws)
        read.update(raws)
        if fresh:
            raise ConnectionResetError("the connection dropped after the commit")
        answered.update(raws)
        return outcomes

    async def all_answered() -> bool | None:
        return True if answered.issuperset(value for _, value in feed) else None

    async with KafkaWorker(kafka_settings, app.store, answer_lost_the_first_time):
        await produce(producer, kafka_settings.topics.messages, feed)
        await wait_until(all_answered, within=90, what="every record answered after being read again")

    expected = await ingest_directly(reference_app.intake, feed)
    unattributed = sum(1 for o in expected if o["tenant"] is None or o["message_id"] is None)
    assert unattributed >= 3
    assert await app.pool.fetchval(
        "SELECT count(*) FROM outcomes WHERE tenant IS NULL OR message_id IS NULL") == unattributed
    # One outcome per record as when read once (a redelivered message with ids also leaves a duplicate receipt).
    assert await _outcomes(app.pool) == await _outcomes(reference_app.pool)
    await assert_dead_letters_cover(kafka_settings, feed, expected)


async def _outcomes(pool: Any) -> dict[tuple[str, str, str], int]:
    rows = await pool.fetch("SELECT coalesce(tenant, '') AS tenant, status, coalesce(reason, '') AS reason,"
                            " count(*) AS n FROM outcomes GROUP BY 1, 2, 3")
    return {(row["tenant"], row["status"], row["reason"]): row["n"] for row in rows}
