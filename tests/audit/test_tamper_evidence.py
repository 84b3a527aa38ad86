"""Every single-row change made directly in PostgreSQL — past the triggers — is reported by
`audit verify` with its stream, version and position; an untouched log verifies intact."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from audit_support import KEY, rows, signed_log, swap, tamper
from message_samples import TENANT, booking

from services.core.audit import AuditKeys, verify_tenant, write_checkpoint
from services.core.audit.checkpoints import NotSigned
from services.core.erasure import erase_employee


def _problems(report: Any, kind: str | None = None) -> list[dict[str, Any]]:
    return [p for p in report.as_json().get("problems", []) if kind is None or p["kind"] == kind]


def _at(report: Any, row: asyncpg.Record, kind: str) -> bool:
    """Whether the report names this row, by kind, stream, version and position."""
    return any((p["kind"], p["stream"], p["version"], p["position"]) == (kind, row["stream"], row["version"],
                                                                         row["position"])
               for p in _problems(report))


async def _broken(app: Any) -> Any:
    report = await verify_tenant(app.pool, TENANT, KEY)
    assert report.as_json()["status"] == "broken"
    assert not report.intact
    return report


def _middle(log: list[asyncpg.Record]) -> asyncpg.Record:
    """A row in the middle of a stream: it has a successor in the same stream."""
    later = {(r["stream"], r["version"] - 1) for r in log}
    candidates = [r for r in log if r["version"] > 1 and (r["stream"], r["version"]) in later]
    return candidates[len(candidates) // 2]


async def test_an_untouched_log_verifies_intact(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        log = await rows(database_url)
        report = await verify_tenant(app.pool, TENANT, KEY)
        last = log[-1]
        assert report.as_json() == {"status": "intact", "events": len(log),
                                    "checkpoint": f"{last['transaction_id']}-{last['position']}"}
        assert all(r["hash"] is not None and len(r["hash"]) == 64 for r in log)
        firsts = [r for r in log if r["version"] == 1]
        assert {r["prev_hash"] for r in firsts} == {"0" * 64}
    finally:
        await app.close()


async def test_events_after_the_last_checkpoint_are_an_unsigned_tail(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        await app.intake.submit(booking("b-9", "e-3"), door="test")
        report = await verify_tenant(app.pool, TENANT, KEY)
        body = report.as_json()
        assert body["status"] == "intact"
        tail = _problems(report, "unsigned_tail")
        assert [(p["stream"], p["version"]) for p in tail] == [("booking-b-9", 1)]
        assert await write_checkpoint(app.pool, TENANT, KEY) is not None
        assert "problems" not in (await verify_tenant(app.pool, TENANT, KEY)).as_json()
    finally:
        await app.close()


COLUMN_CHANGES = {
    "type": "type = 'CourseCancelled'",
    "data": "data = data || '{\"hours\": 1}'",
    "occurred_at": "occurred_at = occurred_at - interval '1 day'",
    "recorded_at": "recorded_at = recorded_at + interval '1 microsecond'",
    "message_id": "message_id = 'forged-message'",
    "actor": "actor = 'someone-else'",
    "schema_version": "schema_version = 2",
    "transaction_id": "transaction_id = (transaction_id::text::bigint + 1)::text::xid8",
    "prev_hash": "prev_hash = repeat('1', 64)",
    "hash": "hash = repeat('2', 64)",
    "version": "version = version + 1000",
    "stream": "stream = stream || '-x'",
    "tenant": "tenant = 'another-tenant'",
}


@pytest.mark.parametrize("column", list(COLUMN_CHANGES))
async def test_changing_any_column_of_one_row_is_reported(database_url: str, column: str) -> None:
    app = await signed_log(database_url)
    try:
        row = _middle(await rows(database_url))
        await tamper(database_url, f"UPDATE events SET {COLUMN_CHANGES[column]} WHERE position = $1",
                     args=(row["position"],))
        report = await _broken(app)
        problems = _problems(report)
        assert any(p["position"] == row["position"] for p in problems), problems
        if column not in ("version", "stream", "tenant"):  # those move the row to another place of the log
            assert _at(report, row, "changed"), problems
        else:
            assert any(p["stream"] == row["stream"] and p["version"] == row["version"]
                       and p["position"] == row["position"] for p in problems), problems
    finally:
        await app.close()


async def test_a_row_rewritten_with_a_recomputed_hash_breaks_its_successors_link(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        row = _middle(await rows(database_url))
        await tamper(database_url,
                     "UPDATE events SET actor = 'forger' WHERE position = $1",
                     "UPDATE events SET hash = eduplan_event_hash(position, transaction_id, tenant, stream, version,"
                     " type, occurred_at, recorded_at, message_id, actor, data, schema_version, prev_hash)"
                     " WHERE position = $1",
                     args=(row["position"],))
        assert _at(await _broken(app), row, "changed")
    finally:
        await app.close()


async def test_deleting_a_middle_row_is_reported_as_removed(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        row = _middle(await rows(database_url))
        await tamper(database_url, "DELETE FROM events WHERE position = $1", args=(row["position"],))
        report = await _broken(app)
        assert _at(report, row, "removed"), _problems(report)
    finally:
        await app.close()


async def test_deleting_the_last_row_is_reported_as_removed(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        row = (await rows(database_url))[-1]
        await tamper(database_url, "DELETE FROM events WHERE position = $1", args=(row["position"],))
        report = await _broken(app)
        assert _at(report, row, "removed"), _problems(report)
    finally:
        await app.close()


async def test_a_forged_row_is_reported_as_inserted(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        await tamper(database_url,
                     "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data)"
                     " VALUES ('acme', 'employee-e-9', 1, 'EmployeeRegistered', now(), 'forged', '{}')")
        forged = next(r for r in await rows(database_url) if r["message_id"] == "forged")
        report = await _broken(app)
        assert _at(report, forged, "inserted"), _problems(report)
    finally:
        await app.close()


async def test_a_forged_row_with_a_made_up_hash_is_reported_as_inserted(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        await tamper(database_url,
                     "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data, hash,"
                     " prev_hash) VALUES ('acme', 'booking-b-1', 3, 'KnowledgeShared', now(), 'forged', '{}',"
                     " repeat('a', 64), (SELECT hash FROM events WHERE stream = 'booking-b-1' AND version = 2))")
        forged = next(r for r in await rows(database_url) if r["message_id"] == "forged")
        report = await _broken(app)
        assert _at(report, forged, "inserted"), _problems(report)
        assert not _at(report, forged, "changed"), _problems(report)
    finally:
        await app.close()


async def test_a_forged_row_with_a_correct_hash_before_a_checkpoint_is_reported_as_inserted(
        database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        log = await rows(database_url)
        first = log[0]
        # Chained correctly onto a real head, and placed (by transaction id) before the checkpoint's cursor.
        head = max((r for r in log if r["stream"] == "booking-b-3"), key=lambda r: r["version"])
        await tamper(database_url,
                     "INSERT INTO events (transaction_id, tenant, stream, version, type, occurred_at, message_id,"
                     " data, prev_hash) VALUES ($1::text::xid8, 'acme', 'booking-b-3', $2, 'ManagerCheckInHeld',"
                     " now(), 'forged', '{\"booking_id\": \"b-3\", \"held_on\": \"2026-04-08\"}', $3)",
                     "UPDATE events SET hash = eduplan_event_hash(position, transaction_id, tenant, stream, version,"
                     " type, occurred_at, recorded_at, message_id, actor, data, schema_version, prev_hash)"
                     " WHERE message_id = 'forged'",
                     args=(str(first["transaction_id"]), head["version"] + 1, head["hash"]))
        forged = next(r for r in await rows(database_url) if r["message_id"] == "forged")
        report = await _broken(app)
        assert _at(report, forged, "inserted"), _problems(report)
    finally:
        await app.close()


@pytest.mark.parametrize("place", ["rows", "transaction ids stay", "hashes stay"])
async def test_swapping_two_rows_is_reported_as_reordered(database_url: str, place: str) -> None:
    app = await signed_log(database_url)
    try:
        log = await rows(database_url)
        one, other = log[3], log[8]
        await swap(database_url, one["position"], other["position"], transaction_ids_stay=place != "rows",
                   hashes_stay=place == "hashes stay")
        report = await _broken(app)
        reordered = {(p["stream"], p["version"], p["position"]) for p in _problems(report, "reordered")}
        assert (one["stream"], one["version"], other["position"]) in reordered, _problems(report)
        assert (other["stream"], other["version"], one["position"]) in reordered, _problems(report)
    finally:
        await app.close()


async def test_swapping_the_data_of_two_rows_is_reported_as_reordered(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        log = await rows(database_url)
        one, other = log[2], log[9]
        await tamper(database_url, "UPDATE events AS e SET data = o.data FROM events AS o"
                                   " WHERE (e.position, o.position) IN (($1, $2), ($2, $1))",
                     args=(one["position"], other["position"]))
        report = await _broken(app)
        assert {(p["kind"], p["position"]) for p in _problems(report)} == {
            ("reordered", one["position"]), ("reordered", other["position"])}, _problems(report)
    finally:
        await app.close()


async def test_swapping_two_versions_of_a_stream_is_reported_as_reordered(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        log = await rows(database_url)
        stream = [r for r in log if r["stream"] == "booking-b-2"]
        assert len(stream) >= 2
        await swap(database_url, stream[0]["position"], stream[1]["position"])
        report = await _broken(app)
        assert _problems(report, "reordered"), _problems(report)
        assert {p["position"] for p in _problems(report)} >= {stream[0]["position"], stream[1]["position"]}
    finally:
        await app.close()


async def test_a_change_around_a_dropped_and_recreated_guard_is_reported(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        row = _middle(await rows(database_url))
        conn = await asyncpg.connect(database_url)
        try:
            definition = await conn.fetchval(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'events_no_update_delete'")
            await conn.execute("DROP TRIGGER events_no_update_delete ON events")
            await conn.execute("UPDATE events SET data = data || '{\"hours\": 80}' WHERE position = $1",
                               row["position"])
            await conn.execute(definition)
        finally:
            await conn.close()
        assert _at(await _broken(app), row, "changed")
    finally:
        await app.close()


async def test_a_checkpoint_checked_with_a_wrong_key_is_never_intact(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        for keys in (AuditKeys(hmac_key=b"another key"), AuditKeys()):
            report = await verify_tenant(app.pool, TENANT, keys)
            assert report.as_json()["status"] == "broken"
            # The checkpoint is not trusted (a problem), so every event is unsigned as well.
            assert [p["kind"] for p in _problems(report) if p["kind"] != "unsigned_tail"] == ["changed"]
            assert "checkpoint 1" in _problems(report)[0]["detail"]
    finally:
        await app.close()


async def test_a_forged_checkpoint_is_reported(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        await tamper(database_url, "UPDATE audit_checkpoints SET body = replace(body, '\"events\":', '\"events\":1')")
        assert _problems(await _broken(app), "changed")
    finally:
        await app.close()


async def test_the_chain_still_verifies_after_an_erasure(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        erased = await erase_employee(app.store, TENANT, "e-1")
        assert erased.key_destroyed
        events = await app.store.read_stream(TENANT, "employee-e-1")
        assert events[0]["data"]["name"] is None
        assert (await verify_tenant(app.pool, TENANT, KEY)).as_json()["status"] == "intact"
    finally:
        await app.close()


async def test_the_log_refuses_updates_and_deletes_while_the_guard_is_on(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await app.pool.execute("UPDATE events SET actor = 'x' WHERE position = 1")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await app.pool.execute("DELETE FROM audit_checkpoints")
    finally:
        await app.close()


async def test_deleting_the_last_row_of_the_unsigned_tail_is_reported_as_removed(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        await app.intake.submit(booking("b-9", "e-3"), door="test")
        row = (await rows(database_url))[-1]
        assert row["stream"] == "booking-b-9"
        await tamper(database_url, "DELETE FROM events WHERE position = $1", args=(row["position"],))
        report = await _broken(app)
        assert _at(report, row, "removed"), _problems(report)
    finally:
        await app.close()


async def test_a_correctly_chained_forged_row_in_the_unsigned_tail_is_reported_as_inserted(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        head = max((r for r in await rows(database_url) if r["stream"] == "booking-b-3"), key=lambda r: r["version"])
        async with app.store.write_pool.acquire() as conn, conn.transaction():
            # As the append does it: under the stream's lock, through every trigger (so hashed and chained).
            await conn.execute("SELECT pg_advisory_xact_lock(42)")
            await conn.execute(
                "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data)"
                " VALUES ('acme', 'booking-b-3', $1, 'ManagerCheckInHeld', now(), 'forged',"
                " '{\"booking_id\": \"b-3\", \"held_on\": \"2026-04-08\"}')", head["version"] + 1)
        forged = next(r for r in await rows(database_url) if r["message_id"] == "forged")
        assert forged["prev_hash"] == head["hash"]
        report = await _broken(app)
        assert _at(report, forged, "inserted"), _problems(report)
    finally:
        await app.close()



_REHASHED = (
    "UPDATE events SET {change}, hash = eduplan_event_hash(position, transaction_id, tenant, stream, version, type,"
    " occurred_at, recorded_at, message_id, {actor}, {data}, schema_version, prev_hash) WHERE position = $1"
)


@pytest.mark.parametrize("change, actor, data", [
    ("data = data || '{\"hours\": 1}'", "actor", "data || '{\"hours\": 1}'"),
    ("actor = 'someone-else'", "'someone-else'", "data"),
])
async def test_a_row_of_the_unsigned_tail_rewritten_with_its_hash_recomputed_is_reported(
    database_url: str, change: str, actor: str, data: str,
) -> None:
    """One UPDATE of the newest event of a stream, its hash recomputed with the database's own function: no
    successor's link shows it, and no signature covers it yet — the outcome of its message must."""
    app = await signed_log(database_url)
    try:
        await app.intake.submit(booking("b-9", "e-3"), door="test")
        row = (await rows(database_url))[-1]
        assert row["stream"] == "booking-b-9"
        await tamper(database_url, _REHASHED.format(change=change, actor=actor, data=data), args=(row["position"],))
        rewritten = (await rows(database_url))[-1]
        assert rewritten["hash"] != row["hash"]
        report = await _broken(app)
        assert _at(report, row, "changed"), _problems(report)
        with pytest.raises(NotSigned):
            await write_checkpoint(app.pool, TENANT, KEY)
    finally:
        await app.close()


async def test_an_unsigned_checkpoint_slipped_in_after_a_signed_one_is_reported(
    database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone without the key forges a row into the unsigned tail and covers it with an unsigned checkpoint
    of their own (eduplan's code, its checks left out); the next signed checkpoint chains onto it."""
    app = await signed_log(database_url)
    try:
        head = max((r for r in await rows(database_url) if r["stream"] == "booking-b-3"), key=lambda r: r["version"])
        async with app.store.write_pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(42)")
            await conn.execute(
                "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data)"
                " VALUES ('acme', 'booking-b-3', $1, 'ManagerCheckInHeld', now(), 'forged',"
                " '{\"booking_id\": \"b-3\", \"held_on\": \"2026-04-08\"}')", head["version"] + 1)
        forged = next(r for r in await rows(database_url) if r["message_id"] == "forged")
        with monkeypatch.context() as patched:
            patched.setattr("infra.audit.events_no_outcome_lists", _nothing_unlisted)
            patched.setattr(AuditKeys, "scheme", property(lambda _: "theirs"))  # past the refusal to write it
            unsigned = await write_checkpoint(app.pool, TENANT, AuditKeys())
        assert unsigned is not None and unsigned.scheme == "none"
        await app.intake.submit(booking("b-9", "e-3"), door="test")
        try:
            await write_checkpoint(app.pool, TENANT, KEY)  # refusing to chain onto it is as good
        except NotSigned:
            pass
        report = await _broken(app)
        assert any(p["kind"] in ("changed", "inserted") for p in _problems(report)), _problems(report)
        assert _at(report, forged, "inserted") or any("checkpoint 2" in p["detail"] for p in _problems(report))
    finally:
        await app.close()


async def _nothing_unlisted(*_: Any) -> list[tuple[str, int, int]]:
    return []
