"""The clients of benchmark 15, in a process of their own: N keep-alive connections posting CourseBooked.

    python -m bench.http_client URL SECONDS CLIENTS PREFIX [TOKEN]

Each client posts one new booking after the other on its own kept-alive connection; the first WARMUP
of each are not counted. Prints one JSON line: {"count", "seconds", "statuses"}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

import aiohttp

from bench.common import BENCH_TENANT, course_booked, encode

WARMUP = 20
EMPLOYEES = 200


async def drive(url: str, seconds: float, clients: int, prefix: str, token: str | None) -> dict[str, object]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    statuses: Counter[int] = Counter()
    counted = [0] * clients
    started = asyncio.Barrier(clients + 1)
    go = asyncio.Event()
    deadline = 0.0
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def post(client: int, n: int) -> int:
            body = encode(course_booked(BENCH_TENANT, client, n, EMPLOYEES, prefix))
            async with session.post(url, data=body) as response:
                await response.read()
                return response.status

        async def client(index: int) -> None:
            n = 0
            for _ in range(WARMUP):
                statuses[await post(index, n)] += 1
                n += 1
            await started.wait()
            await go.wait()
            while time.perf_counter() < deadline:
                statuses[await post(index, n)] += 1
                n += 1
                counted[index] += 1

        tasks = [asyncio.create_task(client(i)) for i in range(clients)]
        await started.wait()
        begin = time.perf_counter()
        deadline = begin + seconds
        go.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin
    return {"count": sum(counted), "seconds": elapsed, "statuses": {str(k): v for k, v in statuses.items()}}


def main(argv: list[str]) -> None:
    url, seconds, clients, prefix = argv[0], float(argv[1]), int(argv[2]), argv[3]
    token = argv[4] if len(argv) > 4 else None
    print(json.dumps(asyncio.run(drive(url, seconds, clients, prefix, token))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
