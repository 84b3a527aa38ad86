"""`python -m bench`: run every benchmark, print the table, write the JSON results.

    python -m bench [--quick] [--only NAME ...] [--database-url URL] [--out FILE] [--profile]
                    [--growth-max [N]] [--ingest-lines N]

The server: --database-url, else $EDUPLAN_BENCH_DATABASE_URL, else an embedded PostgreSQL (pgserver)
under a temporary directory. Every benchmark creates its own database on that server
(bench_<name>_<random>) and drops it afterwards; each figure is printed beside a reference measured in
the same run on the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Row, Server, open_server

Runner = Callable[..., Awaitable[list[Row]]]


def _benchmarks() -> dict[str, tuple[str, Runner]]:
    from bench import (
        actions_bench,
        dashboard_bench,
        growth_bench,
        http_bench,
        import_bench,
        ingest_bench,
        intake_bench,
        kafka_hook,
        known_at_bench,
        leadership_bench,
        plan_bench,
        projection_bench,
        visibility_bench,
        xapi_bench,
    )

    return {
        "intake": ("1. intake: Intake.submit vs raw asyncpg and eventsourcing, 1 and 8 clients", intake_bench.run),
        "ingest": ("2. bulk ingest: `eduplan ingest FILE` vs raw batched INSERT and COPY, peak RSS", ingest_bench.run),
        "rebuild": ("3. projection rebuild vs raw paged read-and-fold", projection_bench.run_rebuild),
        "kpi": ("4. KPI document latency", projection_bench.run_kpi),
        "growth": ("5. intake rate as the log grows", growth_bench.run),
        "kafka": ("6. Kafka doors", kafka_hook.run),
        "visibility": ("7. append → visible to the relay and GET /events, with and without a rebuild",
                       visibility_bench.run),
        "xapi": ("8. xAPI export of one large tenant vs raw paged read, peak RSS", xapi_bench.run),
        "leadership": ("9. leadership reads: document by manager, 36-month series, competence matrix",
                       leadership_bench.run),
        "plan": ("10. planning assistant: a year's plan for 125 and 5,000 employees", plan_bench.run),
        "actions": ("11. the HR manager's actions and calendar, 5,000 employees", actions_bench.run),
        "import": ("12. spreadsheet import of a 100,000-row CSV vs `eduplan ingest` of the same messages, peak RSS",
                   import_bench.run),
        "dashboard": ("13. dashboard pages: the company page of the 5,000-employee tenant", dashboard_bench.run),
        "knownat": ("14. KPI reads as known at an instant beside the ordinary reads", known_at_bench.run),
        "http": ("15. the HTTP door: 8 keep-alive clients posting CourseBooked vs a raw ASGI app and eventsourcing",
                 http_bench.run),
    }


def _parser(names: list[str]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="eduplan's benchmarks")
    p.add_argument("--quick", action="store_true", help="small, fast run (feeds of ~50 k lines, short timings)")
    p.add_argument("--only", action="append", choices=names, metavar="NAME",
                   help=f"run only this benchmark (repeatable): {', '.join(names)}")
    p.add_argument("--database-url", default=None,
                   help="a PostgreSQL server to create the benchmark databases on (admin database URL)")
    p.add_argument("--out", type=Path, default=Path("bench/results/latest.json"), help="the JSON results file")
    p.add_argument("--profile", action="store_true", help="also profile the intake hot path (pyinstrument)")
    p.add_argument("--growth-max", type=int, nargs="?", const=10_000_000, default=None, metavar="N",
                   help="growth benchmark: also measure with N events in the log (default N: 10 M)")
    p.add_argument("--ingest-lines", type=int, default=None, metavar="N",
                   help="bulk ingest: lines in the generated feed (default: 50 k with --quick, else 1 M)")
    return p


def main(argv: list[str] | None = None) -> int:
    benchmarks = _benchmarks()
    args = _parser(list(benchmarks)).parse_args(argv)
    from infra.logging import configure_logging

    configure_logging("WARNING")
    return asyncio.run(_main(args, benchmarks, argv if argv is not None else sys.argv[1:]))


async def _main(args: argparse.Namespace, benchmarks: dict[str, tuple[str, Runner]], argv: list[str]) -> int:
    keep: list[tempfile.TemporaryDirectory[str]] = []
    server = await asyncio.to_thread(open_server, args.database_url, keep)
    work = tempfile.TemporaryDirectory(prefix="eduplan-bench-")
    keep.append(work)
    out_dir = args.out.parent
    started = datetime.now(UTC)
    machine = await _machine(server)
    print(f"eduplan benchmarks — {started:%Y-%m-%d %H:%M} UTC — {'quick' if args.quick else 'full'} run")
    print(f"machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB RAM,"
          f" PostgreSQL {machine['postgresql']} ({server.label}), Python {machine['python']}")
    chosen = args.only or list(benchmarks)
    rows: list[Row] = []
    timings: dict[str, float] = {}
    options = {"quick": args.quick, "work_dir": Path(work.name), "out_dir": out_dir,
               "growth_max": args.growth_max, "ingest_lines": args.ingest_lines}
    try:
        for name in chosen:
            title, runner = benchmarks[name]
            load = os.getloadavg()[0]
            print(f"\n▶ {title}  (load average {load:.2f})", flush=True)
            begin = time.perf_counter()
            try:
                got = await runner(server, **options)
            except Exception as error:  # noqa: BLE001 - one failing benchmark must not hide the others
                traceback.print_exc()
                got = [Row(benchmark=name, figure=None, unit="", note=f"failed: {type(error).__name__}: {error}")]
            timings[name] = round(time.perf_counter() - begin, 1)
            for row in got:
                row.extra.setdefault("load_average_at_start", round(load, 2))
                print("  " + _one_line(row), flush=True)
            rows.extend(got)
        profile = None
        if args.profile:
            from bench import profile_intake

            print("\n▶ profiling the intake hot path (pyinstrument)", flush=True)
            profile = await profile_intake.run(server, quick=args.quick, out_dir=out_dir)
    finally:
        from bench.feeds import drop_datasets

        await drop_datasets(server)
        for tmp in reversed(keep):
            tmp.cleanup()
    finished = datetime.now(UTC)
    print()
    print(render_table(rows))
    notes = [(r.benchmark, r.note) for r in rows if r.note]
    if notes:
        print()
        for bench_name, note in notes:
            print(f"  * {bench_name}: {note}")
    if profile is not None:
        from bench import profile_intake

        profile_intake.print_summary(profile)
        print(f"\n  full profile: {out_dir / 'intake_profile.txt'}")
    result = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv),
        "quick": args.quick,
        "machine": machine,
        "server": server.label,
        "benchmark_seconds": timings,
        "rows": [r.as_json() for r in rows],
        "profile": profile,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nresults written to {args.out}  ({(finished - started).total_seconds():.0f} s in all)")
    return 0


async def _machine(server: Server) -> dict[str, Any]:
    import psutil

    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "postgresql": await server.version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        return platform.processor() or ""


# --- the table ------------------------------------------------------------------------------------

HEADER = ("benchmark", "figure", "reference", "ratio", "goal", "met?")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        text = f"{value:,.1f}"
    elif unit == "MB":
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.1f}"
    return f"{text} {unit}".strip()


def cells(row: Row) -> tuple[str, ...]:
    reference = _fmt(row.reference, row.unit)
    if row.reference is not None and row.reference_label:
        reference = f"{reference} ({row.reference_label})"
    ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
    met = "—" if row.met is None else ("yes" if row.met else "NO")
    figure = _fmt(row.figure, row.unit) if row.figure is not None else (row.note[:60] or "—")
    return (row.benchmark, figure, reference, ratio, row.goal or "—", met)


def _one_line(row: Row) -> str:
    return " | ".join(cells(row))


def render_table(rows: list[Row], markdown: bool = False) -> str:
    table = [HEADER, *(cells(r) for r in rows)]
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in table[1:]]
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    out = []
    for n, line in enumerate(table):
        out.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
