"""A large batch (an HTTP array, an import) must not need more advisory locks in one transaction than the
server's shared lock table holds: with too many, PostgreSQL answers "out of shared memory" — for that batch,
and for every other session that needs a lock meanwhile. Run on an embedded server with a small lock table
(tests/store/embedded_servers.py), so the shared test server is never exhausted."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from embedded_servers import embedded_server
from message_samples import TENANT, employee, read_everything, settled

from services.core.app import App, app_for_url
from services.core.checks import prepare


@pytest.fixture(scope="module")
def small_lock_table() -> Iterator[object]:
    # 64 (the default) x (20 sessions + the auxiliary processes) lock slots in all: under 3,000.
    with embedded_server({"max_connections": "20"}) as server:
        yield server


@pytest.fixture
async def small_app(small_lock_table: object) -> AsyncIterator[App]:
    server_url = small_lock_table.get_uri()  # type: ignore[attr-defined]
    name = "eduplan_l_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    core = await app_for_url(urlunsplit(urlsplit(server_url)._replace(path="/" + name)), max_size=4)
    try:
        yield core
    finally:
        await core.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_batch_of_thousands_of_streams_is_stored_whatever_the_lock_table_holds(small_app: App) -> None:
    count = 5000
    batch = [prepare(json.dumps(employee(f"e-{n}", message_id=f"hire-{n}")).encode()) for n in range(count)]
    batch.append(prepare(json.dumps(employee("e-7", message_id="hire-again")).encode()))  # decided after e-7's
    batch.append(prepare(json.dumps(employee("e-4999", message_id="hire-0")).encode()))  # a repeated message id

    outcomes = await small_app.intake.process(batch, "test")

    assert [o["status"] for o in outcomes] == ["accepted"] * count + ["rejected", "duplicate"]
    assert outcomes[count]["reason"] == "invalid_state"
    assert outcomes[count + 1]["first"]["events"] == outcomes[0]["events"]
    await settled(small_app)
    events = await read_everything(small_app, tenant=TENANT)
    assert [e["data"]["employee_id"] for e in events] == [f"e-{n}" for n in range(count)]


async def test_a_booking_naming_thousands_of_buddies_gets_an_outcome(small_app: App) -> None:
    """One message's decision reads every buddy's stream (a shared lock each): a message of 64 KiB can name
    thousands. It must get its outcome (a list that long is out of range), not fail its batch."""
    from message_samples import booking

    buddies = [f"b{n}" for n in range(5000)]
    message = booking("bk-1", "e-1")
    message["data"]["buddies"] = buddies
    assert len(json.dumps(message)) < 64 * 1024
    batch = [prepare(json.dumps(employee("e-1")).encode()), prepare(json.dumps(message).encode())]

    outcomes = await small_app.intake.process(batch, "test")

    assert [o["status"] for o in outcomes] == ["accepted", "rejected"]
    assert outcomes[1]["reason"] == "invalid_data" and outcomes[1]["detail"].startswith("data.buddies ")
