"""`eduplan erase` reaches everywhere the database keeps a person's personal data: a dump of the whole
database afterwards holds none of their values, not even inside rejected messages that named them,
and the KPIs are byte for byte what they were."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import asyncpg
from message_samples import TENANT, booking, department, employee, envelope, review, settled
from test_cli_door import run

from services.core.app import app_for_url

NAME = "Karoline Østergaard-Hansen"
NOTES = "Wants to become a certified refrigeration technician"
WITHDRAWN_BECAUSE = "Moves to Aarhus with her family"
CANCELLED_BECAUSE = "Long-term sick leave after back surgery"
SUBSTITUTE = "Ingeborg Vikarsen"
REJECTED_NOTE = "Diagnosed with chronic migraine in 2025"
PERSONAL = [NAME, NOTES, WITHDRAWN_BECAUSE, CANCELLED_BECAUSE, SUBSTITUTE, REJECTED_NOTE]
OTHER_NOTE = "Bo wants a forklift certificate"


def _history() -> list[dict[str, object]]:
    return [
        department("rd"),
        employee("e-1", name=NAME),
        employee("e-2", name="Bo Jensen"),
        review("e-1", notes=NOTES),
        envelope("EducationAgreed", {"agreement_id": "a-1", "employee_id": "e-1", "title": "Refrigeration",
                                     "agreed_on": "2026-03-05"}),
        envelope("EducationAgreementWithdrawn", {"agreement_id": "a-1", "withdrawn_on": "2026-04-01",
                                                 "reason": WITHDRAWN_BECAUSE}),
        envelope("EducationAgreed", {"agreement_id": "a-2", "employee_id": "e-1", "title": "Welding",
                                     "agreed_on": "2026-03-06"}),
        booking("b-1", "e-1"),
        envelope("SubstituteArranged", {"booking_id": "b-1", "substitute": SUBSTITUTE, "arranged_on": "2026-03-20"}),
        envelope("CourseCompleted", {"booking_id": "b-1", "completed_on": "2026-04-10"}),
        booking("b-2", "e-1"),
        envelope("CourseCancelled", {"booking_id": "b-2", "cancelled_on": "2026-03-30", "reason": CANCELLED_BECAUSE}),
        booking("b-3", "e-2"),
    ]


def _rejected() -> list[dict[str, object]]:
    """Rejected messages: three name e-1 (by id, by name, by name without a readable tenant), one only e-2."""
    bad_review = review("e-1", notes=REJECTED_NOTE)
    bad_review["data"]["held_on"] = "2026-13-45"  # type: ignore[index]
    again = employee("e-1", name=NAME)  # already registered
    unattributed = employee("e-77", name=NAME, tenant="Not A Tenant")
    other = review("e-2", notes=OTHER_NOTE)
    other["data"]["held_on"] = "someday"  # type: ignore[index]
    return [bad_review, again, unattributed, other]


def _kpis(database_url: str, tmp_path: Path) -> bytes:
    done = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", "2026-12-31", "--json")
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


async def _dump(database_url: str) -> str:
    """The whole database as text: pg_dump when its version can read the server, else COPY of every table."""
    conn = await asyncpg.connect(database_url)
    try:
        server_major = int(await conn.fetchval("SHOW server_version_num")) // 10000
        pg_dump = shutil.which("pg_dump")
        if pg_dump is not None:
            version = (await _output(pg_dump, "--version")).decode()
            if int(re.search(r"(\d+)\.", version).group(1)) >= server_major:  # type: ignore[union-attr]
                return (await _output(pg_dump, "--dbname", database_url)).decode("utf-8", errors="replace")
        tables = await conn.fetch("SELECT schemaname, tablename FROM pg_tables"
                                  " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
        parts = []
        for table in tables:
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{table["schemaname"]}"."{table["tablename"]}" t')
            parts += [row["row"] for row in rows]
        return "\n".join(parts)
    finally:
        await conn.close()


async def _output(*command: str) -> bytes:
    proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out


def _forms(value: str) -> list[str]:
    """How a value could show in a dump: as text, or as the hex of its bytes (bytea columns)."""
    return [value, value.encode().hex()]


async def test_erase_leaves_no_personal_value_in_a_dump_and_the_kpis_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    app = await app_for_url(database_url, max_size=3)
    try:
        outcomes = await app.intake.submit_many(_history(), door="test")
        assert {o["status"] for o in outcomes} == {"accepted"}, outcomes
        rejected = await app.intake.submit_many(_rejected(), door="test")
        assert [o["status"] for o in rejected] == ["rejected"] * 4, rejected
        await settled(app)
    finally:
        await app.close()
    before = _kpis(database_url, tmp_path)

    erased = run(database_url, tmp_path, "erase", "--tenant", TENANT, "--employee", "e-1")
    assert erased.returncode == 0, erased.stderr.decode()
    assert "erased personal data of e-1" in erased.stdout.decode()

    dump = await _dump(database_url)
    assert "Bo Jensen" not in dump  # nothing personal is in plain text, erased or not
    for value in PERSONAL:
        for form in _forms(value):
            assert form not in dump, f"{value!r} is still in the database"
    assert _kpis(database_url, tmp_path) == before

    app = await app_for_url(database_url, max_size=3)
    try:  # with every key the database still holds, nothing of hers can be read
        events = await app.store.read_all(None, 1000, tenant=TENANT)
        readable = str(events) + str(await app.store.rejections(TENANT, with_raw=True)) + str(
            await app.store.rejections(None, with_raw=True))
        for value in PERSONAL:
            assert value not in readable, value
        assert "Bo Jensen" in readable and OTHER_NOTE in readable  # someone else's data stays
        kept = {r["message_id"]: r["raw"] for r in await app.store.rejections(TENANT, with_raw=True)}
        assert kept[rejected[3]["message_id"]] is not None
        assert [kept[rejected[i]["message_id"]] for i in (0, 1)] == [None, None]
    finally:
        await app.close()


async def test_a_rejection_stored_while_the_person_is_erased_keeps_nothing_of_them(database_url: str) -> None:
    """Rejections naming the person keep arriving while `erase` runs: none that names them stays readable."""
    app = await app_for_url(database_url, max_size=4)
    eraser = await app_for_url(database_url, max_size=2)
    try:
        await app.intake.submit_many([department("rd"), employee("e-1", name=NAME)], door="test")
        stop = asyncio.Event()

        async def keep_rejecting() -> None:
            n = 0
            while not stop.is_set() or n < 40:
                bad = review("e-1", notes=REJECTED_NOTE)
                bad["data"]["held_on"] = "never"  # type: ignore[index]
                assert (await app.intake.submit(bad, door="test"))["status"] == "rejected"
                n += 1

        writers = [asyncio.create_task(keep_rejecting()) for _ in range(3)]
        try:
            await asyncio.sleep(0.3)
            from services.core.erasure import erase_employee

            erasure = await erase_employee(eraser.store, TENANT, "e-1")
        finally:
            stop.set()
            await asyncio.gather(*writers)
        assert erasure.key_destroyed and erasure.rejections_dropped > 0
        kept = await app.store.rejections(TENANT, with_raw=True, limit=10_000)
        assert len(kept) >= 120
        assert [r["message_id"] for r in kept if r["raw"] is not None] == []
    finally:
        await eraser.close()
        await app.close()
