"""An ingest stopped part-way and run again over its file (or the file's tail, overlapping what was
already ingested), and two ingests of different tenants at the same time: the checkpoints they end
with sign every tenant's log, and `audit verify` finds it intact."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from audit_support import KEY

from infra import audit as log_audit
from services.core.app import App, app_for_url
from services.core.audit import checkpoint_pending, verify_tenant, write_checkpoint
from services.core.ingest import ingest_lines
from services.simulator.demo_data import generate

_LINES = 1500


def feed() -> list[str]:
    """The first lines of a generated feed of three tenants (its deliberately broken lines included)."""
    items = itertools.islice(generate(tenants=3, employees=30, years=2), _LINES)
    return [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in items]


def _tenant_of(line: str) -> str | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message.get("tenant") if isinstance(message, dict) else None


async def stopped_part_way(app: App, lines: list[str], after: int) -> int:
    """Ingest ``lines`` and cancel the ingest once ``after`` outcomes are out (as a stop signal would)."""
    seen = 0
    enough = asyncio.Event()

    def count(_: dict[str, Any]) -> None:
        nonlocal seen
        seen += 1
        if seen >= after:
            enough.set()

    task = asyncio.create_task(ingest_lines(app.intake, lines, door="file", on_outcome=count))
    waiter = asyncio.create_task(enough.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    task.cancel()
    waiter.cancel()
    await asyncio.gather(task, waiter, return_exceptions=True)
    return seen


async def ingested_and_signed(app: App, lines: list[str]) -> None:
    """What `eduplan ingest` does: the lines, then a checkpoint for every tenant with unsigned events."""
    await ingest_lines(app.intake, lines, door="file")
    await checkpoint_pending(app.pool, KEY)


async def assert_signed_and_intact(app: App) -> None:
    tenants = await log_audit.tenants_with_events(app.pool)
    assert len(tenants) == 3, tenants
    for tenant in tenants:
        report = (await verify_tenant(app.pool, tenant, KEY)).as_json()
        assert report["status"] == "intact", (tenant, report)
        assert "problems" not in report, (tenant, report)  # not even an unsigned tail
        assert await write_checkpoint(app.pool, tenant, KEY) is None  # nothing left to sign


async def test_an_ingest_stopped_and_run_again_over_its_tail_leaves_every_tenant_signed_and_intact(
    database_url: str,
) -> None:
    lines = feed()
    first = await app_for_url(database_url)
    try:
        stopped_at = await stopped_part_way(first, lines, after=_LINES // 3)
    finally:
        await first.close()
    assert _LINES // 3 <= stopped_at < _LINES
    again = await app_for_url(database_url)  # a new process
    try:
        await ingested_and_signed(again, lines[_LINES // 5:])  # overlaps what the first ingest took
        await ingested_and_signed(again, lines)  # and the whole file once more: duplicates only
        await assert_signed_and_intact(again)
    finally:
        await again.close()


async def test_two_ingests_of_different_tenants_at_the_same_time_leave_every_tenant_signed_and_intact(
    database_url: str,
) -> None:
    lines = feed()
    first_tenant = _tenant_of(lines[0])
    mine = [line for line in lines if _tenant_of(line) == first_tenant]
    theirs = [line for line in lines if _tenant_of(line) != first_tenant]
    assert mine and theirs
    one, two = await app_for_url(database_url), await app_for_url(database_url)
    try:
        await asyncio.gather(ingested_and_signed(one, mine), ingested_and_signed(two, theirs))
        await assert_signed_and_intact(one)
    finally:
        await two.close()
        await one.close()
