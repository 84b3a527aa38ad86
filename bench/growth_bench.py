"""Benchmark 5: does the intake slow down as the log grows? Intake.submit messages/s (1 client) on logs
already holding 0, 1 M and (with --growth-max) 10 M events.

Each level is its own database, filled server-side with realistic rows (events with their accepted
outcomes, tenants, booking streams of four versions, JSON data) — only the intake rate is measured,
so the fill does not go through the intake. Every level is then treated alike:

- statistics: after the fill, the registrations, the warm-up and every round, each level's tables are
  analysed when autovacuum's rule says they are due (bench.fill.analyze_when_due) — the same rule for
  every level, whether or not the server runs autovacuum;
- warm-up: one uncounted round per level, after the fills and a CHECKPOINT;
- order: the levels are measured in rounds, in pairs of a rotation and its reverse (ABC CBA, BCA ACB,
  CAB BAC, …), so no level is always the first after a pause, and load that drifts on a shared machine
  hits them alike;
- figure: the median of a level's per-round rates (every round's rate is kept in the results).
"""

from __future__ import annotations

import asyncio
import statistics
from typing import Any

from bench.common import BENCH_TENANT, FreshDatabase, Row, Server, register_employees
from bench.fill import analyze_when_due, checkpoint, fill
from bench.intake_bench import EMPLOYEES, submit_rate


async def run(server: Server, *, quick: bool, growth_max: int | None = None, **_: Any) -> list[Row]:
    from services.core.app import app_for_url

    if quick:
        levels = [0, 100_000, 1_000_000]
    else:
        levels = [0, 1_000_000] + ([growth_max] if growth_max else [])
    # Rounds: a multiple of twice the number of levels (see _order).
    round_seconds, rounds = (1.0, 6) if quick else (1.5, 12)
    holders = [FreshDatabase(server, f"growth{level}") for level in levels]
    apps = []
    fill_seconds = []
    analyzed: list[list[str]] = [[] for _ in levels]
    try:
        for holder, level in zip(holders, levels, strict=True):
            url = await holder.__aenter__()
            app = await app_for_url(url, max_size=3)
            apps.append(app)
            fill_seconds.append(await fill(app.pool, level))
            await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)

        async def settle() -> None:
            for i, app in enumerate(apps):
                analyzed[i] += await analyze_when_due(app.pool)

        await settle()
        await checkpoint(apps[-1].pool)
        warm_up = [round((await submit_rate(app.intake, 1, round_seconds, "warm-"))[0], 1) for app in apps]
        await settle()
        scans_before = [await _seq_scans(app.pool) for app in apps]
        counted = [0 for _ in levels]
        per_round: list[list[float]] = [[] for _ in levels]
        for r in range(rounds):
            for i in _order(r, len(levels)):
                rate, count = await submit_rate(apps[i].intake, 1, round_seconds, f"g{r}-")
                counted[i] += count
                per_round[i].append(round(rate, 1))
            await settle()
        await asyncio.sleep(1.2)  # the servers publish table statistics at most once a second
        seq_scans = [_minus(await _seq_scans(app.pool), before) for app, before in zip(apps, scans_before, strict=True)]
    finally:
        for app in apps:
            await app.close()
        for holder in holders:
            await holder.__aexit__(None, None, None)
    rates = [statistics.median(spread) for spread in per_round]
    base = rates[0]
    rows = []
    for i, (level, rate, filled, spread) in enumerate(zip(levels, rates, fill_seconds, per_round, strict=True)):
        info = {"events_in_log": level, "messages": counted[i], "round_seconds": round_seconds, "rounds": rounds,
                "figure": "median of the rounds' rates", "rates_per_round": spread,
                "mean_rate": round(statistics.mean(spread), 1), "warm_up_rate": warm_up[i],
                "fill_seconds": round(filled, 1), "analyzed": _tally(analyzed[i]),
                "seq_scans_while_measured": seq_scans[i]}
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


def _order(r: int, n: int) -> list[int]:
    """The levels' order in round r: rounds come in pairs, a rotation and then its reverse (ABC CBA, BCA
    ACB, …). Within a pair every level sits at the same mean time, so a load that rises or falls steadily
    hits all levels alike, and over the rounds each level is measured first equally often."""
    rotation = r // 2 % n
    order = list(range(rotation, n)) + list(range(rotation))
    return order if r % 2 == 0 else order[::-1]


async def _seq_scans(pool: Any) -> dict[str, int]:
    """Sequential scans so far of the tables the intake reads (a plan that lost its index shows here)."""
    rows = await pool.fetch("SELECT relname, seq_scan FROM pg_stat_user_tables"
                            " WHERE relname IN ('events', 'outcomes', 'subject_keys') ORDER BY relname")
    return {row["relname"]: row["seq_scan"] for row in rows}


def _minus(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {table: n - before.get(table, 0) for table, n in after.items()}


def _tally(tables: list[str]) -> dict[str, int]:
    """How often each table was analysed during the measurement (after the fill's own VACUUM ANALYZE)."""
    counts: dict[str, int] = {}
    for table in tables:
        counts[table] = counts.get(table, 0) + 1
    return counts


def _human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000} k"
    return str(n)
