"""A batch that looks first (a bulk ingest) reads the log without locks before it is decided: whatever another
process writes between that look and the append must still be decided as one decision under the locks would,
with no message accepted twice and each tenant's message ids and streams its own."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from message_samples import booking, check_in, company_with_bookings, employee, envelope

from infra import append as append_module
from services.core.app import App, app_for_url
from services.core.intake import prepare

TENANT = "acme"


def _between_look_and_append(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], Awaitable[Any]]) -> list[int]:
    """Run ``meanwhile`` once, after a looking batch's look and before its first append statement."""
    original = append_module._Rounds.run
    ran: list[int] = []

    async def run(self: Any, conn: Any) -> Any:
        if self.look is not None and self.count == 0 and not ran:
            ran.append(1)
            await meanwhile()
        return await original(self, conn)

    monkeypatch.setattr(append_module._Rounds, "run", run)
    return ran


async def _count(app: App, sql: str, *args: Any) -> int:
    return int(await app.store.write_pool.fetchval(sql, *args))


async def test_an_employee_who_left_between_the_look_and_the_append_is_not_booked(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for message in company_with_bookings(1):
        assert (await app.intake.submit(message))["status"] == "accepted"
    left = envelope("EmployeeLeft", {"employee_id": "e-1", "left_on": "2026-03-01"})
    ran = _between_look_and_append(monkeypatch, lambda: app.intake.submit(left))
    looking = await app_for_url(database_url)  # caches nothing: the employee's stream is read in the look
    try:
        [outcome] = await looking.intake.process([prepare(json.dumps(booking("b-2", "e-1")))], "file",
                                                 look_first=True)
    finally:
        await looking.close()
    assert ran == [1]
    assert outcome["status"] == "rejected", outcome
    assert await _count(app, "SELECT count(*) FROM events WHERE stream = 'booking-b-2'") == 0


async def test_a_stream_moved_between_the_look_and_the_append_is_appended_after_the_move(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for message in company_with_bookings(1):
        assert (await app.intake.submit(message))["status"] == "accepted"
    moved = await app.intake.submit(check_in("b-1", "2026-04-07"))
    looking = await app_for_url(database_url)
    try:
        ran = _between_look_and_append(monkeypatch, lambda: app.intake.submit(check_in("b-1", "2026-04-08")))
        [outcome] = await looking.intake.process([prepare(json.dumps(check_in("b-1", "2026-04-09")))], "file",
                                                 look_first=True)
    finally:
        await looking.close()
    assert ran == [1]
    assert moved["events"][0]["version"] == 2
    assert outcome["status"] == "accepted"
    assert outcome["events"][0]["version"] == 4
    versions = await app.store.write_pool.fetch(
        "SELECT version FROM events WHERE tenant = $1 AND stream = 'booking-b-1' ORDER BY position", TENANT)
    assert [r["version"] for r in versions] == [1, 2, 3, 4]


async def test_a_message_id_stored_between_the_look_and_the_append_is_a_duplicate_once(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for message in company_with_bookings(1):
        assert (await app.intake.submit(message))["status"] == "accepted"
    message = check_in("b-1", "2026-04-08", message_id="raced-id")
    first: dict[str, Any] = {}

    async def other_stores_it() -> None:
        first.update(await app.intake.submit(message))

    ran = _between_look_and_append(monkeypatch, other_stores_it)
    looking = await app_for_url(database_url)
    try:
        outcomes = await looking.intake.process(
            [prepare(json.dumps(m)) for m in (message, check_in("b-1", "2026-04-09"))], "file", look_first=True)
    finally:
        await looking.close()
    assert ran == [1]
    assert first["status"] == "accepted"
    assert outcomes[0] == {"status": "duplicate", "tenant": TENANT, "message_id": "raced-id", "first": first}
    assert outcomes[1]["status"] == "accepted" and outcomes[1]["events"][0]["version"] == 3
    assert await _count(app, "SELECT count(*) FROM outcomes WHERE message_id = 'raced-id'") == 1
    assert await _count(app, "SELECT count(*) FROM events WHERE message_id = 'raced-id'") == 1


async def test_the_look_reads_only_the_batch_tenant(app: App, database_url: str) -> None:
    # Another tenant holds the same message id and the same stream names, further along.
    for message in company_with_bookings(1, tenant="globex"):
        assert (await app.intake.submit(message))["status"] == "accepted"
    assert (await app.intake.submit(check_in("b-1", tenant="globex", message_id="same-id")))["status"] == "accepted"
    assert (await app.intake.submit(employee("e-1", tenant=TENANT)))["status"] == "accepted"
    looking = await app_for_url(database_url)
    try:
        outcomes = await looking.intake.process(
            [prepare(json.dumps(m)) for m in (booking("b-1", "e-1", message_id="same-id"), check_in("b-1"))],
            "file", look_first=True)
    finally:
        await looking.close()
    assert [o["status"] for o in outcomes] == ["accepted", "accepted"], outcomes
    assert [o["events"][0]["version"] for o in outcomes] == [1, 2]
    assert outcomes[0]["tenant"] == TENANT
