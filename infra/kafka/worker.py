"""The worker: the inbound door, the outbox relay and a heartbeat, started and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import structlog
from faststream.kafka import KafkaBroker

from infra.aio import cancel_all
from infra.kafka.broker import make_broker
from infra.kafka.config import DOOR, KafkaSettings
from infra.kafka.dead_letters import Ledger, SentDeadLetters
from infra.kafka.inbound import OffsetGuard, Process, add_inbound_door
from infra.kafka.outbound import EventPublisher, document_event_topic
from infra.kafka.relay import OutboxRelay
from infra.store import EventStore

log = structlog.get_logger(__name__)


def build_doors(
    settings: KafkaSettings, process: Process, ledger: Ledger, guard: OffsetGuard | None = None
) -> KafkaBroker:
    """The broker with its subscriber (eduplan.messages) and publishers (DLQ, eduplan.events)."""
    broker = make_broker(settings)
    add_inbound_door(broker, settings, process, ledger, guard)
    document_event_topic(broker, settings)
    return broker


class KafkaWorker:
    """Consumes eduplan.messages through ``process`` and relays the log to eduplan.events.

    Side tasks: the relay, the offset guard's periodic check (see infra.kafka.inbound), the heartbeat.
    """

    HEARTBEAT_EVERY = 5.0

    def __init__(self, settings: KafkaSettings, store: EventStore, process: Process) -> None:
        self.settings = settings
        self.guard = OffsetGuard()
        self.broker = build_doors(settings, process, SentDeadLetters(store.pool, DOOR), self.guard)
        self.events = EventPublisher(settings)
        self.relay = OutboxRelay(store, self.events, name=f"kafka:{settings.topics.events}",
                                 batch_size=settings.relay_batch_size)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.broker.start()
        await self.start_side_tasks()

    async def stop(self) -> None:
        await self.stop_side_tasks()
        await self.broker.stop()

    async def start_side_tasks(self) -> None:
        """The relay with its producer, the offset check, and the heartbeat file.

        Each task is kept in ``_tasks`` until :meth:`stop_side_tasks` has seen it end (the event loop
        holds tasks only weakly); one that ends by itself meanwhile is logged at once."""
        await self.events.start()
        self._start(self.relay.run(), "outbox-relay")
        self._start(self.guard.watch(), "offset-guard")
        if self.settings.heartbeat_file:
            self._start(self._beat(Path(self.settings.heartbeat_file)), "heartbeat")

    def _start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        task.add_done_callback(_report_end)
        self._tasks.append(task)

    async def stop_side_tasks(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_all(tasks)  # an early end was logged when it happened
        if tasks:
            await self.events.stop()

    async def _beat(self, path: Path) -> None:
        while True:
            if await self.broker.ping(timeout=3):
                await asyncio.to_thread(path.touch)
            else:
                log.warning("kafka_unreachable", bootstrap=self.settings.bootstrap)
            await asyncio.sleep(self.HEARTBEAT_EVERY)

    async def __aenter__(self) -> KafkaWorker:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _report_end(task: asyncio.Task[None]) -> None:
    """A side task runs until it is cancelled; one that ends otherwise is a fault to see in the log."""
    if task.cancelled():
        return
    error = task.exception()
    log.error("kafka_side_task_ended", task=task.get_name(), error=repr(error) if error else None)
