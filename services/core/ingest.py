"""Streaming JSON Lines ingest: constant memory, per-tenant order kept, tenants processed in parallel."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from infra.settings import Settings
from services.core.intake import Intake, Prepared, prepare

_END = None

INGEST_GC_THRESHOLD = (20_000, 50, 10)
"""The cyclic collector's thresholds while a bulk ingest runs (CPython's default: 700, 10, 10). A message in flight
(read, checked, queued for its tenant's lane, decided, appended) lives through thousands of allocations, so with
the default thresholds its objects outlive two young collections, reach the oldest generation and count towards its
next full collection, which walks every object of the process: the stream-state cache's included. At 400 k lines of
the bulk-ingest feed that was 93 full collections and ≈ 60 % of the process's CPU time. With these thresholds the
messages' objects die before they are looked at; cycles (which reference counting does not free) are still
collected, a young collection every 20,000 allocations."""


BULK_CACHE_STREAMS = 25_000
"""The stream states a bulk ingest's intake holds (the intake's default is 100,000). Its batches look first
(:meth:`Intake.process`, ``look_first``): a stream that fell out of the cache costs a read of that stream's events
in the batch's look, not a second decision of the batch, so a larger cache saves little time (≈ 5 % of the CPU time
at 400 k lines of the bulk-ingest feed) and holds ≈ 40 MB more."""


def for_bulk(intake: Intake) -> Intake:
    """The intake of a bulk ingest process, with its cache held to BULK_CACHE_STREAMS."""
    intake.cache_at_most(BULK_CACHE_STREAMS)
    return intake


_bulk: dict[str, Any] = {"running": 0, "before": None}


@contextlib.contextmanager
def bulk_collection() -> Iterator[None]:
    """The collector's thresholds set to INGEST_GC_THRESHOLD while any ingest of this process runs, then put back
    as they were before the first of them."""
    if _bulk["running"] == 0:
        _bulk["before"] = gc.get_threshold()
        gc.set_threshold(*INGEST_GC_THRESHOLD)
    _bulk["running"] += 1
    try:
        yield
    finally:
        _bulk["running"] -= 1
        if _bulk["running"] == 0:
            gc.set_threshold(*_bulk["before"])


@dataclass
class IngestCounts:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    by_tenant: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, outcome: dict[str, Any]) -> None:
        self.count(outcome["status"], outcome.get("tenant"))

    def count(self, status: str, tenant: str | None) -> None:
        setattr(self, status, getattr(self, status) + 1)
        per = self.by_tenant.setdefault(tenant or "", {"accepted": 0, "duplicate": 0, "rejected": 0})
        per[status] += 1

    @property
    def total(self) -> int:
        return self.accepted + self.duplicate + self.rejected

    def summary(self) -> str:
        return f"accepted={self.accepted} duplicate={self.duplicate} rejected={self.rejected}"


def _read_chunks(source: BinaryIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any],
                 chunk_lines: int) -> None:
    """Runs in a thread: reads lines in chunks so a slow pipe never blocks the event loop."""
    try:
        chunk: list[bytes] = []
        for line in source:
            chunk.append(line)
            if len(chunk) >= chunk_lines:
                asyncio.run_coroutine_threadsafe(queue.put(chunk), loop).result()
                chunk = []
        if chunk:
            asyncio.run_coroutine_threadsafe(queue.put(chunk), loop).result()
    except BaseException as error:  # surfaced by the reader of the queue
        asyncio.run_coroutine_threadsafe(queue.put(error), loop).result()
    finally:
        asyncio.run_coroutine_threadsafe(queue.put(_END), loop).result()


async def ingest_stream(
    intake: Intake,
    source: BinaryIO,
    *,
    door: str = "file",
    workers: int = 4,
    batch_size: int = 250,
    processes: int = 1,
    settings: Settings | None = None,
    small_input_lines: int | None = None,
    on_outcome: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestCounts:
    """Feed every non-blank line through the intake; ``on_outcome`` sees outcomes in input order.

    Each outcome carries ``line``: the 1-based number of its line in the input, blank lines counted.
    With ``processes`` > 1 and the ``settings`` to open the database with, a large input's tenants are
    shared among that many processes, this one included (services/core/ingest_partitions.py); an input of
    at most ``small_input_lines`` lines (default: SMALL_INPUT_LINES there) stays in this process.
    """
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[Any] = asyncio.Queue(maxsize=8)
    reader = threading.Thread(target=_read_chunks, args=(source, loop, chunks, 500), daemon=True)
    reader.start()
    options: dict[str, Any] = {"door": door, "workers": workers, "batch_size": batch_size,
                               "on_outcome": on_outcome, "on_progress": on_progress}
    if processes > 1 and settings is not None:
        from services.core.ingest_partitions import ingest_partitioned

        return await ingest_partitioned(intake, chunks_from(chunks), settings, processes,
                                        small_input_lines=small_input_lines, **options)
    return await run_numbered(intake, numbered(chunks_from(chunks)), **options)


async def ingest_lines(intake: Intake, lines: Iterable[bytes | str], **kwargs: Any) -> IngestCounts:
    """The same pipeline over an in-memory iterable (tests, the demo)."""

    async def chunked() -> Any:
        chunk: list[bytes | str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 500:
                yield chunk
                chunk = []
                await asyncio.sleep(0)
        if chunk:
            yield chunk

    return await run_numbered(intake, numbered(chunked()), **kwargs)


async def numbered(chunks: Any) -> Any:
    """Chunks of lines as chunks of (line number, line): 1-based, blank lines counted."""
    line_number = 0
    async for chunk in chunks:
        yield [(line_number := line_number + 1, line) for line in chunk]


async def chunks_from(queue: asyncio.Queue[Any]) -> Any:
    """The chunks a reader puts on ``queue`` until _END; an exception put there is raised."""
    while True:
        item = await queue.get()
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


async def run_numbered(
    intake: Intake,
    chunks: Any,
    *,
    door: str = "file",
    workers: int = 4,
    batch_size: int = 250,
    on_outcome: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestCounts:
    """The pipeline over chunks of (line number, line): per-tenant lanes, outcomes emitted in input order."""
    with bulk_collection():
        return await _run_numbered(intake, chunks, door=door, workers=workers, batch_size=batch_size,
                                   on_outcome=on_outcome, on_progress=on_progress)


async def _run_numbered(
    intake: Intake,
    chunks: Any,
    *,
    door: str,
    workers: int,
    batch_size: int,
    on_outcome: Callable[[dict[str, Any]], None] | None,
    on_progress: Callable[[int], None] | None,
) -> IngestCounts:
    counts = IngestCounts()
    queues: list[asyncio.Queue[Any]] = [asyncio.Queue(maxsize=batch_size * 4) for _ in range(workers)]
    finished: dict[int, dict[str, Any]] = {}
    next_to_emit = 0

    def emit(index: int, outcome: dict[str, Any]) -> None:
        nonlocal next_to_emit
        finished[index] = outcome
        while next_to_emit in finished:
            ready = finished.pop(next_to_emit)
            counts.add(ready)
            if on_outcome is not None:
                on_outcome(ready)
            next_to_emit += 1

    async def work(queue: asyncio.Queue[Any]) -> None:
        done = False
        while not done:
            batch: list[tuple[int, Prepared, int, int]] = []
            item = await queue.get()
            while True:
                if item is _END:
                    done = True
                    break
                batch.append(item)
                if len(batch) >= batch_size or queue.empty():
                    break
                item = queue.get_nowait()
            if batch:
                outcomes = await intake.process([p for _, p, _, _ in batch], door, look_first=True)
                for (index, _, size, line_number), outcome in zip(batch, outcomes, strict=True):
                    emit(index, {**outcome, "line": line_number})
                    if on_progress is not None:
                        on_progress(size)

    tasks = [asyncio.create_task(work(q)) for q in queues]
    ended: set[int] = set()

    async def put(lane: int, item: Any) -> None:
        """Queue an item, but fail at once if a worker died (its queue would never drain)."""
        queue = queues[lane]
        if not queue.full():
            queue.put_nowait(item)
            return
        putter = asyncio.ensure_future(queue.put(item))
        while True:
            for worker_lane, task in enumerate(tasks):
                if task.done() and (task.exception() is not None or worker_lane not in ended):
                    putter.cancel()
                    error = task.exception()
                    raise error if error is not None else RuntimeError("an ingest worker stopped early")
            running = [task for task in tasks if not task.done()]
            await asyncio.wait([putter, *running], return_when=asyncio.FIRST_COMPLETED)
            if putter.done():
                return

    index = 0
    try:
        async for chunk in chunks:
            for line_number, line in chunk:
                raw = line.encode() if isinstance(line, str) else line
                size = len(raw)
                if not raw.strip():
                    if on_progress is not None:
                        on_progress(size)
                    continue
                prepared = prepare(raw.rstrip(b"\r\n"))
                lane = zlib.crc32((prepared.tenant or "").encode()) % workers
                await put(lane, (index, prepared, size, line_number))
                index += 1
            for task in tasks:
                if task.done() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        for lane in range(workers):
            await put(lane, _END)
            ended.add(lane)
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    return counts
