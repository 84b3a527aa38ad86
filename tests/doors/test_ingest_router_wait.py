"""The shared ingest's router (services/core/ingest_partitions.py) over a stand-in intake and a stand-in partition
process (no database, no other process): once this process's own partition has answered its lines, it waits for
the other partitions without using the CPU they need."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from services.core.ingest_partitions import _END, _Router, partition_of
from services.core.intake import Prepared

SLOW_SECONDS = 0.6
"""How long the other partition takes to answer once it has all its lines."""


class _Intake:
    async def process(self, batch: Sequence[Prepared], door: str, *, look_first: bool = False) -> list[dict[str, Any]]:
        return [{"status": "rejected", "tenant": p.tenant, "message_id": p.message_id} for p in batch]


class _SlowPartition:
    """Partition 1: answers every line it was sent ``SLOW_SECONDS`` after its last one, then says it is done."""

    index = 1

    def __init__(self) -> None:
        self.lines: list[tuple[int, bytes]] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self.deliver: Callable[[int, Any], None] | None = None

    def receive(self, loop: asyncio.AbstractEventLoop, deliver: Callable[[int, Any], None]) -> None:
        self.loop, self.deliver = loop, deliver

    def send(self, chunk: list[tuple[int, bytes]] | None) -> None:
        if chunk is not _END:
            self.lines += chunk
            return
        assert self.loop is not None and self.deliver is not None
        results = [("rejected", json.loads(raw)["tenant"], None) for _, raw in self.lines]
        self.loop.call_later(SLOW_SECONDS, self.deliver, self.index, ("results", results))
        self.loop.call_later(SLOW_SECONDS, self.deliver, self.index, ("done",))


def _tenant_of(partition: int) -> str:
    return next(t for t in (f"t{i}" for i in range(100)) if partition_of(json.dumps({"tenant": t}).encode(), 2)
                == partition)


async def _chunks(lines: list[bytes]) -> AsyncIterator[list[bytes]]:
    yield lines


async def test_the_router_waits_for_a_slower_partition_without_spinning() -> None:
    here, there = _tenant_of(0), _tenant_of(1)
    lines = [json.dumps({"tenant": tenant, "message_id": f"m{n}"}).encode() + b"\n"
             for n in range(40) for tenant in (here, there)]
    router = _Router(_Intake(), [_SlowPartition()], {"door": "file", "workers": 2, "batch_size": 10},  # type: ignore[arg-type, list-item]
                     None, None)
    cpu, wall = time.process_time(), time.monotonic()
    counts = await router.run(_chunks(lines))
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert counts.total == len(lines)
    assert counts.by_tenant[here]["rejected"] == counts.by_tenant[there]["rejected"] == 40
    assert wall >= SLOW_SECONDS
    assert cpu < SLOW_SECONDS / 3, f"{cpu:.2f} s of CPU over {wall:.2f} s waiting for the other partition"
