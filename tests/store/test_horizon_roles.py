"""The readers' horizon when the service's processes log in as different PostgreSQL roles (a writer role for
the doors, a reader role for reports): PostgreSQL shows a session's transaction id in pg_stat_activity only to
its own role (or a superuser / pg_read_all_stats), so a reader that cannot see a writer's running append would
read past it, and miss its event for good. Run on an embedded server of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from embedded_servers import embedded_server
from horizon_support import open_append

from infra.db import migrate
from infra.store import HORIZON_SQL


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with embedded_server({}) as started:
        yield started


def _as(url: str, user: str, database: str) -> str:
    parts = urlsplit(url)
    netloc = f"{user}@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc, path="/" + database))


@pytest.fixture
async def two_roles(server: object) -> AsyncIterator[tuple[str, str]]:
    admin_url = server.get_uri()  # type: ignore[attr-defined]
    suffix = uuid.uuid4().hex[:8]
    database, writer, reader = f"eduplan_r_{suffix}", f"writer_{suffix}", f"reader_{suffix}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
        for role in (writer, reader):
            await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        pool = await asyncpg.create_pool(_as(admin_url, admin.get_settings().session_authorization, database),
                                         min_size=1, max_size=2)
        try:
            await migrate(pool)
            for role in (writer, reader):
                await pool.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
                await pool.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        finally:
            await pool.close()
        yield _as(admin_url, writer, database), _as(admin_url, reader, database)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (writer, reader):
            await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def test_an_append_running_under_another_role_holds_the_reader_back(two_roles: tuple[str, str]) -> None:
    writer_url, reader_url = two_roles
    writer = await asyncpg.connect(writer_url)
    reader = await asyncpg.connect(reader_url)
    try:
        xid = await open_append(writer, "booking-b1", "role-1")
        horizon = int(await reader.fetchval(HORIZON_SQL))
        assert horizon <= xid, "a reader of another role would read past an append that is still running"
        await writer.execute("COMMIT")
        assert int(await reader.fetchval(HORIZON_SQL)) > xid
    finally:
        await writer.close()
        await reader.close()
