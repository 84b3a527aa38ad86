"""The chain as written (the trigger, the SQL function and the Python encoding agree), a log that existed
before the chain (migration 140 chains it, the first checkpoint says so), and checkpoints written in the
background and per export cursor."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from pathlib import Path

import asyncpg
import pytest
from audit_support import KEY, history, rows, signed_log
from message_samples import TENANT, booking

from infra.audit import event_hash, event_of_row, read_checkpoints
from infra.db import MIGRATIONS, create_pool, migrate
from infra.store import HORIZON_SQL
from services.core.app import app_for_url
from services.core.audit import (
    AuditKeys,
    Checkpointer,
    NotSigned,
    export_tenant,
    verify_file,
    verify_tenant,
    write_checkpoint,
)

_SQL_HASH = ("eduplan_event_hash(position, transaction_id, tenant, stream, version, type, occurred_at, recorded_at,"
             " message_id, actor, data, schema_version, prev_hash)")


async def test_the_trigger_the_sql_function_and_the_python_encoding_agree(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        log = await app.pool.fetch(
            f"SELECT position, transaction_id::text AS transaction_id, tenant, stream, version, type, occurred_at,"
            f" recorded_at, message_id, actor, data::text AS data, schema_version, prev_hash, hash,"
            f" {_SQL_HASH} AS by_sql FROM events ORDER BY position")
        assert len(log) == len(history())
        for row in log:
            assert row["hash"] == row["by_sql"] == event_hash(event_of_row(row))
        by_stream: dict[str, str] = {}
        for row in sorted(log, key=lambda r: (r["stream"], r["version"])):
            assert row["prev_hash"] == by_stream.get(row["stream"], "0" * 64)
            by_stream[row["stream"]] = row["hash"]
    finally:
        await app.close()


def _migrations_before_the_chain(folder: Path) -> Path:
    folder.mkdir()
    for path in sorted(Path(str(MIGRATIONS)).glob("*.sql")):
        if path.name < "140":
            shutil.copy(path, folder / path.name)
    return folder


async def test_a_log_from_before_the_chain_is_chained_by_the_migration(database_url: str, tmp_path: Path) -> None:
    before = _migrations_before_the_chain(tmp_path / "migrations")
    pool = await create_pool(database_url)
    try:
        await migrate(pool, before)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(7)")
            for version in (1, 2, 3):
                await conn.execute(
                    "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data)"
                    " VALUES ($1, 'employee-old', $2, 'EmployeeMoved', now(), $3, '{\"department\": \"rd\"}')",
                    TENANT, version, f"old-{version}")
            await conn.execute(
                "INSERT INTO outcomes (tenant, message_id, status, events)"
                " SELECT tenant, message_id, 'accepted', jsonb_build_array(jsonb_build_object("
                "  'stream', stream, 'version', version, 'position', position)) FROM events")
        assert "140_hash_chain.sql" in await migrate(pool)
    finally:
        await pool.close()
    app = await app_for_url(database_url)
    try:
        chained = await rows(database_url)
        assert [r["prev_hash"] for r in chained[1:]] == [r["hash"] for r in chained[:-1]]
        for message in history():
            assert (await app.intake.submit(message, door="test"))["status"] == "accepted"
        from services.core.audit import write_checkpoint

        first = await write_checkpoint(app.pool, TENANT, KEY)
        assert first is not None and first.seq == 1
        [stored] = await read_checkpoints(app.pool, TENANT)
        note = json.loads(stored.body)["note"]
        assert "the first 3 events" in note and "chained" in note
        assert (await verify_tenant(app.pool, TENANT, KEY)).as_json()["status"] == "intact"
    finally:
        await app.close()


async def test_the_background_checkpointer_signs_new_events_soon(database_url: str) -> None:
    app = await app_for_url(database_url)
    checkpointer = Checkpointer(app.pool, KEY, every=0.3, poll=0.1)
    checkpointer.start()
    try:
        for message in history()[:4]:
            await app.intake.submit(message, door="test")
        for _ in range(100):
            await asyncio.sleep(0.1)
            report = (await verify_tenant(app.pool, TENANT, KEY)).as_json()
            if "problems" not in report and report["checkpoint"] is not None:
                break
        assert report == {"status": "intact", "events": 4, "checkpoint": report["checkpoint"]}
        head = await app.pool.fetchrow("SELECT transaction_id::text AS x, position FROM events"
                                       " ORDER BY transaction_id DESC, position DESC LIMIT 1")
        assert report["checkpoint"] == f"{head['x']}-{head['position']}"
    finally:
        await checkpointer.close()
        await app.close()


async def test_an_export_until_a_cursor_verifies_offline(database_url: str, tmp_path: Path) -> None:
    app = await signed_log(database_url)
    try:
        log = await rows(database_url)
        until = (int(str(log[5]["transaction_id"])), log[5]["position"])
        out = io.StringIO()
        events, checkpoints = await export_tenant(app.pool, TENANT, out, until)
        assert (events, checkpoints) == (6, 0)  # the one checkpoint covers more than the export
        path = tmp_path / "part.jsonl"
        path.write_text(out.getvalue(), encoding="utf-8")
        report = verify_file(path, KEY)
        assert report.as_json()["status"] == "intact" and report.events == 6
        whole = io.StringIO()
        await export_tenant(app.pool, TENANT, whole)
        path.write_text(whole.getvalue(), encoding="utf-8")
        assert verify_file(path, KEY).as_json() == (await verify_tenant(app.pool, TENANT, KEY)).as_json()
    finally:
        await app.close()


async def test_a_checkpoint_never_signs_a_tampered_segment(database_url: str) -> None:
    app = await signed_log(database_url)
    try:
        for message in history()[:2]:
            await app.intake.submit({**message, "message_id": message["message_id"] + "-again",
                                     "tenant": "other"}, door="test")
        conn = await asyncpg.connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute("UPDATE events SET actor = 'x' WHERE tenant = 'other' AND version = 1")
        finally:
            await conn.close()
        from services.core.audit import NotSigned, write_checkpoint

        try:
            await write_checkpoint(app.pool, "other", KEY)
        except NotSigned as refused:
            assert "changed" in str(refused)
        else:
            raise AssertionError("a tampered segment was signed")
        assert await read_checkpoints(app.pool, "other") == []
        assert await app.pool.fetchval(HORIZON_SQL)
    finally:
        await app.close()


async def test_a_thousand_events_of_a_tenant_are_signed_without_waiting_for_the_clock(database_url: str) -> None:
    from message_samples import employee

    app = await app_for_url(database_url)
    checkpointer = Checkpointer(app.pool, KEY, every=60.0, poll=60.0, store=app.store)
    checkpointer.start()
    try:
        messages = [employee(f"e-{n}") for n in range(1, 1101)]
        for start in range(0, len(messages), 250):
            outcomes = await app.intake.submit_many(messages[start:start + 250], door="test")
            assert {o["status"] for o in outcomes} == {"accepted"}
        for _ in range(200):
            if await read_checkpoints(app.pool, TENANT):
                break
            await asyncio.sleep(0.05)
        [first] = await read_checkpoints(app.pool, TENANT)
        assert json.loads(first.body)["events"] >= 1000
    finally:
        await checkpointer.close()
        await app.close()


async def test_checkpoints_signed_before_a_key_was_replaced_verify_with_both_public_keys(database_url: str) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from services.core.audit import AuditKeys, write_checkpoint

    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    app = await app_for_url(database_url)
    try:
        messages = history()
        for message in messages[:6]:
            await app.intake.submit(message, door="test")
        assert await write_checkpoint(app.pool, TENANT, AuditKeys(signing_key=old)) is not None
        for message in messages[6:]:
            await app.intake.submit(message, door="test")
        assert await write_checkpoint(app.pool, TENANT, AuditKeys(signing_key=new)) is not None
        both = AuditKeys(public_keys=(old.public_key(), new.public_key()))
        assert (await verify_tenant(app.pool, TENANT, both)).as_json()["status"] == "intact"
        only_new = AuditKeys(public_keys=(new.public_key(),))
        report = (await verify_tenant(app.pool, TENANT, only_new)).as_json()
        assert report["status"] == "broken" and "checkpoint 1" in report["problems"][0]["detail"]
    finally:
        await app.close()


async def test_no_unsigned_checkpoint_is_written_after_a_signed_one(database_url: str) -> None:
    """A process started without the key (an `eduplan ingest` from another shell) must not leave an unsigned
    checkpoint after a signed one: verify would report it as changed."""
    app = await signed_log(database_url)
    try:
        await app.intake.submit(booking("b-9", "e-3"), door="test")
        with pytest.raises(NotSigned, match="no key is configured"):
            await write_checkpoint(app.pool, TENANT, AuditKeys())
        assert len(await read_checkpoints(app.pool, TENANT)) == 1
        assert (await verify_tenant(app.pool, TENANT, KEY)).as_json()["status"] == "intact"
        assert await write_checkpoint(app.pool, TENANT, KEY) is not None
    finally:
        await app.close()
