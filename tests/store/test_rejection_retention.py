"""Raw rejected messages are kept sealed under their tenant's key and dropped after the retention period;
reason, detail and ids stay."""

from __future__ import annotations

import asyncio
import json

import pytest
from message_samples import TENANT, check_in

from infra.rejections import names_any
from infra.settings import Settings
from services.core.app import App, app_for_url


async def _age(app: App, message_id: str, days: int) -> None:
    await app.pool.execute("UPDATE outcomes SET received_at = received_at - make_interval(days => $2)"
                           " WHERE message_id = $1", message_id, days)


async def test_raw_bodies_older_than_the_retention_period_are_dropped_and_the_rest_stays(app: App) -> None:
    old, recent = check_in("b-404"), check_in("b-405")
    await app.intake.submit_many([old, recent], door="test")
    await _age(app, old["message_id"], 91)

    swept = await app.store.sweep_rejections()
    assert swept.expired == 1
    listed = {r["message_id"]: r for r in await app.store.rejections(TENANT, with_raw=True)}
    assert listed[old["message_id"]]["raw"] is None
    assert json.loads(listed[recent["message_id"]]["raw"]) == recent
    gone = listed[old["message_id"]]
    assert (gone["reason"], gone["type"], gone["tenant"]) == ("unknown_booking", "ManagerCheckInHeld", TENANT)
    assert "b-404" in gone["detail"]
    row = await app.pool.fetchrow("SELECT raw_dropped, raw_size FROM outcomes WHERE message_id = $1",
                                  old["message_id"])
    assert row["raw_dropped"] == "expired" and row["raw_size"] > 0
    assert (await app.store.sweep_rejections()).expired == 0


async def test_raw_bodies_are_stored_sealed_and_read_decrypted(app: App) -> None:
    message = check_in("b-404")
    await app.intake.submit(json.dumps(message).encode(), door="test")
    stored = await app.pool.fetchrow("SELECT raw, raw_sealed FROM outcomes WHERE message_id = $1",
                                     message["message_id"])
    assert stored["raw"] is None and b"b-404" not in stored["raw_sealed"]
    [listed] = await app.store.rejections(TENANT, with_raw=True)
    assert json.loads(listed["raw"]) == message
    assert "raw" not in (await app.store.rejections(TENANT))[0]


async def test_plain_raw_bodies_of_an_older_version_are_sealed_by_the_sweep(app: App) -> None:
    await app.pool.execute("INSERT INTO outcomes (tenant, message_id, status, reason, detail, raw, raw_size)"
                           " VALUES ($1, 'legacy-1', 'rejected', 'unknown_type', 'old', 'plain body', 10),"
                           " (NULL, NULL, 'rejected', 'invalid_envelope', 'old', 'no tenant', 9)", TENANT)
    assert (await app.store.sweep_rejections()).sealed == 2
    assert await app.pool.fetchval("SELECT count(*) FROM outcomes WHERE raw IS NOT NULL") == 0
    assert [r["raw"] for r in await app.store.rejections(TENANT, with_raw=True)] == ["plain body"]
    assert [r["raw"] for r in await app.store.rejections(None, with_raw=True)] == ["no tenant"]


async def test_every_process_that_opens_the_core_sweeps_with_the_configured_period(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.core.app import open_app

    first = await app_for_url(database_url)
    try:
        old = check_in("b-404")
        await first.intake.submit(old, door="test")
        await _age(first, old["message_id"], 3)
    finally:
        await first.close()
    monkeypatch.setenv("EDUPLAN_DATABASE_URL", database_url)
    monkeypatch.setenv("EDUPLAN_REJECTION_RETENTION_DAYS", "2")
    app = await open_app(max_size=2)
    try:
        for _ in range(100):
            if await app.pool.fetchval("SELECT raw_dropped FROM outcomes WHERE message_id = $1", old["message_id"]):
                break
            await asyncio.sleep(0.05)
        assert (await app.store.rejections(TENANT, with_raw=True))[0]["raw"] is None
    finally:
        await app.close()


def test_the_retention_period_is_a_whole_number_of_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUPLAN_REJECTION_RETENTION_DAYS", raising=False)
    assert Settings.from_env().rejection_retention_days == 90
    monkeypatch.setenv("EDUPLAN_REJECTION_RETENTION_DAYS", "0")
    assert Settings.from_env().rejection_retention_days == 0
    monkeypatch.setenv("EDUPLAN_REJECTION_RETENTION_DAYS", "ninety")
    with pytest.raises(ValueError, match="EDUPLAN_REJECTION_RETENTION_DAYS"):
        Settings.from_env()


@pytest.mark.parametrize(("raw", "names_her"), [
    (b'{"data": {"employee_id": "e-1"}}', True),
    (b'{"data": {"buddies": ["e-2", "e-1"]}}', True),
    (b'{"data": {"employee_id": "e-10"}}', False),
    (b'{"data": {"notes": "talked with karoline \\u00f8stergaard-hansen"}}', True),
    (b'{"data": {"notes": "Karoline\'s course"}}', False),
    (b'{"data": {"name": "Karoline Hansen"}}', False),
    (b"employee_id=e-1 name=?", True),
    (b"employee_id=e-12", False),
    (b'{"data": ' + b"[" * 5000 + b"]" * 5000 + b', "who": "e-1"}', True),
])
def test_a_raw_message_names_a_person_by_id_as_a_value_or_by_name_as_words(raw: bytes, names_her: bool) -> None:
    assert names_any(raw, ["e-1"], ["Karoline Østergaard-Hansen"]) is names_her


def test_a_short_name_matches_only_as_a_word() -> None:
    assert names_any(b'{"type": "CourseBooked", "data": {"booking_id": "b-1"}}', ["e-9"], ["Bo"]) is False
    assert names_any(b'{"data": {"notes": "asked Bo about it"}}', ["e-9"], ["Bo"]) is True


