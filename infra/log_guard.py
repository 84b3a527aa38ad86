"""The append-only guard of the event log: the triggers that refuse UPDATE, DELETE and TRUNCATE, that
hold every append to its stream's lock, and that chain every event (infra/migrations/001, 040, 140).
`serve` and `worker` refuse to start, and /healthz answers 503, while one is missing or disabled."""

from __future__ import annotations

import asyncpg

from infra.db import StartupError

__all__ = ["GUARD_TRIGGERS", "GuardMissing", "guard_problems", "require_guard"]

GUARD_TRIGGERS = {
    "events": ("events_no_update_delete", "events_no_truncate", "events_appended_under_stream_locks",
               "events_chain_hash"),
    "audit_checkpoints": ("audit_checkpoints_append_only",),
}
"""The triggers that keep the log append-only and chained; `serve` and `worker` refuse to start without them."""


class GuardMissing(StartupError):
    """A trigger that keeps the log append-only (or chained) is missing or disabled."""


async def guard_problems(conn: asyncpg.Connection | asyncpg.Pool) -> list[str]:
    """What is wrong with the append-only guard: one sentence per missing or disabled trigger."""
    rows = await conn.fetch(
        "SELECT c.relname AS table, t.tgname AS name, t.tgenabled::text AS enabled FROM pg_trigger AS t"
        " JOIN pg_class AS c ON c.oid = t.tgrelid"
        " WHERE c.relname = ANY ($1::text[]) AND c.relnamespace = to_regnamespace(current_schema())::oid"
        " AND NOT t.tgisinternal",
        list(GUARD_TRIGGERS),
    )
    found = {(r["table"], r["name"]): r["enabled"] for r in rows}
    problems = []
    for table, names in GUARD_TRIGGERS.items():
        for name in names:
            state = found.get((table, name))
            if state is None:
                problems.append(f"the trigger {name} on {table} is missing")
            elif state == "D":
                problems.append(f"the trigger {name} on {table} is disabled")
    return problems


async def require_guard(conn: asyncpg.Connection | asyncpg.Pool) -> None:
    """Refuse to go on (:class:`GuardMissing`) unless every guard trigger is in place and enabled."""
    problems = await guard_problems(conn)
    if problems:
        raise GuardMissing(
            "the event log is not protected: " + "; ".join(problems)
            + " (restore it, e.g. ALTER TABLE … ENABLE TRIGGER …, or re-create it as in infra/migrations/;"
            " then run `eduplan audit verify` for every tenant)"
        )
