"""The outbox relay on a real broker: every committed event out at least once, streams in version order,
one relay active at a time, and a standby that takes over when the active one's connection dies."""

from __future__ import annotations

import asyncio

from kafka_support import assert_streams_in_version_order, demo_feed, read_topic, wait_until

from infra.kafka import EventPublisher
from infra.kafka.relay import OutboxRelay


async def _write_concurrently(intake, feed, batch: int = 25) -> None:
    """Each tenant's messages in order, tenants written side by side so commits interleave."""
    by_tenant: dict[bytes | None, list[bytes]] = {}
    for key, value in feed:
        by_tenant.setdefault(key, []).append(value)

    async def write(values: list[bytes]) -> None:
        for start in range(0, len(values), batch):
            await intake.submit_many(values[start:start + batch], "test")
            await asyncio.sleep(0)

    await asyncio.gather(*(write(lane) for lane in by_tenant.values()))


async def test_relay_publishes_every_event_in_stream_order_and_hands_over_when_its_lease_dies(
    app, kafka_settings
):
    sink = EventPublisher(kafka_settings)
    await sink.start()
    name = f"kafka:{kafka_settings.topics.events}"
    relays = [OutboxRelay(app.store, sink, name=name, lease_retry=0.2) for _ in range(2)]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        await wait_until(lambda: _one_active(relays), within=10, what="a relay holding the lease")
        await asyncio.sleep(0.5)
        assert sum(relay.active.is_set() for relay in relays) == 1

        feed = demo_feed(limit=1500, tenants=4, faults=False)
        half = len(feed) // 2
        await _write_concurrently(app.intake, feed[:half])
        first = await _one_active(relays)
        await wait_until(lambda: _published_some(first), within=10, what="the first relay publishing")
        # The active relay's process "dies": its session ends and PostgreSQL releases the lock.
        await app.pool.execute("SELECT pg_terminate_backend($1)", first.lease_pid)
        await _write_concurrently(app.intake, feed[half:])

        second = await wait_until(lambda: _one_active([r for r in relays if r is not first]),
                                  within=10, what="the standby taking over")
        total = await app.pool.fetchval("SELECT count(*) FROM events")
        records = await read_topic(kafka_settings.bootstrap, kafka_settings.topics.events, at_least=total)
        assert second.published > 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sink.stop()

    delivered = assert_streams_in_version_order(records)
    rows = await app.pool.fetch("SELECT position, tenant, stream, version FROM events")
    assert set(delivered) == {row["position"] for row in rows}
    for row in rows:
        event = delivered[row["position"]]
        assert (event["tenant"], event["stream"], event["version"]) == (row["tenant"], row["stream"], row["version"])
    checkpoint = await app.pool.fetchval("SELECT cursor FROM relay_checkpoints WHERE name = $1", name)
    assert checkpoint == await app.store.head()


async def test_relay_resumes_from_its_checkpoint(app, kafka_settings):
    sink = EventPublisher(kafka_settings)
    await sink.start()
    name = f"kafka:{kafka_settings.topics.events}"
    feed = demo_feed(limit=300, tenants=2, faults=False)
    try:
        await app.intake.submit_many([value for _, value in feed[:150]], "test")
        relay = OutboxRelay(app.store, sink, name=name)
        await _run_until_caught_up(app, relay)
        await app.intake.submit_many([value for _, value in feed[150:]], "test")
        await _run_until_caught_up(app, OutboxRelay(app.store, sink, name=name))
    finally:
        await sink.stop()

    total = await app.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(kafka_settings.bootstrap, kafka_settings.topics.events, at_least=total)
    assert len(records) == total  # nothing published twice when each stop came after a stored checkpoint
    assert len(assert_streams_in_version_order(records)) == total


async def _run_until_caught_up(app, relay: OutboxRelay) -> None:
    task = asyncio.create_task(relay.run())
    head = await app.store.head()

    async def caught_up() -> bool | None:
        cursor = await app.pool.fetchval("SELECT cursor FROM relay_checkpoints WHERE name = $1", relay.name)
        return True if cursor == head else None

    try:
        await wait_until(caught_up, within=20, what="the relay reaching the head of the log")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _one_active(relays: list[OutboxRelay]) -> OutboxRelay | None:
    active = [relay for relay in relays if relay.active.is_set()]
    return active[0] if len(active) == 1 else None


async def _published_some(relay: OutboxRelay) -> bool | None:
    return True if relay.published > 0 else None

