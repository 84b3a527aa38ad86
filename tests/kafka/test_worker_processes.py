"""`eduplan worker` processes in one group: kill -9 one mid-stream and restart it; nothing is lost,
nothing takes effect twice, and the survivor's relay carries the outbox on."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from kafka_support import (
    assert_streams_in_version_order,
    count_receipts,
    demo_feed,
    ingest_directly,
    log_by_stream,
    produce,
    read_topic,
    wait_until,
)

from infra.kafka import KafkaSettings

REPO = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = logs / f"worker-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "services.doors.cli", "worker"], cwd=REPO,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as a container runtime sends it; the worker shuts down cleanly."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _worker_env(database_url: str, settings: KafkaSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUPLAN_")}
    env.update({
        "EDUPLAN_DATABASE_URL": database_url,
        "EDUPLAN_KAFKA_BOOTSTRAP": settings.bootstrap,
        "EDUPLAN_KAFKA_TOPIC_PREFIX": settings.topics.prefix,
        "EDUPLAN_KAFKA_PARTITIONS": str(settings.partitions),
        "EDUPLAN_KAFKA_BATCH_SIZE": "20",
        "EDUPLAN_KAFKA_SESSION_TIMEOUT_MS": str(settings.session_timeout_ms),
        "EDUPLAN_LOG_LEVEL": "WARNING",
    })
    return env


async def test_killed_worker_loses_nothing_and_applies_nothing_twice(
    app, reference_app, database_url, kafka_settings, producer, tmp_path
):
    feed = demo_feed(limit=1500, tenants=4)
    with_ids = {(o["tenant"], o["message_id"]) for o in await ingest_directly(reference_app.intake, feed)
                if o.get("message_id") is not None}
    env = _worker_env(database_url, kafka_settings)
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
