"""What the access check costs an HTTP read: `python -m bench.access_bench [--database-url URL] [--seconds S]`.

One client reads `GET /v1/tenants/bench/events?limit=1` through the app in process (httpx's ASGI
transport: no sockets, so the check's share is as large as it can be), in alternating rounds:

- with a bearer token (one primary-key read of the token per request);
- in open mode (a fresh database without tokens: one EXISTS per request);
- the reference: the same app with the route's access rule overridden (no check at all).

Prints requests per second of each (the median of the rounds) and the ratios to the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bench.common import BENCH_TENANT, FreshDatabase, employee_registered, encode, open_server, run_clients

PATH = f"/v1/tenants/{BENCH_TENANT}/events?limit=1"


@asynccontextmanager
async def _client(url: str, *, token: bool, unchecked: bool) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    from infra.tokens import TokenStore
    from services.core.access import OPEN_MODE
    from services.core.app import app_for_url
    from services.doors.http import create_app
    from services.doors.http.access import rule_of, served_routes

    core = await app_for_url(url, max_size=4)
    try:
        await core.intake.submit(encode(employee_registered(BENCH_TENANT, 1)))
        headers = {}
        if token:
            _, text = await TokenStore(core.pool).create("auditor", BENCH_TENANT, "bench")
            headers = {"Authorization": f"Bearer {text}"}
        api = create_app(app=core, run_projections=False)
        if unchecked:
            for route in served_routes(api):
                rule = rule_of(route)
                if rule is not None:
                    api.dependency_overrides[rule] = lambda: OPEN_MODE
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
                yield http, headers
    finally:
        await core.close()


async def _rate(http: httpx.AsyncClient, headers: dict[str, str], seconds: float) -> float:
    async def one(client: int, n: int) -> None:
        response = await http.get(PATH, headers=headers)
        assert response.status_code == 200, response.text

    count, elapsed = await run_clients(1, seconds, one)
    return count / elapsed


async def measure(server_url: str | None, seconds: float, rounds: int) -> dict[str, list[float]]:
    keep: list[tempfile.TemporaryDirectory[str]] = []
    server = open_server(server_url, keep)
    rates: dict[str, list[float]] = {"bearer token": [], "open mode": [], "no check (reference)": []}
    setups: dict[str, Callable[[str], Any]] = {
        "bearer token": lambda url: _client(url, token=True, unchecked=False),
        "open mode": lambda url: _client(url, token=False, unchecked=False),
        "no check (reference)": lambda url: _client(url, token=False, unchecked=True),
    }
    async with FreshDatabase(server, "access_tokens") as closed, FreshDatabase(server, "access_open") as opened:
        urls = {"bearer token": closed, "open mode": opened, "no check (reference)": opened}
        for index in range(rounds):
            order = list(setups) if index % 2 == 0 else list(reversed(setups))
            for name in order:
                async with setups[name](urls[name]) as (http, headers):
                    rates[name].append(await _rate(http, headers, seconds))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.access_bench", description=__doc__)
    parser.add_argument("--database-url", default=None, help="admin URL of the server to create databases on")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of each contender, alternating")
    args = parser.parse_args()
    rates = asyncio.run(measure(args.database_url, args.seconds, args.rounds))
    reference = statistics.median(rates["no check (reference)"])
    print(f"GET {PATH}, 1 client, in process; median of {args.rounds} rounds of {args.seconds:g} s")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"  {name:22} {median:8.0f} req/s  ({median / reference:.2f} of the reference)"
              f"  rounds: {', '.join(f'{v:.0f}' for v in values)}")


if __name__ == "__main__":
    main()
