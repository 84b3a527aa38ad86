"""A bulk ingest raises the cyclic collector's thresholds while it runs and puts back what they were, whether it
ends, fails or is cancelled, and however ingests of one process overlap."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from typing import Any

import pytest

from services.core.checks import Prepared
from services.core.ingest import INGEST_GC_THRESHOLD, ingest_lines

LINE = b'{"message_id": "m", "tenant": "acme", "type": "X", "occurred_at": "2026-03-10T08:00:00Z", "data": {}}'


class _Intake:
    def __init__(self, gate: asyncio.Event | None = None, fail: bool = False) -> None:
        self.gate, self.fail = gate, fail
        self.during: list[tuple[int, int, int]] = []
        self.entered = asyncio.Event()

    async def process(self, batch: Sequence[Prepared], door: str, *, look_first: bool = False) -> list[dict[str, Any]]:
        self.during.append(gc.get_threshold())
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("the database went away")
        return [{"status": "rejected", "tenant": p.tenant, "message_id": p.message_id} for p in batch]


@pytest.fixture
def thresholds() -> Any:
    before = gc.get_threshold()
    gc.set_threshold(701, 11, 9)
    try:
        yield (701, 11, 9)
    finally:
        gc.set_threshold(*before)


async def test_restored_after_a_failure(thresholds: Any) -> None:
    intake = _Intake(fail=True)
    with pytest.raises(RuntimeError):
        await ingest_lines(intake, [LINE], door="file")
    assert intake.during == [INGEST_GC_THRESHOLD]
    assert gc.get_threshold() == thresholds


async def test_restored_after_cancellation(thresholds: Any) -> None:
    intake = _Intake(gate=asyncio.Event())
    task = asyncio.create_task(ingest_lines(intake, [LINE], door="file"))
    await intake.entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.get_threshold() == thresholds


async def test_overlapping_ingests_restore_once_the_last_ends(thresholds: Any) -> None:
    first_gate, second_gate = asyncio.Event(), asyncio.Event()
    first, second = _Intake(gate=first_gate), _Intake(gate=second_gate)
    a = asyncio.create_task(ingest_lines(first, [LINE], door="file"))
    b = asyncio.create_task(ingest_lines(second, [LINE], door="file"))
    await first.entered.wait()
    await second.entered.wait()
    first_gate.set()
    await a
    assert gc.get_threshold() == INGEST_GC_THRESHOLD  # the second one still runs
    second_gate.set()
    await b
    assert gc.get_threshold() == thresholds
