"""The KPI document and a series in one statement: the leadership dashboard's page shows both, and the span
counting (``windows``) reads every fact once for any number of dates, so asking for the series' month ends
and the document's date together costs about what the series alone does. Each part equals what
``kpi_document`` and ``kpi_series`` answer on their own."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from projections.kpi.document import document_of, read_points
from projections.kpi.queries import kpi_figure_parts
from projections.kpi.reading import fetch_active_parts
from projections.kpi.series import SeriesRequest, series_of


async def document_and_series(pool: asyncpg.Pool, tenant: str, as_of: date, request: SeriesRequest,
                              department: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the document on ``as_of``, the series of ``request``), both cut to ``department`` when given."""
    dates = sorted({as_of, *request.dates()})
    statements = kpi_figure_parts(last_cycles=True, by_manager=False)
    found = read_points(await fetch_active_parts(pool, statements, tenant, dates))
    return document_of(found, tenant, as_of, department), series_of(found, tenant, request, department)
