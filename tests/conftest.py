"""Shared fixtures: a real PostgreSQL server for store tests.

The server is chosen in this order: ``EDUPLAN_TEST_DATABASE_URL`` (any database on that server; each
test gets its own fresh database beside it), else a PostgreSQL container when a Docker engine answers,
else an embedded ``pgserver`` started under a temporary directory.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--large", action="store_true", default=False, help="run the long soak/stress variants")


LARGE_TIMEOUT = 3600
"""Seconds a long soak/stress variant may run under --large (the others have pyproject's ``timeout``)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--large"):
        for item in items:
            if "slow" in item.keywords and item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(LARGE_TIMEOUT))
        return
    deselected = [item for item in items if "slow" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "slow" not in item.keywords]


TASK_DUMP_AHEAD = 2.0
"""Seconds before a test's timeout at which the stacks of its pending asyncio tasks are written."""


@pytest.hookimpl(hookwrapper=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Iterator[None]:
    """A test that times out is dumped by pytest-timeout with the stack of every thread, where a hung asyncio test
    shows only its event loop waiting: shortly before, the stack of each pending asyncio task is written too."""
    if settings.timeout and settings.timeout > 0:
        timer = threading.Timer(max(settings.timeout - TASK_DUMP_AHEAD, 0.0), _dump_tasks, (item,))
        timer.daemon = True
        timer.start()
        item.stash[_TASK_DUMP] = timer
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> Iterator[None]:
    timer = item.stash.get(_TASK_DUMP, None)
    if timer is not None:
        timer.cancel()
    yield


_TASK_DUMP = pytest.StashKey[threading.Timer]()


def _dump_tasks(item: pytest.Item) -> None:
    out = sys.__stderr__
    if out is None:
        return
    tasks = [task for task in gc.get_objects() if isinstance(task, asyncio.Task) and not task.done()]
    out.write(f"\n~~~ {item.nodeid}: about to time out; {len(tasks)} pending asyncio task(s) ~~~\n")
    for task in tasks:
        out.write(f"--- {task.get_name()} {task.get_coro()!r}\n")
        task.print_stack(file=out)
    out.flush()


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
