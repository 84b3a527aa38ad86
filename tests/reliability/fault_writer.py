"""A writer process for the concurrency tests: appends repeatable facts to shared streams.

    python fault_writer.py URL TENANT WRITER_INDEX MESSAGES BATCH STREAMS SEED SECONDS

Each message is ManagerCheckInHeld or KnowledgeShared on a shared booking ``b-<k>``, or
DevelopmentReviewHeld on a shared employee ``e-<k>`` (k < STREAMS); message ids are
``w<index>-<n>``, so writers never collide on ids, only on streams. Stops after MESSAGES messages or
once SECONDS have passed (at a batch boundary), whichever comes first. Prints one JSON line at the end:
{"accepted": N, "other": {...}, "seconds": S}.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter
from typing import Any

TYPES = ("ManagerCheckInHeld", "KnowledgeShared", "DevelopmentReviewHeld")


def message(tenant: str, writer: int, n: int, rng: random.Random, streams: int) -> dict[str, Any]:
    kind = rng.choice(TYPES)
    k = rng.randrange(streams)
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "ManagerCheckInHeld":
        data: dict[str, Any] = {"booking_id": f"b-{k}", "held_on": day}
    elif kind == "KnowledgeShared":
        data = {"booking_id": f"b-{k}", "shared_on": day, "format": "peer", "audience": rng.randint(1, 9)}
    else:
        data = {"employee_id": f"e-{k}", "held_on": day, "education_item": rng.random() < 0.5}
    return {"message_id": f"w{writer}-{n}", "tenant": tenant, "type": kind,
            "occurred_at": f"{day}T08:00:00Z", "actor": f"writer-{writer}", "data": data}


async def main(url: str, tenant: str, writer: int, messages: int, batch: int, streams: int, seed: int,
               seconds: float) -> None:
    from services.app import app_for_url
    from services.intake import prepare

    rng = random.Random(seed * 1000 + writer)
    app = await app_for_url(url, max_size=1)
    statuses: Counter[str] = Counter()
    began = time.monotonic()
    try:
        for start in range(0, messages, batch):
            if time.monotonic() - began >= seconds:
                break
            chunk = [prepare(message(tenant, writer, n, rng, streams))
                     for n in range(start, min(start + batch, messages))]
            for outcome in await app.intake.process(chunk, "fault-writer"):
                statuses[outcome["status"] if outcome["status"] != "rejected" else outcome["reason"]] += 1
    finally:
        await app.close()
    accepted = statuses.pop("accepted", 0)
    print(json.dumps({"accepted": accepted, "other": dict(statuses), "seconds": time.monotonic() - began}),
          flush=True)


if __name__ == "__main__":
    url, tenant, *numbers = sys.argv[1:]
    writer, messages, batch, streams, seed = (int(n) for n in numbers[:5])
    asyncio.run(main(url, tenant, writer, messages, batch, streams, seed, float(numbers[5])))
