"""PostgreSQL connections: a given server, or the embedded one under EDUPLAN_DATA_DIR; plain-SQL migrations,
checksummed when applied."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.resources
import json
import warnings
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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


SESSION_SETTINGS = {"jit": "off"}
"""Every connection of the service's pools starts with these (the read pool's RESET ALL on release returns to them; the
write pool does not reset, and the intake sets nothing beyond its transactions). No JIT:
PostgreSQL compiles a statement whose estimated cost passes jit_above_cost anew on every execution, cached
plan or not — 40–50 ms, more than any of the service's statements runs. The append's estimate grows with
the log (its checks are costed per key over the tables), so a bulk ingest crossed the line at a few hundred
thousand events and every append from then on paid the compilation."""


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=120,
                                     server_settings=SESSION_SETTINGS)
    assert pool is not None
    return pool


async def _rollback_only(conn: asyncpg.Connection) -> None:
    """Release without the full session reset: the pool has already rolled back any open transaction."""


async def create_write_pool(url: str, *, max_size: int = 10) -> asyncpg.Pool:
    """Connections for the intake only. It keeps no session state (its locks end with the transaction),
    so the round trip of the full reset on every release is skipped."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, command_timeout=120, reset=_rollback_only,
                                     server_settings=SESSION_SETTINGS)
    assert pool is not None
    return pool


MIGRATIONS = importlib.resources.files("infra") / "migrations"


class StartupError(RuntimeError):
    """The service cannot start on this database; the message says why and what to do."""


class DatabaseUnreachable(StartupError):
    pass


class MigrationChanged(StartupError):
    """A migration file differs from the one this database applied."""


@dataclass(frozen=True)
class Migration:
    name: str
    path: str
    sql: str

    @property
    def checksum(self) -> str:
        # Line endings are normalised so that a checkout with CRLF endings is the same file.
        return hashlib.sha256(self.sql.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def migration_files(folder: Traversable | Path = MIGRATIONS) -> list[Migration]:
    """The SQL files of ``folder`` in name order (the order they are applied in)."""
    return sorted(
        (Migration(entry.name, str(entry), entry.read_text(encoding="utf-8"))
         for entry in folder.iterdir() if entry.name.endswith(".sql")),
        key=lambda migration: migration.name,
    )


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), checksum text);"
    # Databases migrated before checksums were kept get the column here; their rows are filled below.
    " ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text"
)


async def migrate(pool: asyncpg.Pool, folder: Traversable | Path = MIGRATIONS) -> list[str]:
    """Apply the SQL files in ``folder`` that this database has not seen yet, in name order.

    Each applied file is recorded with its checksum. A file that differs from the one this database
    applied stops the start-up (:class:`MigrationChanged`): shipped migrations are never edited, so
    that every database, whichever version created it, ends up with the same schema.
    """
    files = migration_files(folder)
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(_MIGRATIONS_TABLE)
            recorded = await _recorded_checksums(conn, files)
            _refuse_changed(files, recorded)
            for migration in files:
                if migration.name in recorded:
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                                       migration.name, migration.checksum)
                applied.append(migration.name)
                log.info("migration_applied", name=migration.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied


async def _recorded_checksums(conn: asyncpg.Connection, files: list[Migration]) -> dict[str, tuple[str, Any]]:
    """Name -> (checksum, applied_at) of every applied migration; rows applied before checksums were
    kept take the checksum of today's file (the first run under this runner trusts what it finds)."""
    current = {migration.name: migration.checksum for migration in files}
    rows = await conn.fetch("SELECT name, checksum, applied_at FROM schema_migrations")
    recorded: dict[str, tuple[str, Any]] = {}
    for row in rows:
        checksum = row["checksum"]
        if checksum is None and row["name"] in current:
            checksum = current[row["name"]]
            await conn.execute("UPDATE schema_migrations SET checksum = $2 WHERE name = $1 AND checksum IS NULL",
                               row["name"], checksum)
        recorded[row["name"]] = (checksum, row["applied_at"])
    return recorded


def _refuse_changed(files: list[Migration], recorded: dict[str, tuple[str, Any]]) -> None:
    for migration in files:
        if migration.name not in recorded:
            continue
        checksum, applied_at = recorded[migration.name]
        if checksum != migration.checksum:
            raise MigrationChanged(
                f"the migration {migration.path} is not the file this database applied on"
                f" {applied_at:%Y-%m-%d} (checksum {checksum[:12]}…, the file now {migration.checksum[:12]}…);"
                " a shipped migration is never edited: restore it, and put the change in a new migration"
            )


async def open_database(settings: Settings, *, max_size: int = 10) -> tuple[asyncpg.Pool, asyncpg.Pool]:
    """Connect (starting the embedded server when no URL is set) and bring the schema up to date.

    Returns the general pool and the intake's write pool."""
    url = await asyncio.to_thread(database_url, settings)
    try:
        pool = await create_pool(url, max_size=max_size)
    except (OSError, asyncpg.PostgresError) as error:
        raise DatabaseUnreachable(f"cannot connect to the database at {_without_password(url)}: {error}") from None
    try:
        await migrate(pool)
    except BaseException:
        await pool.close()
        raise
    return pool, await create_write_pool(url, max_size=max_size)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
