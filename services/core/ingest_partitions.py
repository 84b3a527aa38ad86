"""A large ingest shared among processes by tenant: each process runs the whole pipeline for its tenants.

Checking a message and deciding it costs tens of microseconds of Python per message, so one process is the
bottleneck of a bulk ingest. Handing only the checks to other processes does not pay: sending a checked
message back (its pydantic models) costs about as much as checking it. So each tenant belongs to one
partition, and each partition is a whole pipeline — checks, decisions, appends on its own connections — in
its own process, except partition 0, which runs in this one. A tenant's messages all go, in input order,
to one pipeline, so its order is kept. Only raw lines go out, and only (status, tenant) comes back (the
whole outcome when the caller asked for outcomes); this process puts the outcomes back in input order.

The partition of a line is that of the tenant :func:`~services.core.checks.prepare` would read from it.
A line without one (unreadable, too large) may go anywhere: it touches no stream and claims no message id.

Other processes are started only for an input of more than SMALL_INPUT_LINES lines (starting one costs
about a second of imports and connections). They die with this process: on an error here they are
stopped, and the kernel kills them should this process die without a word (SIGKILL).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from multiprocessing.connection import Connection
from typing import Any

import orjson

from domain.messages import readable_ids
from domain.rules import MAX_MESSAGE_BYTES
from infra.settings import Settings
from services.core.ingest import IngestCounts, chunks_from, for_bulk, numbered, run_numbered
from services.core.intake import Intake

SMALL_INPUT_LINES = 20_000
"""An input of at most this many lines is ingested in this process alone."""
CHUNK_LINES = 500
"""Lines sent to another process at a time."""
MAX_PENDING_LINES = 8_000
"""Lines read but whose outcomes are not yet emitted, over all partitions: the bound on memory."""
RESULTS_AT_ONCE = 256
"""Outcomes a partition process sends back at a time (or whatever it has, every RESULTS_EVERY seconds)."""
RESULTS_EVERY = 0.02

_END = None
_PR_SET_PDEATHSIG = 1


class IngestProcessFailed(RuntimeError):
    """A process sharing the ingest ended without finishing its part (killed, or its error): the lines it had
    not answered got no outcome; an ingest run again gives them theirs (the others are duplicates)."""


def partition_of(raw: bytes, partitions: int) -> int:
    """The partition of a line (without its line break): that of the tenant the intake would read from it."""
    return zlib.crc32((_tenant(raw) or "").encode()) % partitions


def _tenant(raw: bytes) -> str | None:
    """The tenant services.core.checks.prepare reads: orjson where it reads the line (it reads valid JSON as
    json does), json's own reading otherwise (NaN, huge integers, UTF-16, ...)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return None
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            decoded = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
    return readable_ids(decoded)[0]


async def ingest_partitioned(
    intake: Intake,
    chunks: AsyncIterator[list[bytes]],
    settings: Settings,
    processes: int,
    *,
    small_input_lines: int | None = None,
    on_outcome: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    **pipeline: Any,
) -> IngestCounts:
    """Ingest chunks of lines, sharing the tenants among ``processes`` processes (this one is partition 0).
    ``pipeline``: door, workers and batch_size of each partition's pipeline."""
    small = SMALL_INPUT_LINES if small_input_lines is None else small_input_lines
    head: list[list[bytes]] = []
    lines = 0
    async for chunk in chunks:
        head.append(chunk)
        lines += len(chunk)
        if lines > small:
            break
    else:
        return await run_numbered(intake, numbered(_replay(head, None)), on_outcome=on_outcome,
                                  on_progress=on_progress, **pipeline)
    remotes: list[_Remote] = []
    ended = False
    try:
        for index in range(1, processes):  # one at a time, so a failed start still stops those started
            remotes.append(_Remote.start(index, settings, pipeline, on_outcome is not None))
        router = _Router(intake, remotes, pipeline, on_outcome, on_progress)
        counts = await router.run(_replay(head, chunks))
        ended = True
        return counts
    finally:
        for remote in remotes:
            remote.stop(ended)


async def _replay(head: list[list[bytes]], rest: AsyncIterator[list[bytes]] | None) -> AsyncIterator[list[bytes]]:
    for chunk in head:
        yield chunk
    head.clear()
    if rest is not None:
        async for chunk in rest:
            yield chunk


class _Remote:
    """A partition in another process: raw lines go out through a sender thread, results come back through a
    receiver thread (so neither a full pipe nor a slow start ever blocks the event loop)."""

    def __init__(self, index: int, process: multiprocessing.process.BaseProcess, inbox: Connection,
                 outbox: Connection) -> None:
        self.index = index
        self.process = process
        self.inbox = inbox
        self.outbox = outbox
        self.outgoing: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, daemon=True)
        self.receiver: threading.Thread | None = None

    @classmethod
    def start(cls, index: int, settings: Settings, pipeline: dict[str, Any], whole_outcomes: bool) -> _Remote:
        context = multiprocessing.get_context("spawn")
        their_inbox, inbox = context.Pipe(duplex=False)
        outbox, their_outbox = context.Pipe(duplex=False)
        process = context.Process(target=_partition_main, name=f"eduplan-ingest-{index}", daemon=True,
                                  args=(their_inbox, their_outbox, settings, pipeline, whole_outcomes, os.getpid()))
        process.start()
        their_inbox.close()
        their_outbox.close()
        remote = cls(index, process, inbox, outbox)
        remote.sender.start()
        return remote

    def send(self, chunk: list[tuple[int, bytes]] | None) -> None:
        self.outgoing.put(chunk)

    def _send(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                chunk = self.outgoing.get()
                self.inbox.send_bytes(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
                if chunk is _END:
                    return

    def receive(self, loop: asyncio.AbstractEventLoop, deliver: Callable[[int, Any], None]) -> None:
        """Start the receiver thread: every message (or EOFError) is handed to ``deliver`` on the loop."""

        def receive() -> None:
            while True:
                try:
                    message: Any = pickle.loads(self.outbox.recv_bytes())
                except (EOFError, OSError):
                    message = ("lost",)
                loop.call_soon_threadsafe(deliver, self.index, message)
                if message[0] in ("done", "error", "lost"):
                    return

        self.receiver = threading.Thread(target=receive, daemon=True)
        self.receiver.start()

    def stop(self, ended: bool) -> None:
        """Make sure the process is gone: after the ingest ``ended``, it is ending by itself; else it is killed
        (whatever it had not committed is rolled back, and a new run of the input redoes it)."""
        self.outgoing.put(_END)
        if ended:
            self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        for thread in (self.sender, self.receiver):  # the process is gone: both see their pipe end
            if thread is not None:
                thread.join(timeout=5)
        self.inbox.close()
        self.outbox.close()


class _Router:
    """Sends each line to its partition and emits the outcomes in input order."""

    def __init__(self, intake: Intake, remotes: list[_Remote], pipeline: dict[str, Any],
                 on_outcome: Callable[[dict[str, Any]], None] | None,
                 on_progress: Callable[[int], None] | None) -> None:
        self.intake = intake
        self.remotes = remotes
        self.pipeline = pipeline
        self.on_outcome = on_outcome
        self.on_progress = on_progress
        self.partitions = len(remotes) + 1
        self.counts = IngestCounts()
        self.order: deque[tuple[int, int]] = deque()
        """(partition, size) of every line sent and not yet emitted, in input order"""
        self.results: list[deque[tuple[str, str | None, dict[str, Any] | None]]] = [
            deque() for _ in range(self.partitions)]
        self.finished: set[int] = set()
        self.failure: BaseException | None = None
        self.news = asyncio.Event()

    async def run(self, chunks: AsyncIterator[list[bytes]]) -> IngestCounts:
        loop = asyncio.get_running_loop()
        for remote in self.remotes:
            remote.receive(loop, self._deliver)
        local: asyncio.Queue[Any] = asyncio.Queue()
        here = asyncio.create_task(self._local(local))
        try:
            await self._route(chunks, local, here)
            await local.put(_END)
            for remote in self.remotes:
                remote.send(_END)
            while len(self.finished) < len(self.remotes) or not here.done():
                await self._wait(here)
            await here
            self._emit()
            if self.order:
                raise IngestProcessFailed(f"{len(self.order)} lines of the ingest got no outcome")
        except BaseException:
            here.cancel()
            raise
        return self.counts

    async def _route(self, chunks: AsyncIterator[list[bytes]], local: asyncio.Queue[Any],
                     here: asyncio.Task[Any]) -> None:
        partitions = self.partitions
        outgoing: list[list[tuple[int, bytes]]] = [[] for _ in range(partitions)]
        line_number = 0
        async for chunk in chunks:
            for line in chunk:
                line_number += 1
                if not line.strip():
                    if self.on_progress is not None:
                        self.on_progress(len(line))
                    continue
                raw = line.rstrip(b"\r\n")
                partition = partition_of(raw, partitions)
                self.order.append((partition, len(line)))
                lines = outgoing[partition]
                lines.append((line_number, raw))
                if len(lines) >= CHUNK_LINES:
                    self._send(partition, lines, local)
                    outgoing[partition] = []
            self._emit()
            await asyncio.sleep(0)  # the pipeline of partition 0 runs on this loop too
            if len(self.order) > MAX_PENDING_LINES:
                for partition, lines in enumerate(outgoing):
                    if lines:
                        self._send(partition, lines, local)
                        outgoing[partition] = []
                while len(self.order) > MAX_PENDING_LINES // 2:
                    await self._wait(here)
            self._check(here)
        for partition, lines in enumerate(outgoing):
            if lines:
                self._send(partition, lines, local)

    def _send(self, partition: int, lines: list[tuple[int, bytes]], local: asyncio.Queue[Any]) -> None:
        if partition == 0:
            local.put_nowait(lines)
        else:
            self.remotes[partition - 1].send(lines)

    async def _local(self, local: asyncio.Queue[Any]) -> None:
        """Partition 0's pipeline, in this process."""
        results = self.results[0]
        whole = self.on_outcome is not None

        def collect(outcome: dict[str, Any]) -> None:
            results.append((outcome["status"], outcome.get("tenant"), outcome if whole else None))
            self.news.set()

        await run_numbered(self.intake, chunks_from(local), on_outcome=collect, **self.pipeline)

    def _deliver(self, index: int, message: Any) -> None:
        """A message from partition ``index``'s process (on the event loop)."""
        kind = message[0]
        if kind == "results":
            self.results[index].extend(message[1])
        elif kind == "done":
            self.finished.add(index)
        elif self.failure is None:
            why = message[1] if kind == "error" else "it ended without a word"
            self.failure = IngestProcessFailed(f"ingest process {index} failed: {why}")
        self.news.set()

    async def _wait(self, here: asyncio.Task[Any]) -> None:
        """Until something arrives; then emit what can be."""
        self._check(here)
        waiting = asyncio.ensure_future(self.news.wait())
        try:
            # Once partition 0 has ended, only news can end the wait (a done task would end every wait at once).
            await asyncio.wait([waiting] if here.done() else [waiting, here], return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        self.news.clear()
        self._emit()
        self._check(here)

    def _check(self, here: asyncio.Task[Any]) -> None:
        if self.failure is not None:
            raise self.failure
        if here.done() and here.exception() is not None:
            raise here.exception()  # type: ignore[misc]

    def _emit(self) -> None:
        order, results, counts = self.order, self.results, self.counts
        on_outcome, on_progress = self.on_outcome, self.on_progress
        while order and results[order[0][0]]:
            partition, size = order.popleft()
            status, tenant, outcome = results[partition].popleft()
            counts.count(status, tenant)
            if on_outcome is not None:
                on_outcome(outcome)  # type: ignore[arg-type]
            if on_progress is not None:
                on_progress(size)


def _partition_main(inbox: Connection, outbox: Connection, settings: Settings, pipeline: dict[str, Any],
                    whole_outcomes: bool, parent: int) -> None:
    """A partition's process: its pipeline over the lines it is sent, results back in its input order."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    try:
        asyncio.run(_serve(inbox, outbox, settings, pipeline, whole_outcomes))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        with contextlib.suppress(OSError):
            outbox.send_bytes(pickle.dumps(("error", traceback.format_exc(limit=8))))
        raise SystemExit(1) from None
    outbox.send_bytes(pickle.dumps(("done",)))


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when the parent dies (Linux), and never outlive it at start-up."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


async def _serve(inbox: Connection, outbox: Connection, settings: Settings, pipeline: dict[str, Any],
                 whole_outcomes: bool) -> None:
    from services.core.app import open_app

    app = await open_app(settings, max_size=pipeline["workers"] + 2, sweep=False)
    for_bulk(app.intake)
    try:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[Any] = asyncio.Queue()
        threading.Thread(target=_read_inbox, args=(inbox, loop, lines), daemon=True).start()
        results: list[tuple[str, str | None, dict[str, Any] | None]] = []

        def flush() -> None:
            if results:
                outbox.send_bytes(pickle.dumps(("results", results), protocol=pickle.HIGHEST_PROTOCOL))
                results.clear()

        def collect(outcome: dict[str, Any]) -> None:
            results.append((outcome["status"], outcome.get("tenant"), outcome if whole_outcomes else None))
            if len(results) >= RESULTS_AT_ONCE:
                flush()

        async def flush_now_and_then() -> None:
            while True:
                await asyncio.sleep(RESULTS_EVERY)
                flush()

        flusher = asyncio.create_task(flush_now_and_then())
        try:
            await run_numbered(app.intake, chunks_from(lines), on_outcome=collect, **pipeline)
        finally:
            flusher.cancel()
        flush()
    finally:
        await app.close()


def _read_inbox(inbox: Connection, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[Any]) -> None:
    """Runs in a thread: every chunk sent, onto ``lines``; _END at the end, or the error if the parent left."""
    while True:
        try:
            chunk = pickle.loads(inbox.recv_bytes())
        except (EOFError, OSError) as error:
            chunk = error
        loop.call_soon_threadsafe(lines.put_nowait, chunk)
        if chunk is _END or isinstance(chunk, BaseException):
            return
