"""Checkpoints and `audit verify` while writers append: an untouched log never verifies as broken, and
two checkpoint writers of one tenant (serve and worker, two serve processes) never collide."""

from __future__ import annotations

import asyncio

from audit_support import KEY, signed_log
from message_samples import TENANT, employee, review

from services.core.app import app_for_url
from services.core.audit import verify_tenant, write_checkpoint
from services.core.audit.checkpoints import NotSigned


async def test_checkpoints_and_verify_amid_concurrent_appends_never_report_an_untouched_log_broken(
    database_url: str,
) -> None:
    app = await signed_log(database_url)
    other = await app_for_url(database_url)  # a second process's intake and checkpointer
    reports: list[dict] = []
    written: list[int] = []
    failures: list[BaseException] = []
    stop = asyncio.Event()

    async def append(core: object, prefix: str) -> None:
        for n in range(40):
            message = review(f"e-{1 + n % 3}") if n % 2 else employee(f"{prefix}-{n}")
            outcome = await core.intake.submit(message, door="test")  # type: ignore[attr-defined]
            assert outcome["status"] == "accepted", outcome

    async def checkpoint(core: object) -> None:
        while not stop.is_set():
            try:
                done = await write_checkpoint(core.pool, TENANT, KEY)  # type: ignore[attr-defined]
            except (NotSigned, Exception) as error:  # noqa: BLE001 - every failure is the finding
                failures.append(error)
                return
            if done is not None:
                written.append(done.seq)
            await asyncio.sleep(0)

    async def verify() -> None:
        while not stop.is_set():
            reports.append((await verify_tenant(app.pool, TENANT, KEY)).as_json())

    try:
        writers = [asyncio.create_task(append(app, "a")), asyncio.create_task(append(other, "b")),
                   asyncio.create_task(append(app, "c"))]
        watchers = [asyncio.create_task(checkpoint(app)), asyncio.create_task(checkpoint(other)),
                    asyncio.create_task(verify())]
        await asyncio.gather(*writers)
        stop.set()
        await asyncio.gather(*watchers)
        assert not failures, failures
        await write_checkpoint(app.pool, TENANT, KEY)
        final = (await verify_tenant(app.pool, TENANT, KEY)).as_json()
        reports.append(final)
        broken = [r for r in reports if r["status"] != "intact"]
        assert not broken, broken[0]
        assert final["events"] == 12 + 120 and "problems" not in final
        assert len(written) >= 2 and sorted(written) == sorted(set(written))
    finally:
        await other.close()
        await app.close()
