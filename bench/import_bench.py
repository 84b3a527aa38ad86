"""Spreadsheet import: `eduplan import` of a 100,000-row CSV as its own process, beside `eduplan ingest` of
the same messages as JSON Lines (each into its own fresh database), with both processes' peak RSS.

The JSON Lines file is made from the CSV by the importer's own row-to-envelope step, so both runs append
the same events; the figure is rows/s over the process's wall time, start-up included.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench.common import FreshDatabase, Row, Server
from bench.ingest_bench import eduplan_command

TENANT = "import-bench"
RSS_LIMIT_MB = 250.0


def write_sheet(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("medarbejder_id;navn;afdeling;jobgruppe;ansat_dato\n")
        for n in range(rows):
            out.write(f"e{n};Person {n};afd{n % 40};faglært;{1 + n % 28:02d}-0{1 + n % 9}-2020\n")


def write_feed(sheet: Path, feed: Path) -> None:
    """The messages the import would send, one JSON line each."""
    from services.core.imports.columns import KINDS
    from services.core.imports.importer import envelope, layout
    from services.core.imports.sheets import open_sheet

    opened = open_sheet(sheet)
    try:
        rows_layout = layout(KINDS["employees"], opened.header, str(sheet))
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with feed.open("wb") as out:
            for number, cells in opened.rows:
                out.write(orjson.dumps(envelope(TENANT, rows_layout, number, cells, now)) + b"\n")
    finally:
        opened.close()


def cli_process(url: str, data_dir: Path, *args: str) -> dict[str, Any]:
    """Run `eduplan ARGS` against ``url``; wall time, peak RSS (polled every 20 ms) and its counts."""
    env = {**os.environ, "EDUPLAN_DATABASE_URL": url, "EDUPLAN_DATA_DIR": str(data_dir),
           "EDUPLAN_LOG_LEVEL": "WARNING"}
    # The import prints a line per row: its output goes to a file, so a full pipe never stalls it.
    output = tempfile.TemporaryFile()
    begin = time.perf_counter()
    child = subprocess.Popen([*eduplan_command(), *args], env=env, stdout=output, stderr=subprocess.PIPE)
    peak = 0
    try:
        watched = psutil.Process(child.pid)
        while child.poll() is None:
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
        _, err = child.communicate()
    except BaseException:
        child.kill()
        raise
    elapsed = time.perf_counter() - begin
    output.seek(0)
    out = output.read()
    output.close()
    if child.returncode != 0:
        raise RuntimeError(f"eduplan {args[0]} exited {child.returncode}: {err.decode(errors='replace')[-2000:]}")
    counts = {k: int(v) for k, v in re.findall(r"(accepted|duplicate|rejected)=(\d+)", out.decode())}
    return {"seconds": elapsed, "peak_rss_mb": peak / 2**20, "counts": counts}


async def run(server: Server, *, quick: bool, work_dir: Path, **_: Any) -> list[Row]:
    rows = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        sheet, feed = Path(tmp) / "employees.csv", Path(tmp) / "employees.jsonl"
        write_sheet(sheet, rows)
        write_feed(sheet, feed)
        async with FreshDatabase(server, "import") as url:
            imported = await asyncio.to_thread(cli_process, url, Path(tmp) / "a", "import", "--tenant", TENANT,
                                               "--kind", "employees", str(sheet))
        async with FreshDatabase(server, "ingest_same") as url:
            ingested = await asyncio.to_thread(cli_process, url, Path(tmp) / "b", "ingest", str(feed))
    for name, result in (("import", imported), ("ingest", ingested)):
        if result["counts"].get("accepted") != rows:
            raise RuntimeError(f"eduplan {name} accepted {result['counts']} of {rows:,} rows")
    rate, reference = rows / imported["seconds"], rows / ingested["seconds"]
    info = {"rows": rows, "import": imported, "ingest": ingested}
    scale = f"{rows:,}-row CSV (employees, separate process)"
    return [
        Row(benchmark=f"spreadsheet import, {scale}", figure=rate, unit="rows/s", reference=reference,
            reference_label="`eduplan ingest` of the same messages as JSON Lines", goal="≥ 50 % of ingest",
            met=rate >= 0.5 * reference, extra=info),
        Row(benchmark=f"spreadsheet import peak RSS, {scale}", figure=imported["peak_rss_mb"], unit="MB",
            reference=ingested["peak_rss_mb"], reference_label="`eduplan ingest` peak RSS",
            goal=f"< {RSS_LIMIT_MB:g} MB", met=imported["peak_rss_mb"] < RSS_LIMIT_MB, extra=info),
    ]
