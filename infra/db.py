"""PostgreSQL connections: a given server, or the embedded one under EDUPLAN_DATA_DIR; plain-SQL migrations."""

from __future__ import annotations

import asyncio
import importlib.resources
import json
import warnings
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from infra.settings import Settings

log = structlog.get_logger(__name__)

_MIGRATION_LOCK = 7_301_001
_embedded: dict[str, Any] = {}


def embedded_url(settings: Settings) -> str:
    """Start (or join) the embedded PostgreSQL under the data dir and return its URL.

    ``pgserver`` shares one server between processes and stops it after the last one exits.
    """
    key = str(settings.data_dir)
    server = _embedded.get(key)
    if server is None:
        pgdata = settings.data_dir / "pgdata"
        pgdata.mkdir(parents=True, exist_ok=True)
        log.info("embedded_postgres_starting", data_dir=str(pgdata))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

            _forget_dead_handles(pgdata)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
        _embedded[key] = server
    uri: str = server.get_uri()
    return uri


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without saying goodbye (kill -9) from pgserver's list of users.

    pgserver stops the server when the last process on its list exits; a dead process left on the
    list would keep it running for ever.
    """
    import psutil
    from pgserver.postgres_server import PostgresServer

    handles = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            return
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def database_url(settings: Settings) -> str:
    return settings.database_url or embedded_url(settings)


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=120)
    assert pool is not None
    return pool


async def _rollback_only(conn: asyncpg.Connection) -> None:
    """Release without the full session reset: the pool has already rolled back any open transaction."""


async def create_write_pool(url: str, *, max_size: int = 10) -> asyncpg.Pool:
    """Connections for the intake only. It keeps no session state (its locks end with the transaction),
    so the round trip of the full reset on every release is skipped."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, command_timeout=120, reset=_rollback_only)
    assert pool is not None
    return pool


def _migration_files() -> list[tuple[str, str]]:
    folder = importlib.resources.files("infra") / "migrations"
    files = sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    return files


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply the SQL files in infra/migrations that this database has not seen yet, in name order."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row["name"] for row in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, sql in _migration_files():
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied.append(name)
                log.info("migration_applied", name=name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied


async def open_database(settings: Settings, *, max_size: int = 10) -> tuple[asyncpg.Pool, asyncpg.Pool]:
    """Connect (starting the embedded server when no URL is set) and bring the schema up to date.

    Returns the general pool and the intake's write pool."""
    url = await asyncio.to_thread(database_url, settings)
    pool = await create_pool(url, max_size=max_size)
    await migrate(pool)
    return pool, await create_write_pool(url, max_size=max_size)
