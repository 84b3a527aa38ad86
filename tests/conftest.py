"""Shared fixtures: a real PostgreSQL server for store tests.

The server is chosen in this order: ``EDUPLAN_TEST_DATABASE_URL`` (any database on that server; each
test gets its own fresh database beside it), else a PostgreSQL container when a Docker engine answers,
else an embedded ``pgserver`` started under a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--large", action="store_true", default=False, help="run the long soak/stress variants")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--large"):
        return
    deselected = [item for item in items if "slow" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "slow" not in item.keywords]


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def with_database(server_url: str, database: str) -> str:
    """The URL of another database on the same server."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A URL of an admin database on a real PostgreSQL server."""
    url = os.environ.get("EDUPLAN_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    import pgserver

    data_dir = tempfile.mkdtemp(prefix="eduplan-test-pg-")
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


async def _create_database(server_url: str) -> str:
    name = "eduplan_t_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def database_url(pg_server_url: str) -> AsyncIterator[str]:
    """A fresh, empty database on the test server, dropped after the test."""
    name = await _create_database(pg_server_url)
    try:
        yield with_database(pg_server_url, name)
    finally:
        await _drop_database(pg_server_url, name)


@pytest.fixture(scope="module")
def module_database_url(pg_server_url: str) -> Iterator[str]:
    """A fresh database shared by the tests of one module."""
    name = asyncio.run(_create_database(pg_server_url))
    try:
        yield with_database(pg_server_url, name)
    finally:
        asyncio.run(_drop_database(pg_server_url, name))


@pytest.fixture
async def another_database(pg_server_url: str) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of further fresh databases on the test server (for clean reference runs)."""
    made: list[str] = []

    async def make() -> str:
        name = await _create_database(pg_server_url)
        made.append(name)
        return with_database(pg_server_url, name)

    try:
        yield make
    finally:
        for name in made:
            await _drop_database(pg_server_url, name)
