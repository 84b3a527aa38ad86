"""Where proposed plans are kept, and whether a tenant is known at all."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class StoredPlan:
    plan_id: str
    tenant: str
    window_from: date
    window_to: date
    facts_cutoff: str
    solver: str
    solver_version: str
    document: dict[str, Any]


class PlanStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def save(self, plan: StoredPlan) -> None:
        doc = plan.document
        await self.pool.execute(
            "INSERT INTO plans (plan_id, tenant, window_from, window_to, status, objective, facts_cutoff, solver,"
            " solver_version, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)",
            plan.plan_id, plan.tenant, plan.window_from, plan.window_to, doc["status"], doc["objective"],
            plan.facts_cutoff, plan.solver, plan.solver_version, json.dumps(doc, ensure_ascii=False),
        )

    async def load(self, plan_id: str) -> StoredPlan | None:
        row = await self.pool.fetchrow(
            "SELECT plan_id, tenant, window_from, window_to, facts_cutoff, solver, solver_version, document::text"
            " FROM plans WHERE plan_id = $1",
            plan_id,
        )
        if row is None:
            return None
        return StoredPlan(row["plan_id"], row["tenant"], row["window_from"], row["window_to"], row["facts_cutoff"],
                          row["solver"], row["solver_version"], json.loads(row["document"]))

    async def latest(self, tenant: str) -> StoredPlan | None:
        """The tenant's plan made last (None when it has none)."""
        row = await self.pool.fetchrow(
            "SELECT plan_id FROM plans WHERE tenant = $1 ORDER BY created_at DESC, plan_id DESC LIMIT 1", tenant)
        return None if row is None else await self.load(row["plan_id"])

    async def made_at(self, plan_id: str) -> datetime | None:
        made: datetime | None = await self.pool.fetchval("SELECT created_at FROM plans WHERE plan_id = $1", plan_id)
        return made

    async def recent(self, tenant: str, limit: int = 10) -> list[dict[str, Any]]:
        """The tenant's last ``limit`` plans, newest first: window, status, objective, counts, when made, and
        when (if ever) accepted last."""
        rows = await self.pool.fetch(
            "SELECT p.plan_id, p.window_from, p.window_to, p.status, p.objective, p.created_at,"
            " jsonb_array_length(p.document->'assignments') AS assignments,"
            " jsonb_array_length(p.document->'unplanned') AS unplanned,"
            " (SELECT max(a.booked_on) FROM plan_acceptances a WHERE a.plan_id = p.plan_id) AS accepted_on"
            " FROM plans p WHERE p.tenant = $1 ORDER BY p.created_at DESC, p.plan_id DESC LIMIT $2",
            tenant, limit,
        )
        return [dict(row) for row in rows]

    async def acceptances(self, plan_id: str) -> list[dict[str, Any]]:
        """Every time the plan was accepted, oldest first."""
        rows = await self.pool.fetch(
            "SELECT booked_on, accepted, duplicate, rejected, accepted_at FROM plan_acceptances"
            " WHERE plan_id = $1 ORDER BY id", plan_id)
        return [dict(row) for row in rows]

    async def record_acceptance(self, plan: StoredPlan, booked_on: date, counts: dict[str, int]) -> None:
        await self.pool.execute(
            "INSERT INTO plan_acceptances (plan_id, tenant, booked_on, accepted, duplicate, rejected)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            plan.plan_id, plan.tenant, booked_on, counts["accepted"], counts["duplicate"], counts["rejected"],
        )
