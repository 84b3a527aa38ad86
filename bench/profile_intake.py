"""Where the time of one Intake.submit goes: pyinstrument over a single-client run, top frames by self time."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import BENCH_TENANT, FreshDatabase, Server, course_booked, encode, register_employees
from bench.fill import fill
from bench.intake_bench import PREFILL

EMPLOYEES = 200


async def run(server: Server, *, quick: bool, out_dir: Path, **_: Any) -> dict[str, Any]:
    from pyinstrument import Profiler

    from services.core.app import app_for_url

    seconds = 4.0 if quick else 10.0
    async with FreshDatabase(server, "profile") as url:
        app = await app_for_url(url, max_size=4)
        try:
            await fill(app.pool, PREFILL)
            await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)
            for n in range(50):  # warm-up: imports, prepared statements, pool connections
                await app.intake.submit(encode(course_booked(BENCH_TENANT, 0, n, EMPLOYEES, "w")), "bench")
            profiler = Profiler(interval=0.001, async_mode="enabled")
            n = 0
            profiler.start()
            begin = time.perf_counter()
            while time.perf_counter() - begin < seconds:
                await app.intake.submit(encode(course_booked(BENCH_TENANT, 0, n, EMPLOYEES, "p")), "bench")
                n += 1
            elapsed = time.perf_counter() - begin
            profiler.stop()
        finally:
            await app.close()
    assert profiler.last_session is not None
    _save(profiler, out_dir)
    summary = summarise(profiler, n, elapsed)
    summary["log_prefilled_events"] = PREFILL
    summary["statements"] = await statements_per_message(server, messages=100 if quick else 300, prefill=PREFILL)
    summary["statements_fresh_database"] = await statements_per_message(server, messages=100 if quick else 300,
                                                                        prefill=0)
    return summary


def _statement_kind(query: str) -> str:
    text = " ".join(query.split())
    upper = text.upper()
    if upper.startswith("BEGIN"):
        return "BEGIN + stream advisory locks" if "ADVISORY" in upper else "BEGIN"
    if upper.startswith("SELECT PG_ADVISORY_UNLOCK_ALL") or upper.startswith("RESET ALL") or "UNLISTEN *" in upper:
        return "pool release: connection reset"
    if "EDUPLAN_APPEND(" in upper:
        return "append: locks + checks + events + outcome (one statement, own transaction)"
    if upper.startswith("COMMIT"):
        return "COMMIT (after a locked second decision)"
    if upper.startswith("WITH EV AS (") or "INSERT INTO EVENTS" in upper:
        return "write: events + outcome (one statement)"
    if ("JOIN OUTCOMES" in upper or "FROM OUTCOMES" in upper) and ("JOIN EVENTS" in upper or "FROM EVENTS" in upper):
        return "lookup: seen ids + stream histories (one statement)"
    if "JOIN OUTCOMES" in upper or "FROM OUTCOMES" in upper:
        return "lookup: seen message ids"
    if "JOIN EVENTS" in upper or "FROM EVENTS" in upper:
        return "lookup: stream histories"
    if "TYPEINFO_TREE" in upper or "SET_CONFIG('JIT'" in upper or "CURRENT_SETTING('JIT')" in upper:
        return "asyncpg type introspection (once per connection)"
    if "SUBJECT_KEYS" in upper:
        return "personal-data keys"
    return text[:60]


async def statements_per_message(server: Server, *, messages: int, prefill: int) -> dict[str, Any]:
    """Every statement the intake sends for ``messages`` single submits, with its client-side elapsed time.

    The app is wired by services.core.app.app_for_url; every connection of its pools gets asyncpg's query
    logger. The log first holds ``prefill`` events (0: a brand-new database). Also counts the sequential
    scans of events and outcomes during the run (a sign of a plan that does not use the indexes).
    """
    import asyncio

    from services.core.app import app_for_url

    size = 3
    logged: list[tuple[str, float]] = []
    recording = [False]

    def record(query: Any) -> None:
        if recording[0]:
            logged.append((_statement_kind(query.query), query.elapsed))

    async with FreshDatabase(server, "statements") as url:
        app = await app_for_url(url, max_size=size)
        try:
            for pool in {id(p): p for p in (app.pool, app.store.write_pool)}.values():
                held = [await pool.acquire() for _ in range(size)]
                for conn in held:
                    conn.add_query_logger(record)
                for conn in held:
                    await pool.release(conn)
            if prefill:
                await fill(app.pool, prefill)
            await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)
            for n in range(30):
                await app.intake.submit(encode(course_booked(BENCH_TENANT, 0, n, EMPLOYEES, "w")), "bench")
            scans_before = await _seq_scans(app.pool)
            recording[0] = True
            begin = time.perf_counter()
            for n in range(messages):
                await app.intake.submit(encode(course_booked(BENCH_TENANT, 0, n, EMPLOYEES, "q")), "bench")
            elapsed = time.perf_counter() - begin
            recording[0] = False
            await asyncio.sleep(1.0)  # cumulative statistics reach the views with a short delay
            scans_after = await _seq_scans(app.pool)
        finally:
            await app.close()
    kinds: dict[str, list[float]] = defaultdict(list)
    for kind, seconds in logged:
        kinds[kind].append(seconds)
    table = sorted(kinds.items(), key=lambda kv: sum(kv[1]), reverse=True)
    in_sql = sum(seconds for _, seconds in logged)
    return {
        "messages": messages,
        "log_prefilled_events": prefill,
        "ms_per_message": round(elapsed / messages * 1000, 3),
        "ms_outside_sql_per_message": round((elapsed - in_sql) / messages * 1000, 3),
        "statements_per_message": round(len(logged) / messages, 2),
        "seq_scans_during_run": {t: {k: scans_after[t][k] - scans_before[t][k] for k in scans_after[t]}
                                 for t in scans_after},
        "by_statement": [
            {"statement": kind, "per_message": round(len(times) / messages, 2),
             "mean_ms": round(sum(times) / len(times) * 1000, 3),
             "ms_per_message": round(sum(times) / messages * 1000, 3)}
            for kind, times in table
        ],
    }


async def _seq_scans(pool: Any) -> dict[str, dict[str, int]]:
    rows = await pool.fetch("SELECT relname, seq_scan, seq_tup_read FROM pg_stat_user_tables"
                            " WHERE relname IN ('events', 'outcomes')")
    return {r["relname"]: {"seq_scan": r["seq_scan"], "seq_tup_read": r["seq_tup_read"]} for r in rows}


def _save(profiler: Any, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "intake_profile.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))


def summarise(profiler: Any, messages: int, elapsed: float) -> dict[str, Any]:
    root = profiler.last_session.root_frame()
    total = root.time if root is not None else 0.0
    self_times: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)

    def name_of(frame: Any) -> str:
        return f"{frame.function}  ({frame.file_path_short}:{frame.line_no})"

    def walk(frame: Any, on_path: frozenset[str]) -> None:
        # pyinstrument 5 puts a frame's own time in a synthetic "[self]" child and the time spent
        # suspended in an await in an "[await]" child; both are charged to the real frame above them.
        label = name_of(frame)
        if label not in on_path:
            inclusive[label] += frame.time
        for child in frame.children:
            if child.is_synthetic:
                kind = child.function or child.identifier
                key = label if kind == "[self]" else f"{kind} in {label}"
                self_times[key] += child.time
            else:
                walk(child, on_path | {label})
        if not frame.children:
            self_times[label] += frame.time

    if root is not None:
        walk(root, frozenset())
    per_message_ms = elapsed / messages * 1000 if messages else float("nan")

    def top(table: dict[str, float], k: int) -> list[dict[str, Any]]:
        ranked = sorted(table.items(), key=lambda kv: kv[1], reverse=True)[:k]
        return [{"frame": name, "seconds": round(t, 4), "share": round(t / total, 4) if total else None}
                for name, t in ranked]

    return {
        "messages": messages,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(messages / elapsed, 1) if elapsed else None,
        "ms_per_message": round(per_message_ms, 3),
        "profiled_seconds": round(total, 3),
        "top_self": top(self_times, 20),
        "top_inclusive": top(inclusive, 25),
    }


def print_summary(summary: dict[str, Any]) -> None:
    print(f"\nIntake hot path profile (log of {summary.get('log_prefilled_events', 0):,} events):"
          f" {summary['messages']} messages in {summary['seconds']} s, 1 client"
          f" ({summary['messages_per_second']} msg/s, {summary['ms_per_message']} ms per message)")
    print("  '[await] in f' = f suspended, waiting for PostgreSQL (or for the CPU the server shares with us)")
    for title, key in (("top frames by self time", "top_self"), ("top frames by inclusive time", "top_inclusive")):
        print(f"\n  {title}:")
        for entry in summary[key]:
            share = entry["share"] * 100 if entry["share"] is not None else 0.0
            print(f"    {share:5.1f} %  {entry['seconds']:8.3f} s  {entry['frame']}")
    for key in ("statements", "statements_fresh_database"):
        statements = summary.get(key)
        if not statements:
            continue
        where = (f"a log of {statements['log_prefilled_events']:,} events" if statements["log_prefilled_events"]
                 else "a brand-new database")
        print(f"\n  statements sent per message on {where} (asyncpg query log, {statements['messages']} sequential"
              f" submits, {statements['ms_per_message']} ms per message, {statements['statements_per_message']}"
              " statements):")
        for entry in statements["by_statement"]:
            print(f"    {entry['per_message']:5.2f} × {entry['mean_ms']:7.3f} ms = {entry['ms_per_message']:7.3f} ms"
                  f"  {entry['statement']}")
        print(f"    {statements['ms_outside_sql_per_message']:7.3f} ms per message outside SQL (Python, event loop)")
        for table, scans in statements["seq_scans_during_run"].items():
            print(f"    sequential scans of {table} during the run: {scans['seq_scan']}"
                  f" ({scans['seq_tup_read']:,} rows read)")
