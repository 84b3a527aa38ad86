"""Benchmark 3 on a kept database, and where its time goes: ``projections.catch_up`` on a copy of TEMPLATE (a
database holding a log whose projections were never built) beside the raw paged read-and-fold, as
``projection_bench.run_rebuild`` measures them; with ``--profile``, every step of every batch runs as a statement
of its own and its time is printed per batch (the total is then no figure to compare: one round trip per step).

    python -m bench.profile_rebuild TEMPLATE [--profile] [--rounds N] [--admin-url URL]

TEMPLATE is a database on the server holding such a log, for instance the 1 M-line feed of the bulk-ingest
benchmark (``bench.ingest_bench.feed_for``) put in by ``eduplan ingest``: copying it takes seconds, ingesting the
feed again many minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import time
from typing import Any

import asyncpg

from bench.common import Server
from bench.projection_bench import raw_read_fold

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# (first seq, size) of a batch -> statement -> seconds
PROFILE: dict[tuple[Any, int], dict[str, Any]] = collections.defaultdict(dict)


def _step_names() -> dict[int, str]:
    from projections import model
    from projections.kpi import action_folds, derive, folds, funding_folds, greb_folds, planning_folds

    names: dict[int, str] = {}
    for module in (folds, derive, funding_folds, planning_folds, action_folds, greb_folds, model):
        short = module.__name__.rsplit(".", 1)[-1]
        for name, value in vars(module).items():
            steps = value if isinstance(value, tuple) else (value,)
            for n, step in enumerate(steps):
                if isinstance(step, model.Step) and id(step) not in names:
                    names[id(step)] = f"{short}.{name}" + (f"[{n}]" if isinstance(value, tuple) else "")
    return names


def _install_profile() -> None:
    """Time each statement of a fold, and the batch's read, staging, early inserts and the final work."""
    from projections import batches, indexes, model, runner

    names = _step_names()

    async def apply(self: model.Projection, conn: asyncpg.Connection, schema: str, batch: model.Batch) -> None:
        timings = PROFILE[(batch.first_seq, batch.size)]
        if self.tenants and batch.tenants:
            begin = time.perf_counter()
            await conn.execute(model.in_schema(self.tenants, schema), sorted(batch.tenants))
            timings["tenants"] = time.perf_counter() - begin
        seen: collections.Counter[str] = collections.Counter()
        for step in self.steps:
            if not step.runs_for(batch) or (step.early and batch.early):
                continue
            sql = step.sql
            for staging in self.staging:
                staged = f"pg_temp.{staging.name}" if batch.staged else f"({staging.sql}) AS {staging.name}"
                sql = sql.replace(f"{{staged:{staging.name}}}", staged)
            sql = sql.replace("{batch}", model.BATCH_TABLE).replace("{first_seq}", str(int(batch.first_seq)))
            name = names.get(id(step), "?")
            seen[name] += 1
            name = name if seen[name] == 1 else f"{name}#{seen[name]}"
            begin = time.perf_counter()
            await conn.execute(model.in_schema(sql, schema))
            timings[name] = time.perf_counter() - begin
        timings["_staged"] = batch.staged

    def timed(function: Any, label: str, key: Any) -> Any:
        async def wrapper(*args: Any) -> Any:
            begin = time.perf_counter()
            result = await function(*args)
            found = key(args, result)
            if found is not None:
                PROFILE[found][label] = PROFILE[found].get(label, 0.0) + time.perf_counter() - begin
            return result
        return wrapper

    model.Projection.apply = apply  # type: ignore[method-assign]
    batches.load = timed(batches.load, "read", lambda args, result: None if result is None else
                         (result.batch.first_seq, result.batch.size))
    batches.stage = timed(batches.stage, "staged ahead", lambda args, result: (args[2].batch.first_seq,
                                                                                args[2].batch.size))
    batches.insert_early = timed(batches.insert_early, "early ahead", lambda args, result: (
        args[2].batch.first_seq, args[2].batch.size))
    runner.analyze = timed(runner.analyze, "analyze", lambda args, result: ("end", 0))
    runner.build_read_indexes = timed(indexes.build_read_indexes, "read indexes", lambda args, result: ("end", 0))


async def one_round(admin_url: str, template: str) -> None:
    import projections
    from infra.db import create_pool

    dbname = f"bench_rebuild_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"CREATE DATABASE {dbname} TEMPLATE {template} STRATEGY FILE_COPY")
    finally:
        await admin.close()
    url = Server(admin_url, "").url_for(dbname)
    try:
        load = os.getloadavg()[0]
        raw_events, raw_seconds = await raw_read_fold(url)
        pool = await create_pool(url, max_size=4)
        try:
            await projections.ensure_schema(pool)
            begin = time.perf_counter()
            applied = await projections.catch_up(pool)
            seconds = time.perf_counter() - begin
        finally:
            await pool.close()
        raw_events2, raw_seconds2 = await raw_read_fold(url)
        raw = max(raw_events / raw_seconds, raw_events2 / raw_seconds2)
        print(f"{applied:,} events in {seconds:.2f} s = {applied / seconds:,.0f} events/s; raw read-and-fold"
              f" {raw_events / raw_seconds:,.0f} / {raw_events2 / raw_seconds2:,.0f} events/s; ratio"
              f" {applied / seconds / raw:.3f}; load average {load:.2f} → {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        finally:
            await admin.close()


def print_profile(top: int = 16) -> None:
    totals: collections.Counter[str] = collections.Counter()
    for timings in PROFILE.values():
        for name, seconds in timings.items():
            if isinstance(seconds, float):
                totals[name] += seconds
    print("seconds in all: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in totals.most_common()))
    shown = [name for name, _ in totals.most_common(top)]
    print(f"{'batch (first seq, size)':>24} " + " ".join(f"{name[-14:]:>14}" for name in shown))
    for key in sorted(PROFILE, key=lambda k: (isinstance(k[0], str), k)):
        timings = PROFILE[key]
        print(f"{str(key):>24} " + " ".join(f"{timings.get(name, 0.0):14.3f}" for name in shown)
              + ("  (staged ahead)" if timings.get("_staged") else ""))


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_rebuild")
    parser.add_argument("template")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    from infra.logging import configure_logging

    configure_logging("WARNING")
    if args.profile:
        _install_profile()
    for _ in range(args.rounds):
        await one_round(args.admin_url, args.template)
    if args.profile:
        print_profile()


if __name__ == "__main__":
    asyncio.run(main())
