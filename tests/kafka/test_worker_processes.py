"""`eduplan worker` processes in one group: kill -9 one mid-stream and restart it; nothing is lost,
nothing takes effect twice, and the survivor's relay carries the outbox on."""

from __future__ import annotations

import asyncio

from kafka_support import (
    Worker,
    assert_dead_letters_cover,
    assert_streams_in_version_order,
    count_receipts,
    demo_feed,
    ingest_directly,
    log_by_stream,
    produce,
    read_topic,
    wait_until,
    worker_env,
)


async def test_killed_worker_loses_nothing_and_applies_nothing_twice(
    app, reference_app, database_url, kafka_settings, producer, tmp_path
):
    feed = demo_feed(limit=1500, tenants=4)
    expected = await ingest_directly(reference_app.intake, feed)
    with_ids = {(o["tenant"], o["message_id"]) for o in expected if o.get("message_id") is not None}
    env = worker_env(database_url, kafka_settings)
    heartbeat = tmp_path / "b.alive"
    a, b = Worker("a", env, tmp_path), Worker("b", {**env, "EDUPLAN_WORKER_HEARTBEAT_FILE": str(heartbeat)}, tmp_path)
    a.start()
    b.start()
    try:
        sending = asyncio.create_task(produce(producer, kafka_settings.topics.messages, feed, rate=150))

        async def some_read() -> int | None:
            seen = await count_receipts(app.pool)
            return seen if seen >= 300 else None

        await wait_until(some_read, within=40, what="the workers reading the first messages")
        a.kill()  # mid-stream: no shutdown, no offset commit, no lease release but by the dead connection
        assert await count_receipts(app.pool) < len(feed)
        await asyncio.sleep(3)
        a.start()
        await sending

        async def every_id_has_an_outcome() -> bool | None:
            stored = await app.pool.fetchval("SELECT count(*) FROM outcomes WHERE message_id IS NOT NULL")
            return True if stored >= len(with_ids) else None

        await wait_until(every_id_has_an_outcome, within=60, what="an outcome for every message")
        total = await app.pool.fetchval("SELECT count(*) FROM events")
        records = await read_topic(kafka_settings.bootstrap, kafka_settings.topics.events, at_least=total,
                                   within=30)
        dead = await assert_dead_letters_cover(kafka_settings, feed, expected)
    finally:
        codes = {worker.name: worker.stop() for worker in (a, b)}
    assert codes == {"a": 0, "b": 0}, a.log() + b.log()
    assert heartbeat.exists()  # what the container health check looks at

    stored_ids = {(r["tenant"], r["message_id"]) for r in
                  await app.pool.fetch("SELECT tenant, message_id FROM outcomes WHERE message_id IS NOT NULL")}
    assert stored_ids == with_ids
    assert await log_by_stream(app.store) == await log_by_stream(reference_app.store)
    delivered = assert_streams_in_version_order(records)
    assert set(delivered) == {row["position"] for row in await app.pool.fetch("SELECT position FROM events")}
    assert dead, "the feed has rejections; the dead-letter topic must hold them"
