"""A writer process for the concurrency tests: appends repeatable facts to shared streams.

    python fault_writer.py URL TENANT WRITER_INDEX MESSAGES BATCH STREAMS SEED SECONDS

Each message is ManagerCheckInHeld or KnowledgeShared on a shared booking ``b-<k>``, or
DevelopmentReviewHeld on a shared employee ``e-<k>`` (k < STREAMS); message ids are
``w<index>-<n>``, so writers never collide on ids, only on streams. Messages are sent as JSON bytes,
as a door receives them, BATCH at a time through the intake. Stops after MESSAGES messages or once
SECONDS have passed (at a batch boundary), whichever comes first. Prints one JSON line at the end:
{"accepted": N, "other": {...}, "seconds": S}.

Logging follows EDUPLAN_LOG_LEVEL (default WARNING): a debug line per appended event would cost
more than the append itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter

TYPES = ("ManagerCheckInHeld", "KnowledgeShared", "DevelopmentReviewHeld")

# Plain ASCII templates: the same JSON that json.dumps would give, without building dicts first.
_ENVELOPE = ('{"message_id": "w%d-%d", "tenant": "%s", "type": "%s", "occurred_at": "%sT08:00:00Z",'
             ' "actor": "writer-%d", "data": %s}')
_DATA = {
    "ManagerCheckInHeld": '{"booking_id": "b-%d", "held_on": "%s"}',
    "KnowledgeShared": '{"booking_id": "b-%d", "shared_on": "%s", "format": "peer", "audience": %d}',
    "DevelopmentReviewHeld": '{"employee_id": "e-%d", "held_on": "%s", "education_item": %s}',
}


def message(tenant: str, writer: int, n: int, rng: random.Random, streams: int) -> bytes:
    kind = TYPES[int(rng.random() * 3)]
    k = int(rng.random() * streams)
    day = f"2026-{1 + int(rng.random() * 12):02d}-{1 + int(rng.random() * 28):02d}"
    if kind == "ManagerCheckInHeld":
        data = _DATA[kind] % (k, day)
    elif kind == "KnowledgeShared":
        data = _DATA[kind] % (k, day, 1 + int(rng.random() * 9))
    else:
        data = _DATA[kind] % (k, day, "true" if rng.random() < 0.5 else "false")
    return (_ENVELOPE % (writer, n, tenant, kind, day, writer, data)).encode()


async def main(url: str, tenant: str, writer: int, messages: int, batch: int, streams: int, seed: int,
               seconds: float) -> None:
    from infra.logging import configure_logging
    from services.core.app import app_for_url
    from services.core.intake import prepare

    configure_logging(os.environ.get("EDUPLAN_LOG_LEVEL") or "WARNING")
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
