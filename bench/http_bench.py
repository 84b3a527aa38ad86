"""Benchmark 15: accepted CourseBooked messages/s through the HTTP door, 8 keep-alive clients.

Three contenders on one fresh database, in alternating rounds (the machine's load drifts):

- eduplan: a real ``eduplan serve`` process on loopback (with its projection runner, as deployed),
  posting with an ``hr_system`` token for the bench tenant: access check, the intake (parse, validate,
  idempotency, load the employee and booking streams, decide, append, group commit), the answer;
- raw ASGI: ``bench.raw_asgi``, a bare ASGI app under the same uvicorn settings that decodes the JSON
  and runs one INSERT per message — the physical reference of an HTTP door on this stack;
- eventsourcing: the library's in-process append with 8 threads (as in benchmark 1), no HTTP at all.

The clients run in a process of their own (``bench.http_client``, aiohttp, one kept-alive connection
each). With ``workers`` > 1 both servers run that many uvicorn processes.

    python -m bench --only http [--quick]
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from bench.common import BENCH_TENANT, FreshDatabase, Row, Server, ratio_goal, register_employees
from bench.intake_bench import EventSourcingLibrary, es_env

CLIENTS = 8
STARTUP_SECONDS = 60.0
EMPLOYEES = 200  # bench.http_client books for e0 … e199


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_for_port(port: int, process: asyncio.subprocess.Process | asyncio.Task[Any]) -> None:
    async with asyncio.timeout(STARTUP_SECONDS):
        while True:
            ended = process.done() if isinstance(process, asyncio.Task) else process.returncode is not None
            if ended:
                raise RuntimeError(f"the server on port {port} ended before answering")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            writer.close()
            await writer.wait_closed()
            return


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _prepare(url: str) -> str:
    """Migrate, register the employees, and make the hr_system token the clients post with."""
    from infra.tokens import TokenStore
    from services.core.app import app_for_url

    app = await app_for_url(url, max_size=4)
    try:
        await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)
        _, token = await TokenStore(app.pool).create("hr_system", BENCH_TENANT, "bench")
        return token
    finally:
        await app.close()


async def _drive(url: str, seconds: float, prefix: str, token: str | None) -> tuple[float, int, dict[str, int]]:
    args = [sys.executable, "-m", "bench.http_client", url, str(seconds), str(CLIENTS), prefix]
    if token:
        args.append(token)
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE, cwd=_root())
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the HTTP clients failed ({process.returncode})")
    got = json.loads(out)
    return got["count"] / got["seconds"], int(got["count"]), got["statuses"]


def _root() -> str:
    return str(Path(__file__).resolve().parent.parent)


async def measure(server: Server, work_dir: Path, *, seconds: float, rounds: int, workers: int) -> dict[str, Any]:
    async with FreshDatabase(server, f"http{workers}") as url:
        token = await _prepare(url)
        dbname = url.rsplit("/", 1)[-1].split("?", 1)[0]
        data_dir = work_dir / f"http-serve-{workers}"
        data_dir.mkdir(parents=True, exist_ok=True)
        ours_port, raw_port = _free_port(), _free_port()
        env = {**os.environ, "EDUPLAN_DATABASE_URL": url, "EDUPLAN_DATA_DIR": str(data_dir),
               "EDUPLAN_LOG_LEVEL": "WARNING"}
        eduplan = Path(sys.executable).parent / "eduplan"
        ours = await asyncio.create_subprocess_exec(
            str(eduplan), "serve", "--port", str(ours_port), "--workers", str(workers), env=env, cwd=_root(),
            stdout=asyncio.subprocess.DEVNULL)
        raw = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.raw_asgi", url, str(raw_port), str(workers), cwd=_root(),
            stdout=asyncio.subprocess.DEVNULL)
        library = EventSourcingLibrary(es_env(server, dbname))
        rates: dict[str, list[float]] = {"eduplan": [], "raw ASGI": [], "eventsourcing": []}
        counts: dict[str, int] = dict.fromkeys(rates, 0)
        statuses: dict[str, int] = {}
        try:
            await _wait_for_port(ours_port, ours)
            await _wait_for_port(raw_port, raw)
            await library.open()
            for r in range(rounds):
                rate, count, got = await _drive(f"http://127.0.0.1:{ours_port}/v1/messages", seconds,
                                                f"h{r}-", token)
                rates["eduplan"].append(round(rate, 1))
                counts["eduplan"] += count
                for code, n in got.items():
                    statuses[code] = statuses.get(code, 0) + n
                rate, count, _ = await _drive(f"http://127.0.0.1:{raw_port}/", seconds, f"x{r}-", None)
                rates["raw ASGI"].append(round(rate, 1))
                counts["raw ASGI"] += count
                rate, count = await library.rate(CLIENTS, seconds)
                rates["eventsourcing"].append(round(rate, 1))
                counts["eventsourcing"] += count
        finally:
            if hasattr(library, "app"):
                await library.close()
            await _stop(ours)
            await _stop(raw)
    if set(statuses) != {"201"}:
        raise RuntimeError(f"not every message through the door was accepted: {statuses}")
    total = seconds * rounds
    return {"rates": {k: counts[k] / total for k in counts}, "per_round": rates, "counts": counts}


async def run(server: Server, *, quick: bool, work_dir: Path, **_: Any) -> list[Row]:
    seconds, rounds = (4.0, 2) if quick else (10.0, 3)
    rows: list[Row] = []
    for workers in (1, 2):
        load = os.getloadavg()
        got = await measure(server, work_dir, seconds=seconds, rounds=rounds, workers=workers)
        ours, raw, es = (got["rates"][k] for k in ("eduplan", "raw ASGI", "eventsourcing"))
        extra = {"clients": CLIENTS, "workers": workers, "seconds_per_round": seconds, "rounds": rounds,
                 "rates_per_round": got["per_round"], "messages": got["counts"],
                 "load_average": [round(x, 2) for x in load]}
        who = f"{CLIENTS} clients, {workers} server process{'es' if workers > 1 else ''}"
        rows.append(ratio_goal(Row(benchmark=f"HTTP door {who} vs raw ASGI", figure=ours, unit="msg/s",
                                   reference=raw, reference_label="raw ASGI + one INSERT",
                                   goal="≥ 50 % of raw ASGI", extra=extra), 0.5))
        rows.append(ratio_goal(Row(benchmark=f"HTTP door {who} vs eventsourcing", figure=ours, unit="msg/s",
                                   reference=es, reference_label="eventsourcing, 8 threads",
                                   goal="≥ 1.5× eventsourcing", extra=extra), 1.5))
    return rows
