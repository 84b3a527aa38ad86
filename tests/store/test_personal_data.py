"""Personal fields are encrypted per employee in the log; erasure destroys the key, never the event."""

from __future__ import annotations

import asyncpg
from message_samples import TENANT, employee, read_everything, review, settled

from services.core.app import App, app_for_url

NAME = "Karoline Østergaard-Hansen"
NOTES = "Wants to become a certified refrigeration technician"


async def _stored_data(database_url: str) -> dict[str, str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT type, data::text AS data FROM events ORDER BY position")
    finally:
        await conn.close()
    return {row["type"]: row["data"] for row in rows}


async def test_personal_fields_are_not_stored_in_plain_text(app: App, database_url: str) -> None:
    outcomes = await app.intake.submit_many(
        [employee("e-1", name=NAME), review("e-1", notes=NOTES)], door="test"
    )
    assert [o["status"] for o in outcomes] == ["accepted", "accepted"]

    stored = await _stored_data(database_url)
    for text in stored.values():
        assert NAME not in text and "Karoline" not in text and "Østergaard" not in text
        assert NOTES not in text and "refrigeration technician" not in text
    assert '"employee_id": "e-1"' in stored["EmployeeRegistered"]

    await settled(app)
    events = await read_everything(app)
    assert events[0]["data"]["name"] == NAME
    assert events[1]["data"]["notes"] == NOTES
    stream = await app.store.read_stream(TENANT, "employee-e-1")
    assert [e["data"].get("name") for e in stream] == [NAME, None]
    assert stream[1]["data"]["notes"] == NOTES

    # a reader without the cache (another process) decrypts too
    other = await app_for_url(database_url, max_size=2)
    try:
        await settled(other)
        assert (await read_everything(other))[0]["data"]["name"] == NAME
        raw, _ = await other.store.read_all(None, 10, decrypt=False)
        assert raw[0]["data"]["name"] != NAME
    finally:
        await other.close()


async def test_absent_notes_stay_absent(app: App, database_url: str) -> None:
    await app.intake.submit_many([employee("e-1"), review("e-1", notes=None)], door="test")
    await settled(app)
    assert (await read_everything(app))[1]["data"]["notes"] is None


async def test_erasure_nulls_the_personal_fields_and_keeps_the_events(app: App, database_url: str) -> None:
    await app.intake.submit_many(
        [employee("e-1", name=NAME), review("e-1", notes=NOTES), employee("e-2", name="Bo Jensen")], door="test"
    )
    await settled(app)
    before = await read_everything(app)
    assert before[0]["data"]["name"] == NAME  # the key is in the cache now

    assert (await app.store.erase_subject(TENANT, "e-1")).key_destroyed is True
    assert (await app.store.erase_subject(TENANT, "e-1")).key_destroyed is False  # no key left to destroy

    after = await read_everything(app)
    assert [e["position"] for e in after] == [e["position"] for e in before]
    assert after[0]["data"]["name"] is None
    assert after[1]["data"]["notes"] is None
    assert after[2]["data"]["name"] == "Bo Jensen"  # someone else's data is untouched
    for old, new in zip(before, after, strict=True):
        assert {k: v for k, v in new.items() if k != "data"} == {k: v for k, v in old.items() if k != "data"}
        keep = {k: v for k, v in old["data"].items() if k not in ("name", "notes")}
        assert {k: v for k, v in new["data"].items() if k not in ("name", "notes")} == keep
    assert [e["data"]["name"] for e in await app.store.read_stream(TENANT, "employee-e-1") if "name" in e["data"]] \
        == [None]

    # a fresh reader cannot read it either
    fresh = await app_for_url(database_url, max_size=2)
    try:
        assert (await read_everything(fresh))[0]["data"]["name"] is None
    finally:
        await fresh.close()

    # and personal data sent after the erasure is not kept readable
    outcome = await app.intake.submit(review("e-1", notes="sent after erasure"), door="test")
    assert outcome["status"] == "accepted"
    await settled(app)
    assert (await read_everything(app))[-1]["data"]["notes"] is None
    assert "sent after erasure" not in (await _stored_data(database_url))["DevelopmentReviewHeld"]


async def test_erasure_is_seen_by_another_running_process(app: App, database_url: str) -> None:
    """`eduplan erase` runs beside a server that already read (and cached) the person's key."""
    await app.intake.submit(employee("e-1", name=NAME), door="test")
    await settled(app)
    assert (await read_everything(app))[0]["data"]["name"] == NAME

    eraser = await app_for_url(database_url, max_size=2)
    try:
        assert (await eraser.store.erase_subject(TENANT, "e-1")).key_destroyed is True
    finally:
        await eraser.close()

    assert (await read_everything(app))[0]["data"]["name"] is None
