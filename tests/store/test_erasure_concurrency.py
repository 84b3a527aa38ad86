"""Erasure beside a running service: it must not stall the other tenants' readers, and a rejected message
that names the person is dropped wherever it was filed."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
from message_samples import TENANT, employee, envelope, read_everything, settled

import infra.rejections as rejections
from services.core.app import App, app_for_url
from services.core.erasure import erase_employee

NAME = "Karoline Østergaard-Hansen"


def _erase_in_another_process(database_url: str, tenant: str, employee_id: str, result: dict[str, Any]) -> None:
    """`eduplan erase` as a process of its own would run it (own event loop, own connections)."""

    async def run() -> None:
        eraser = await app_for_url(database_url, max_size=2)
        try:
            result["erasure"] = await erase_employee(eraser.store, tenant, employee_id)
        finally:
            await eraser.close()

    try:
        asyncio.run(run())
    except BaseException as error:  # surfaced by the test
        result["error"] = error


async def test_a_long_erasure_does_not_hold_back_the_readers_of_the_log(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Erasing looks through every kept raw rejected message of the tenant (decrypting each) under the raw
    lock; meanwhile an event another tenant appends must become readable (projections, relay, event reads)."""
    rejected = envelope("CourseBooked", {"booking_id": "b-1", "employee_id": "e-1", "note": NAME})
    outcomes = await app.intake.submit_many([employee("e-1", name=NAME), rejected], door="test")
    assert [o["status"] for o in outcomes] == ["accepted", "rejected"]
    await settled(app)

    looking = threading.Event()
    may_finish = threading.Event()
    original = rejections._names

    def slow_look(*args: Any) -> bool:
        looking.set()
        may_finish.wait(20)  # a tenant with many kept rejections: the look takes a while
        return bool(original(*args))

    monkeypatch.setattr(rejections, "_names", slow_look)
    result: dict[str, Any] = {}
    eraser = threading.Thread(target=_erase_in_another_process, args=(database_url, TENANT, "e-1", result))
    eraser.start()
    try:
        assert await asyncio.to_thread(looking.wait, 20), result.get("error")
        other = envelope("DepartmentRegistered", {"department": "ops", "name": "Operations"}, tenant="other-co")
        accepted = await app.intake.submit(other, door="test")
        assert accepted["status"] == "accepted"
        position = accepted["events"][0]["position"]

        deadline = time.monotonic() + 3.0
        seen = False
        while not seen and time.monotonic() < deadline:
            seen = position in [e["position"] for e in await read_everything(app, tenant="other-co")]
            await asyncio.sleep(0.05)
        assert eraser.is_alive(), "the erasure was to be still looking through the kept rejections"
        assert seen, "an event committed by another tenant stays unreadable while an erasure runs"
    finally:
        may_finish.set()
        await asyncio.to_thread(eraser.join, 30)
    assert "error" not in result, result.get("error")
    assert result["erasure"].key_destroyed and result["erasure"].rejections_dropped == 1
    assert (await read_everything(app, tenant=TENANT))[0]["data"]["name"] is None
    kept = await app.store.rejections(TENANT, with_raw=True)
    assert [r["raw"] for r in kept] == [None]


async def test_erasure_drops_a_rejected_message_naming_the_person_filed_under_another_tenant(
    app: App, database_url: str
) -> None:
    """With tenant topics, a record naming tenant T sent on tenant X's topic is rejected ``forbidden`` and filed
    under X (CONTRACT §6). Erasing a person of T must make it unreadable too: it names them by id and name."""
    from services.core.checks import prepare
    from services.doors.kafka import only_the_topics_tenant

    await app.intake.submit(employee("e-1", name=NAME), door="test")
    await app.intake.submit(envelope("DepartmentRegistered", {"department": "ops", "name": "Ops"}, tenant="x-co"),
                            door="test")
    misrouted = envelope("DevelopmentReviewHeld", {"employee_id": "e-1", "held_on": "2026-03-05",
                                                   "education_item": True, "notes": f"{NAME} wants to weld"})
    prepared = only_the_topics_tenant(prepare(json.dumps(misrouted, ensure_ascii=False).encode()), "x-co")
    [outcome] = await app.intake.process([prepared], "kafka")
    assert outcome["reason"] == "forbidden"
    [filed] = await app.store.rejections("x-co", with_raw=True)
    assert filed["raw"] is not None and NAME in filed["raw"]

    erasure = await erase_employee(app.store, TENANT, "e-1")

    assert erasure.key_destroyed
    [filed] = await app.store.rejections("x-co", with_raw=True)
    assert filed["raw"] is None, "a kept raw message still names an erased person"
    assert erasure.rejections_dropped == 1


async def test_a_registration_that_commits_while_the_person_is_erased_keeps_no_readable_name(
    app: App, database_url: str
) -> None:
    """The registration was sent first but is still under way (waiting for its stream) when `erase` runs:
    once both have returned, the name must not be readable."""
    import asyncpg

    from infra.append_data import stream_lock_key

    holder = await asyncpg.connect(database_url)
    try:
        busy = holder.transaction()
        await busy.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key(TENANT, "employee-e-1"))
        registering = asyncio.create_task(app.intake.submit(employee("e-1", name=NAME), door="test"))
        deadline = time.monotonic() + 10
        while not await holder.fetchval("SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory'"
                                        " AND NOT granted)"):
            assert time.monotonic() < deadline, "the registration never reached its stream lock"
            await asyncio.sleep(0.02)

        erasure = await erase_employee(app.store, TENANT, "e-1")

        await busy.rollback()
        outcome = await asyncio.wait_for(registering, 30)
    finally:
        await holder.close()
    assert outcome["status"] == "accepted"
    assert erasure.key_destroyed is False  # no key was held when the erasure ran
    await settled(app)
    [registered] = await read_everything(app, tenant=TENANT)
    assert registered["data"]["name"] is None, "an erased person's name is readable"
    again = await erase_employee(app.store, TENANT, "e-1")
    assert again.key_destroyed is False
