"""The companies the KPI projection knows, with their display names (CONTRACT.md §2, CompanyRegistered)."""

from __future__ import annotations

from typing import Any

import asyncpg

from projections.kpi.queries import COMPANIES
from projections.kpi.reading import fetch_active


async def companies(pool: asyncpg.Pool, tenant: str | None = None) -> list[dict[str, Any]]:
    """Every tenant (or just ``tenant``, when known) in tenant order: ``tenant``, and from the registration
    with the latest registered_on (equal dates: accepted last) ``name``, ``cvr`` and ``registered_on`` — all
    null for a company that never registered."""
    return [
        {
            "tenant": row["tenant"],
            "name": row["name"],
            "cvr": row["cvr"],
            "registered_on": None if row["registered_on"] is None else row["registered_on"].isoformat(),
        }
        for row in await fetch_active(pool, COMPANIES, tenant)
    ]
