"""Migrations: every database converges to one schema, and an edited migration stops the start-up.

``shipped_001/`` holds the two forms of ``001_event_log.sql`` that databases were created with: the
file as first shipped (a partial idempotency index) and a later edit of it (a full index). Databases
made by either, under the runner of that time (no checksums), must end up with the schema of a fresh
database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest

from infra import db
from infra.db import create_pool, migrate

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS = REPO / "infra" / "migrations"
SHIPPED_001 = Path(__file__).resolve().parent / "shipped_001"

SCHEMA_SQL = """
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
       || ' ' || coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'function ' || proname || '(' || pg_get_function_identity_arguments(oid) || ') ' || md5(prosrc)
FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1
"""


async def _schema(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [row[0] for row in await conn.fetch(SCHEMA_SQL)]
    finally:
        await conn.close()


async def _as_an_old_runner_left_it(url: str, first_migration: Path) -> None:
    """What the runner before checksums did: a name per applied file, and ``first_migration`` as 001."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE schema_migrations (name text PRIMARY KEY,"
                           " applied_at timestamptz NOT NULL DEFAULT now())")
        for name in ("001_event_log.sql", "010_kafka.sql", "020_append.sql"):
            path = first_migration if name.startswith("001") else MIGRATIONS / name
            await conn.execute(path.read_text(encoding="utf-8"))
            await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
    finally:
        await conn.close()


async def _migrate(url: str, folder: Path | None = None) -> list[str]:
    pool = await create_pool(url, max_size=2)
    try:
        return await (migrate(pool) if folder is None else migrate(pool, folder))
    finally:
        await pool.close()


@pytest.mark.parametrize("first_migration", ["as_first_shipped.sql", "as_edited_later.sql"])
async def test_a_database_made_by_an_older_version_converges_to_the_fresh_schema(
    database_url: str, another_database, first_migration: str
) -> None:
    fresh = await another_database()
    await _migrate(fresh)

    await _as_an_old_runner_left_it(database_url, SHIPPED_001 / first_migration)
    await _migrate(database_url)
    assert await _schema(database_url) == await _schema(fresh)

    # A second start applies nothing and finds nothing changed.
    assert await _migrate(database_url) == []
    conn = await asyncpg.connect(database_url)
    try:
        unchecked = await conn.fetchval("SELECT count(*) FROM schema_migrations WHERE checksum IS NULL")
    finally:
        await conn.close()
    assert unchecked == 0


async def test_the_idempotency_index_is_a_full_unique_index(database_url: str) -> None:
    await _migrate(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        definition = await conn.fetchval("SELECT indexdef FROM pg_indexes WHERE indexname = 'outcomes_idempotency'")
    finally:
        await conn.close()
    assert definition.startswith("CREATE UNIQUE INDEX") and " WHERE " not in definition


async def test_a_changed_migration_file_stops_the_start_up_naming_the_file(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    applied = await _migrate(database_url, folder)
    assert "001_event_log.sql" in applied

    edited = folder / "010_kafka.sql"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n-- one more line\n", encoding="utf-8")
    with pytest.raises(db.MigrationChanged) as refused:
        await _migrate(database_url, folder)
    assert str(edited) in str(refused.value)
    assert "never edited" in str(refused.value)

    # Line endings alone do not count as a change (a checkout with CRLF is the same file).
    shutil.copy(MIGRATIONS / "010_kafka.sql", edited)
    crlf = folder / "020_append.sql"
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))
    assert await _migrate(database_url, folder) == []


async def test_a_new_migration_is_applied_and_checksummed(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    await _migrate(database_url, folder)
    (folder / "999_extra.sql").write_text("CREATE TABLE extra (id int);\n", encoding="utf-8")
    assert await _migrate(database_url, folder) == ["999_extra.sql"]
    conn = await asyncpg.connect(database_url)
    try:
        checksum = await conn.fetchval("SELECT checksum FROM schema_migrations WHERE name = '999_extra.sql'")
    finally:
        await conn.close()
    [extra] = [m for m in db.migration_files(folder) if m.name == "999_extra.sql"]
    assert checksum == extra.checksum
