"""The realistic demo feed through the real intake: every case company's KPI reads equal the reference
computed from the log as stored (normalized data, rejected messages absent), on dates across the years —
the document with its managers and last cycle, series, the competence matrix and the display name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from kpi_compare import differences
from reference_kpis import reference_company_name, reference_competences, reference_document, reference_series

from projections import (
    SeriesRequest,
    catch_up,
    companies,
    competence_matrix,
    kpi_document,
    kpi_series,
    wait_until_caught_up,
)

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


@pytest.fixture
async def demo_log(demo_app) -> list[Stored]:
    demo_data = pytest.importorskip("services.simulator.demo_data")
    ingest = pytest.importorskip("services.core.ingest")
    lines = (
        item if isinstance(item, str) else json.dumps(item)
        for item in demo_data.generate(employees=40, years=3, end=END)
    )
    counts = await ingest.ingest_lines(demo_app.intake, lines, door="test", workers=2)
    assert counts.total > 0
    await catch_up(demo_app.pool)
    assert await wait_until_caught_up(demo_app.pool, timeout=1)
    rows = await demo_app.pool.fetch(
        "SELECT tenant, type, data::text AS data FROM events ORDER BY transaction_id, position"
    )
    return [Stored(row["tenant"], row["type"], json.loads(row["data"])) for row in rows]


async def test_the_demo_companies_match_the_reference(demo_app, demo_log):
    pool = demo_app.pool
    dates = [END - timedelta(days=days) for days in range(0, 3 * 365, 61)]
    tenants = sorted({event.tenant for event in demo_log})
    assert len(tenants) == 9
    for tenant in tenants:
        for n, as_of in enumerate(dates):
            problems = differences(await kpi_document(pool, tenant, as_of, by_manager=True),
                                   reference_document(demo_log, tenant, as_of, by_manager=True))
            assert not problems, f"{tenant} as of {as_of}:\n  " + "\n  ".join(problems)
            if n % 4 == 0:
                matrix = await competence_matrix(pool, tenant, as_of)
                assert matrix["employees"] == reference_competences(demo_log, tenant, as_of), f"{tenant} {as_of}"


async def test_the_demo_companies_series_match_the_reference(demo_app, demo_log):
    first, last = END - timedelta(days=3 * 365), END
    for tenant in ("bitzer", "universe", "grondalen"):
        request = SeriesRequest.checked(first, last, "quarter")
        series = await kpi_series(demo_app.pool, tenant, request, by_manager=True)
        wanted = reference_series(demo_log, tenant, first, last, "quarter", list(request.keys), by_manager=True)
        assert len(series["points"]) == len(wanted) == 12
        for got, want in zip(series["points"], wanted, strict=True):
            problems = differences(got, want)
            assert not problems, f"{tenant} {want['as_of']}:\n  " + "\n  ".join(problems)


async def test_the_demo_companies_have_their_display_names(demo_app, demo_log):
    listed = await companies(demo_app.pool)
    assert [company["tenant"] for company in listed] == sorted({event.tenant for event in demo_log})
    for company in listed:
        registered = reference_company_name(demo_log, company["tenant"])
        assert registered is not None and company["name"] == registered["name"]
    assert {company["name"] for company in listed} >= {"Træ & Busk", "BITZER Electronics"}
