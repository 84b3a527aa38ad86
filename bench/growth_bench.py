"""Benchmark 5: does the intake slow down as the log grows? Intake.submit messages/s (1 client) on logs
already holding 0, 1 M and (with --growth-max) 10 M events.

Each level is its own database, filled server-side with realistic rows (events with their accepted
outcomes, tenants, booking streams of four versions, JSON data) — only the intake rate is measured,
so the fill does not go through the intake. The levels are then measured in alternating rounds, so
load that drifts on a shared machine hits them alike.
"""

from __future__ import annotations

from typing import Any

from bench.common import BENCH_TENANT, FreshDatabase, Row, Server, register_employees
from bench.fill import checkpoint, fill
from bench.intake_bench import EMPLOYEES, submit_rate


async def run(server: Server, *, quick: bool, growth_max: int | None = None, **_: Any) -> list[Row]:
    from services.app import app_for_url

    if quick:
        levels = [0, 100_000, 1_000_000]
    else:
        levels = [0, 1_000_000] + ([growth_max] if growth_max else [])
    seconds, rounds = (4.0, 2) if quick else (12.0, 4)
    holders = [FreshDatabase(server, f"growth{level}") for level in levels]
    apps = []
    fill_seconds = []
    try:
        for holder, level in zip(holders, levels, strict=True):
            url = await holder.__aenter__()
            app = await app_for_url(url, max_size=3)
            apps.append(app)
            fill_seconds.append(await fill(app.pool, level))
            await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)
        await checkpoint(apps[-1].pool)
        counted = [0 for _ in levels]
        per_round: list[list[float]] = [[] for _ in levels]
        for r in range(rounds):
            for i, app in enumerate(apps):
                rate, count = await submit_rate(app.intake, 1, seconds / rounds, f"g{r}-")
                counted[i] += count
                per_round[i].append(round(rate, 1))
    finally:
        for app in apps:
            await app.close()
        for holder in holders:
            await holder.__aexit__(None, None, None)
    rates = [count / seconds for count in counted]
    base = rates[0]
    rows = []
    for level, rate, count, filled, spread in zip(levels, rates, counted, fill_seconds, per_round, strict=True):
        info = {"events_in_log": level, "messages": count, "seconds": seconds, "rounds": rounds,
                "rates_per_round": spread, "fill_seconds": round(filled, 1)}
        if level == 0:
            rows.append(Row(benchmark="growth: intake, empty log", figure=rate, unit="msg/s", goal="(reference)",
                            extra=info))
        else:
            row = Row(benchmark=f"growth: intake at {_human(level)} events", figure=rate, unit="msg/s",
                      reference=base, reference_label="the same on an empty log", goal="within 10 % of empty",
                      extra=info)
            row.met = abs(row.ratio - 1) <= 0.10 if row.ratio is not None else None
            rows.append(row)
    return rows


def _human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000} k"
    return str(n)
