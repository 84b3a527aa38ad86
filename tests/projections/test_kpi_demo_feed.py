"""The realistic demo feed through the real intake: every case company's document equals the reference
computed from the log as stored (normalized data, rejected messages absent), on dates across the years."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from kpi_compare import differences
from reference_kpis import reference_document

from projections import catch_up as fold_everything
from projections import kpi_document, wait_until_caught_up

END = date(2026, 11, 20)


@dataclass(frozen=True)
class Stored:
    tenant: str
    type: str
    data: dict[str, Any]


@pytest.fixture
async def demo_app(database_url):
    app_module = pytest.importorskip("services.core.app")
    app = await app_module.app_for_url(database_url, max_size=6)
    try:
        yield app
    finally:
        await app.close()


async def test_the_demo_companies_match_the_reference(demo_app):
    demo_data = pytest.importorskip("services.simulator.demo_data")
    ingest = pytest.importorskip("services.core.ingest")
    lines = (
        item if isinstance(item, str) else json.dumps(item)
        for item in demo_data.generate(employees=40, years=3, end=END)
    )
    counts = await ingest.ingest_lines(demo_app.intake, lines, door="test", workers=2)
    assert counts.total > 0
    await fold_everything(demo_app.pool)
    assert await wait_until_caught_up(demo_app.pool, timeout=1)

    rows = await demo_app.pool.fetch(
        "SELECT tenant, type, data::text AS data FROM events ORDER BY transaction_id, position"
    )
    log = [Stored(row["tenant"], row["type"], json.loads(row["data"])) for row in rows]
    dates = [END - timedelta(days=days) for days in range(0, 3 * 365, 61)]
    for tenant in sorted({event.tenant for event in log}):
        for as_of in dates:
            problems = differences(await kpi_document(demo_app.pool, tenant, as_of),
                                   reference_document(log, tenant, as_of))
            assert not problems, f"{tenant} as of {as_of}:\n  " + "\n  ".join(problems)
