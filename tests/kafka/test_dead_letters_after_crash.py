"""A worker that dies after a batch's outcomes are stored but before the dead-letter topic acknowledged the
rejected records: the worker that reads the batch again copies them all the same (dead letters are at least
once), though their outcomes are now duplicates."""

from __future__ import annotations

from pathlib import Path

from crashing_worker import CRASHED
from kafka_support import (
    Worker,
    assert_dead_letters_cover,
    awkward_records,
    demo_feed,
    ingest_directly,
    produce,
    read_topic,
    worker_env,
)


async def test_dead_letters_are_sent_after_a_crash_between_the_outcomes_and_their_acknowledgement(
    app, reference_app, database_url, kafka_settings, producer, tmp_path
):
    feed = demo_feed(limit=400, tenants=2)
    feed += awkward_records(feed)
    expected = await ingest_directly(reference_app.intake, feed)
    await produce(producer, kafka_settings.topics.messages, feed)
    env = worker_env(database_url, kafka_settings)

    crashing = Worker("crashing", env, tmp_path, script=Path(__file__).with_name("crashing_worker.py"))
    crashing.start()
    assert crashing.wait(within=60) == CRASHED, crashing.log()
    # It died with rejections stored whose copies the dead-letter topic does not have.
    stored = {(r["tenant"], r["message_id"]) for r in await app.pool.fetch(
        "SELECT tenant, message_id FROM outcomes WHERE status = 'rejected' AND message_id IS NOT NULL")}
    copied = {(r.key, r.value) for r in await read_topic(kafka_settings.bootstrap, kafka_settings.topics.dead_letters)}
    uncopied = [o for i, o in enumerate(expected) if o["status"] == "rejected" and feed[i] not in copied
                and (o["tenant"], o["message_id"]) in stored]
    assert uncopied, "the worker did not die between storing a rejection and its dead letter"

    worker = Worker("after", env, tmp_path)
    worker.start()
    try:
        dead = await assert_dead_letters_cover(kafka_settings, feed, expected, within=40)
    finally:
        code = worker.stop()
    assert code == 0, worker.log()
    assert len(dead) >= sum(1 for o in expected if o["status"] == "rejected")
