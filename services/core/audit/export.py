"""`audit export`: a tenant's events with their hashes, and its checkpoints, as JSON Lines that
`audit verify --file` (or an auditor with jq and sha256sum, docs/audit.md) checks without the database.

Line 1: ``{"format": "eduplan-audit-export/1", "tenant", "until", "exported_at"}``; then one line per
event in log order — its canonical encoding plus ``"hash"`` and ``"kind": "event"`` — and one line per
checkpoint: ``{"kind": "checkpoint", "tenant", "seq", "body", "scheme", "key_id", "signature"}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import IO

import asyncpg

from infra import audit as log_audit
from infra.audit import canonical_event
from services.core.audit.verify import EXPORT_FORMAT

__all__ = ["export_tenant"]


async def export_tenant(pool: asyncpg.Pool, tenant: str, out: IO[str],
                        until: tuple[int, int] | None = None) -> tuple[int, int]:
    """Write the export of one snapshot of the tenant's log; (events, checkpoints) written."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        header = {"format": EXPORT_FORMAT, "tenant": tenant,
                  "until": None if until is None else f"{until[0]}-{until[1]}",
                  "exported_at": log_audit.audit_time(datetime.now(UTC))}
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        events = 0
        async for event in log_audit.read_tenant_events(conn, tenant, until=until, prefetch=5000):
            hash_text = "null" if event["hash"] is None else f'"{event["hash"]}"'
            out.write(f'{{"hash":{hash_text},"kind":"event",{canonical_event(event)[1:]}\n')
            events += 1
        checkpoints = await log_audit.read_checkpoints(conn, tenant, until=until)
        for checkpoint in checkpoints:
            out.write(json.dumps(checkpoint.as_json(), ensure_ascii=False) + "\n")
    return events, len(checkpoints)
