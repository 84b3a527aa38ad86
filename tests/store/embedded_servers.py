"""Throw-away PostgreSQL servers (pgserver's binaries) set up in ways the shared test server may not be:
prepared transactions allowed, and a hot standby streaming from a primary. Unix sockets only."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def embedded_server(settings: dict[str, str]) -> Iterator[Any]:
    """A pgserver server under a temporary directory, restarted with ``settings``; stopped and removed after."""
    import pgserver
    from pgserver._commands import pg_ctl

    data_dir = tempfile.mkdtemp(prefix="eduplan-test-pg-")
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        for name, value in settings.items():
            server.psql(f"ALTER SYSTEM SET {name} = '{value}'")
        pg_ctl(["-w", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=60)
        yield server
    finally:
        # pgserver only stops the process it started itself, which the restart replaced.
        with contextlib.suppress(subprocess.SubprocessError):
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=60)
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def hot_standby(primary: Any) -> Iterator[str]:
    """A hot standby of ``primary`` (a pgserver server), streaming its WAL; the URL of its ``postgres`` database."""
    from pgserver._commands import POSTGRES_BIN_PATH, pg_ctl

    user = primary.system_user
    home = Path(tempfile.mkdtemp(prefix="eduplan-test-standby-"))
    data = home / "data"
    if user is not None:
        shutil.chown(home, user=user)
    try:
        subprocess.run([str(POSTGRES_BIN_PATH / "pg_basebackup"), "-D", str(data), "-R", "-X", "stream",
                        "-d", primary.get_uri()], check=True, capture_output=True, user=user, timeout=120)
        pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {home}", "-l", str(home / "log"), "start"],
               pgdata=data, user=user, timeout=60)
        try:
            yield f"postgresql://postgres:@/postgres?host={home}"
        finally:
            with contextlib.suppress(subprocess.SubprocessError):
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)
    finally:
        shutil.rmtree(home, ignore_errors=True)
