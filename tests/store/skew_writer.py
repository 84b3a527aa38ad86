"""A writer process for the write-skew tests (an OS process of its own, with its own intake and caches).

    python skew_writer.py feed URL TENANT NAME WRITERS COUNT SEED [look]
        WRITERS concurrent tasks, each sending COUNT messages of skew_feed.feed in batches of 1 to 6;
        prints one JSON line per batch: {"messages": [...], "statuses": [...]}. With "look", the batches are
        decided as a bulk ingest's are (they look first) by an intake that holds the states of 3 streams.
    python skew_writer.py race URL TENANT ROLE EMPLOYEES
        ROLE "leave" sends EmployeeLeft(e-i), ROLE "book" CourseBooked(b-i, e-i), one per line "go"
        read from stdin, and answers each with a line holding the outcome's status. Before the first
        "go" it reads every employee's stream (through a message that only references it), so both
        processes decide against states they already hold, as a busy server does; then it prints "ready".
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skew_feed import feed  # noqa: E402


def _envelope(tenant: str, message_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": message_id, "tenant": tenant, "type": kind, "occurred_at": "2026-03-10T08:00:00Z",
            "data": data}


async def run_feed(url: str, tenant: str, name: str, writers: int, count: int, seed: int,
                   look: bool = False) -> None:
    from services.core.app import app_for_url
    from services.core.intake import prepare

    app = await app_for_url(url, max_size=writers + 1)
    if look:
        app.intake.cache_at_most(3)

    async def write(index: int) -> list[dict[str, Any]]:
        rng = random.Random(seed * 100 + index)
        messages = feed(tenant, f"{name}w{index}", count, seed * 100 + index)
        batches, at = [], 0
        while at < len(messages):
            size = rng.randint(1, 6)
            chunk = messages[at:at + size]
            outcomes = await app.intake.process([prepare(m) for m in chunk], "skew-test", look_first=look)
            batches.append({"messages": chunk, "statuses": [o["status"] for o in outcomes]})
            at += size
        return batches

    try:
        for batches in await asyncio.gather(*(write(i) for i in range(writers))):
            for batch in batches:
                print(json.dumps(batch), flush=True)
    finally:
        await app.close()


async def run_race(url: str, tenant: str, role: str, employees: int) -> None:
    from services.core.app import app_for_url

    app = await app_for_url(url, max_size=2)
    loop = asyncio.get_running_loop()
    try:
        for i in range(1, employees + 1):  # learn every employee's stream without changing it
            kind, data = (("CompetenceGapIdentified",
                           {"gap_id": f"warm-{role}-{i}", "employee_id": f"e-{i}", "competence": "cooling",
                            "identified_on": "2026-01-05", "current_level": 1, "target_level": 2,
                            "source": "mus"}))
            await app.intake.submit(_envelope(tenant, f"warm-{role}-{i}", kind, data), "skew-test")
        print("ready", flush=True)
        for i in range(1, employees + 1):
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if line.strip() != "go":
                return
            if role == "leave":
                message = _envelope(tenant, f"left-{i}", "EmployeeLeft", {"employee_id": f"e-{i}",
                                                                         "left_on": "2026-03-31"})
            else:
                message = _envelope(tenant, f"booked-{i}", "CourseBooked", {
                    "booking_id": f"b-{i}", "employee_id": f"e-{i}", "booked_on": "2026-03-10",
                    "course": {"title": "AMU 40121 Refrigeration", "kind": "amu", "hours": 37},
                    "starts_on": "2026-04-06", "ends_on": "2026-04-10"})
            outcome = await app.intake.submit(message, "skew-test")
            print(outcome["status"], flush=True)
    finally:
        await app.close()


if __name__ == "__main__":
    from infra.logging import configure_logging

    configure_logging("WARNING")
    mode, url, tenant, *rest = sys.argv[1:]
    if mode == "feed":
        asyncio.run(run_feed(url, tenant, rest[0], int(rest[1]), int(rest[2]), int(rest[3]), rest[4:] == ["look"]))
    else:
        asyncio.run(run_race(url, tenant, rest[0], int(rest[1])))
