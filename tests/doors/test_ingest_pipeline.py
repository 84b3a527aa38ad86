"""The streaming JSON Lines pipeline behind `eduplan ingest`, over a stand-in intake (no database)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from typing import Any

import pytest

from services.core.ingest import ingest_lines
from services.core.intake import Prepared


def _line(tenant: str, index: int) -> str:
    return json.dumps({"message_id": f"{tenant}-{index}", "tenant": tenant, "type": "DepartmentRegistered",
                       "occurred_at": "2026-01-01T00:00:00Z", "data": {"department": f"d{index}", "name": "D"}})


class EchoIntake:
    """Accepts everything after a random short pause, recording the order each tenant was processed in."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.seen: dict[str, list[str]] = {}

    async def process(self, batch: Sequence[Prepared], door: str, *, look_first: bool = False) -> list[dict[str, Any]]:
        await asyncio.sleep(self.rng.random() / 500)
        out = []
        for p in batch:
            self.seen.setdefault(p.tenant or "", []).append(p.message_id or "")
            status = "accepted" if p.rejection is None else "rejected"
            out.append({"status": status, "tenant": p.tenant, "message_id": p.message_id})
        return out


class FailingIntake:
    async def process(self, batch: Sequence[Prepared], door: str, *, look_first: bool = False) -> list[dict[str, Any]]:
        raise RuntimeError("the database went away")


async def test_outcomes_come_out_in_input_order_across_tenants() -> None:
    rng = random.Random(5)
    tenants = [f"t{i}" for i in range(7)]
    lines: list[str] = []
    for index in range(3000):
        lines.append(_line(rng.choice(tenants), index))
        if index % 400 == 0:
            lines += ["", "   ", "not json at all"]
    intake = EchoIntake()
    emitted: list[dict[str, Any]] = []
    counts = await ingest_lines(intake, lines, workers=3, batch_size=17, on_outcome=emitted.append)  # type: ignore[arg-type]

    non_blank = [ln for ln in lines if ln.strip()]
    assert len(emitted) == len(non_blank) == counts.total
    for line, outcome in zip(non_blank, emitted, strict=True):
        if line.startswith("{"):
            assert outcome["message_id"] == json.loads(line)["message_id"]
        else:
            assert outcome["status"] == "rejected" and outcome["message_id"] is None
    assert counts.rejected == 8 and counts.accepted == 3000
    # each tenant's messages reach the intake in input order
    for tenant in tenants:
        sent = [json.loads(ln)["message_id"] for ln in non_blank if ln.startswith("{") and f'"{tenant}"' in ln]
        assert intake.seen[tenant] == sent


@pytest.mark.parametrize("batch_size", [250, 15])
async def test_a_failing_intake_ends_the_ingest_with_its_error(batch_size: int) -> None:
    """A lost database must surface as an error, never as an ingest that waits forever."""
    lines = [_line("acme", i) for i in range(5000)]
    async with asyncio.timeout(10):
        with pytest.raises(RuntimeError, match="went away"):
            await ingest_lines(FailingIntake(), lines, workers=4, batch_size=batch_size)  # type: ignore[arg-type]


async def test_a_failing_output_ends_the_ingest_with_its_error() -> None:
    """`eduplan ingest --json FILE | head` closes the pipe; the ingest must stop, not hang."""
    lines = [_line("acme", i) for i in range(5000)]

    def closed_pipe(outcome: dict[str, Any]) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    async with asyncio.timeout(10):
        with pytest.raises(BrokenPipeError):
            await ingest_lines(EchoIntake(), lines, on_outcome=closed_pipe)  # type: ignore[arg-type]
