"""Intake: every message gets exactly one outcome — accepted, duplicate or rejected.

A batch of messages is decided in order (each against states that already include the earlier
messages of the batch) against what this process knows of its streams, and appended in one statement
that first takes the target streams' locks and checks that knowledge against the log (see
infra/migrations/020_append.sql). When the log knows more (an outcome for a message id, newer events of
a stream), nothing is written; the batch is decided again with what came back. So a batch costs one
round trip when the process is up to date and two when it is not. Conflicts (a racing writer of the
same message id or stream version) retry the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from domain.decider import PERSONAL_FIELDS, decide, evolve, initial_state, referenced_streams, target_stream
from domain.errors import Reason, Rejected
from domain.messages import Message, event_data, parse_message, readable_ids
from infra.crypto import new_key, seal_fields
from infra.settings import MAX_MESSAGE_BYTES
from infra.store import (
    NOTIFY_CHANNEL,
    EventStore,
    PendingEvent,
    PendingOutcome,
    StoredOutcome,
    WriteBatch,
    stream_lock_key,
)

log = structlog.get_logger(__name__)

_RETRYABLE = (
    asyncpg.UniqueViolationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)
MAX_ATTEMPTS = 6
# Rounds of 'the log knows more: decide again' before a batch starts over.
MAX_LOOKUPS = 4
# Group commit of concurrent submits: batches in flight at once, and messages per batch.
CONCURRENT_GROUPS = 2
GROUP_MAX = 100
# Losing the database (restart, failover) is waited out this long before the caller sees an error.
RECONNECT_FOR_SECONDS = 90.0
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    ConnectionError,
    OSError,
)


@dataclass
class _Waiting:
    prepared: Prepared
    door: str
    future: asyncio.Future[dict[str, Any]]


def _discard(conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.terminate()


@dataclass
class Prepared:
    """A message after the pure checks (size, JSON, envelope, type, data); no database involved."""

    raw: bytes
    tenant: str | None
    message_id: str | None
    message: Message | None = None
    rejection: Rejected | None = None
    streams: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str] | None:
        if self.tenant is None or self.message_id is None:
            return None
        return (self.tenant, self.message_id)


def prepare(raw: bytes | str | Any) -> Prepared:
    """Size, JSON and shape checks. ``raw`` is the message's bytes/text, or an already decoded value."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogateescape")
    if isinstance(raw, bytes | bytearray | memoryview):
        raw = bytes(raw)
        if len(raw) > MAX_MESSAGE_BYTES:
            return Prepared(raw, None, None, rejection=Rejected(
                Reason.TOO_LARGE, f"the message is {len(raw)} bytes; at most {MAX_MESSAGE_BYTES} are accepted"))
        try:
            decoded = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            return Prepared(raw, None, None, rejection=Rejected(
                Reason.INVALID_ENVELOPE, f"the message is not valid JSON ({_first_line(str(error))})"))
        except RecursionError:
            return Prepared(raw, None, None, rejection=Rejected(
                Reason.INVALID_ENVELOPE, "the message is nested too deeply to be read"))
        suspicious = b"\\u" in raw
    else:
        decoded = raw
        try:
            raw = json.dumps(decoded, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
        except (TypeError, ValueError, RecursionError):
            raw = repr(decoded).encode("utf-8", errors="backslashreplace")
            return Prepared(raw, None, None, rejection=Rejected(
                Reason.INVALID_ENVELOPE, "the message is not a JSON value that can be read"))
        if len(raw) > MAX_MESSAGE_BYTES:
            return Prepared(raw, None, None, rejection=Rejected(
                Reason.TOO_LARGE, f"the message is {len(raw)} bytes; at most {MAX_MESSAGE_BYTES} are accepted"))
        suspicious = True
    if suspicious:
        where = _unstorable_text(decoded)
        if where is not None:
            tenant, message_id = readable_ids(decoded)
            if message_id is not None and _unstorable_text(message_id) is not None:
                message_id = None
            path, problem = where
            reason = Reason.INVALID_DATA if path.startswith("data") else Reason.INVALID_ENVELOPE
            return Prepared(raw, tenant, message_id, rejection=Rejected(reason, f"{path} {problem}"))
    tenant, message_id = readable_ids(decoded)
    try:
        message = parse_message(decoded)
    except Rejected as rejection:
        return Prepared(raw, tenant, message_id, rejection=rejection)
    streams = [target_stream(message), *referenced_streams(message)]
    return Prepared(raw, tenant, message_id, message=message, streams=streams)


_BAD_TEXT = "contains a NUL character or an unpaired surrogate, which text cannot hold"


def _unstorable_text(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """The first string (or key) PostgreSQL text cannot hold (NUL, unpaired surrogate): (path, problem)."""
    if isinstance(value, str):
        if "\x00" in value:
            return (path or "message", _BAD_TEXT)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return (path or "message", _BAD_TEXT)
        return None
    if depth > 200:
        return (path.split("[")[0] or "message", "is nested too deeply to be read")
    if isinstance(value, dict):
        for key, item in value.items():
            where = _unstorable_text(key, path or "message", depth + 1)
            if where is not None:
                return where
            where = _unstorable_text(item, f"{path}.{key}" if path else str(key), depth + 1)
            if where is not None:
                return where
    elif isinstance(value, list):
        for index, item in enumerate(value):
            where = _unstorable_text(item, f"{path}[{index}]", depth + 1)
            if where is not None:
                return where
    return None


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


class Intake:
    def __init__(self, store: EventStore, *, notify: bool = True, pool: asyncpg.Pool | None = None) -> None:
        self.store = store
        self.pool = pool or store.pool
        self._notify = notify
        self._last_notify = 0.0
        self._notify_pending = False
        self._states = StreamStateCache()
        self._queue: deque[_Waiting] = deque()
        self._flushing = 0
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, raw: bytes | str | Any, door: str = "api") -> dict[str, Any]:
        """One message and its outcome. Messages submitted concurrently share batches (group commit):
        while a batch is being written, the messages that arrive queue up and go together in the next
        one, so many concurrent callers cost few commits. A caller that goes away does not take the
        others' batch with it; its message still gets its outcome stored."""
        waiting = _Waiting(prepare(raw), door, asyncio.get_running_loop().create_future())
        self._queue.append(waiting)
        self._kick()
        return await waiting.future

    def _kick(self) -> None:
        if self._queue and self._flushing < CONCURRENT_GROUPS:
            self._flushing += 1
            task = asyncio.create_task(self._flush())
            self._flushers.add(task)
            task.add_done_callback(self._flushers.discard)

    async def _flush(self) -> None:
        try:
            while self._queue:
                door = self._queue[0].door
                group: list[_Waiting] = []
                rest: deque[_Waiting] = deque()
                while self._queue:
                    item = self._queue.popleft()
                    (group if item.door == door and len(group) < GROUP_MAX else rest).append(item)
                self._queue = rest
                try:
                    outcomes = await self.process([item.prepared for item in group], door)
                except BaseException as error:
                    for item in group:
                        if not item.future.done():
                            item.future.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                else:
                    for item, outcome in zip(group, outcomes, strict=True):
                        if not item.future.done():
                            item.future.set_result(outcome)
        finally:
            self._flushing -= 1

    async def submit_many(self, raws: Sequence[bytes | str | Any], door: str = "api") -> list[dict[str, Any]]:
        return await self.process([prepare(raw) for raw in raws], door)

    async def process(self, batch: Sequence[Prepared], door: str) -> list[dict[str, Any]]:
        """Decide and store a batch in one transaction; outcomes come back in the batch's order."""
        if not batch:
            return []
        attempt = 0
        deadline = time.monotonic() + RECONNECT_FOR_SECONDS
        while True:
            attempt += 1
            try:
                outcomes = await self._attempt(batch, door)
                break
            except _RETRYABLE as error:
                if attempt >= MAX_ATTEMPTS:
                    raise
                log.info("intake_retry", attempt=attempt, error=type(error).__name__)
                await asyncio.sleep(0.005 * attempt)
            except _CONNECTION_LOST as error:
                # The batch either committed or not; a retry is safe: what committed comes back as duplicate.
                if time.monotonic() >= deadline:
                    raise
                log.warning("database_unreachable_retrying", error=str(error) or type(error).__name__)
                await asyncio.sleep(min(0.2 * attempt, 2.0))
        if self._notify and any(o["status"] == "accepted" for o in outcomes):
            await self._poke_listeners()
        for outcome in outcomes:
            if outcome["status"] == "rejected":
                log.info("message_rejected", tenant=outcome.get("tenant"), message_id=outcome.get("message_id"),
                         reason=outcome["reason"], detail=outcome["detail"], door=door)
            elif outcome["status"] == "accepted":
                for ref in outcome["events"]:
                    log.debug("event_appended", tenant=outcome["tenant"], message_id=outcome["message_id"],
                              stream=ref["stream"], version=ref["version"], position=ref["position"], door=door)
            else:
                log.debug("message_duplicate", tenant=outcome["tenant"], message_id=outcome["message_id"], door=door)
        return outcomes

    async def _attempt(self, batch: Sequence[Prepared], door: str) -> list[dict[str, Any]]:
        """Decide against what this process believes, then append in one statement that checks the belief.

        When the log knows more (an outcome for a message id, newer events of a stream, a key that
        exists), the statement writes nothing and returns it; the batch is decided again with it and
        appended the same way. Should the log have moved again meanwhile, the batch is decided inside a
        transaction that holds the target streams' locks, so busy streams cannot keep it going round.
        """
        ids = sorted({p.key for p in batch if p.key is not None})
        decided = [(p.tenant, p) for p in batch if p.message is not None and p.tenant is not None]
        targets = sorted({stream_lock_key(tenant, p.streams[0]) for tenant, p in decided})
        reads = sorted({stream_lock_key(tenant, s) for tenant, p in decided for s in p.streams[1:]})
        streams = sorted({(tenant, s) for tenant, p in decided for s in p.streams})
        known = {key: self._states.get(key) for key in streams}
        seen: dict[tuple[str, str], StoredOutcome] = {}
        history: dict[tuple[str, str], list[tuple[int, str, dict[str, Any]]]] = {key: [] for key in streams}
        found_keys: dict[tuple[str, str], bytes | None] = {}

        def learn(rows: list[asyncpg.Record]) -> None:
            for row in rows:
                kind = row["r_kind"]
                if kind == "seen":
                    data = json.loads(row["r_data"])
                    seen[(row["r_tenant"], row["r_name"])] = StoredOutcome(
                        tenant=row["r_tenant"], message_id=row["r_name"], status=row["r_type"],
                        reason=data["reason"], detail=data["detail"], events=data["events"])
                elif kind == "event":
                    events = history[(row["r_tenant"], row["r_stream"])]
                    events.append((row["r_version"], row["r_type"], json.loads(row["r_data"])))
                    events.sort(key=lambda event: event[0])
                else:
                    found_keys[(row["r_tenant"], row["r_name"])] = row["r_key"]

        async def round_on(conn: asyncpg.Connection) -> tuple[_Plan, dict[tuple[str, str], bytes], list[Any]]:
            plan = _decide_all(batch, seen, history, known)
            created = self._seal_personal_fields(plan.write, found_keys)
            expected = [(t, s, _version_after(known[(t, s)], history[(t, s)])) for t, s in streams]
            unseen = [key for key in ids if key not in seen]
            rows = await self.store.append(conn, targets, reads, unseen, expected, created, plan.write, door)
            return plan, created, rows

        async with self.pool.acquire() as conn:
            try:
                plan, created, rows = await round_on(conn)  # its own implicit transaction
                if not _written(rows) and not _contended(rows, known):
                    # Only what this process had not cached (or a repeated message id): once more with
                    # what the log told, still optimistic.
                    learn(rows)
                    plan, created, rows = await round_on(conn)
                if not _written(rows):
                    await conn.execute("BEGIN")  # the append statement takes the locks, held to the end
                    for _ in range(MAX_LOOKUPS):
                        learn(rows)
                        plan, created, rows = await round_on(conn)
                        if _written(rows):
                            break
                    else:  # message ids or keys kept appearing: the caller's retry starts afresh
                        raise asyncpg.SerializationError("the message ids of this batch kept changing")
                    await conn.execute("COMMIT")
            except asyncpg.PostgresError as error:
                if isinstance(error, asyncpg.PostgresConnectionError | asyncpg.OperatorInterventionError):
                    _discard(conn)
                else:  # the server refused a statement: the connection itself is fine
                    with contextlib.suppress(Exception):
                        await conn.execute("ROLLBACK")
                raise
            except BaseException:
                # Lost connection, client-side protocol error or cancellation: the connection's state is
                # unknown, so it is closed (the pool opens a new one); the server rolls the transaction back.
                _discard(conn)
                raise
        self.store.keys.remember({**found_keys, **created})
        self._states.update(plan.states)
        refs = {(r["r_tenant"], r["r_name"]): {"stream": r["r_stream"], "version": r["r_version"],
                                               "position": r["r_position"]} for r in rows}
        return plan.outcomes(refs)

    def _seal_personal_fields(
        self, write: _WriteWithSubjects, found: dict[tuple[str, str], bytes | None]
    ) -> dict[tuple[str, str], bytes]:
        """Encrypt personal fields in place; the keys this batch creates (new subjects) come back."""
        personal = [(e, s) for e, s in write.subjects if PERSONAL_FIELDS.get(e.type)]
        if not personal:
            return {}
        wanted = {(e.tenant, s) for e, s in personal}
        keys = self.store.keys.cached(wanted)
        keys.update({pair: found[pair] for pair in wanted if pair in found})
        created = {pair: new_key() for pair in wanted if pair not in keys}
        keys.update(created)
        for event, subject in personal:
            event.data = seal_fields(event.data, PERSONAL_FIELDS[event.type], keys[(event.tenant, subject)],
                                     event.tenant, subject)
        return created

    async def _poke_listeners(self) -> None:
        """Wake projection runners; NOTIFY serialises commits, so it is sent at most every 50 ms."""
        now = time.monotonic()
        if now - self._last_notify >= 0.05:
            self._last_notify = now
            # Best effort: the batch is committed whatever happens here, and runners poll as well.
            with contextlib.suppress(Exception):
                await self.pool.execute(f"NOTIFY {NOTIFY_CHANNEL}")
        elif not self._notify_pending:
            self._notify_pending = True
            asyncio.get_running_loop().call_later(0.05, lambda: asyncio.ensure_future(self._delayed_notify()))

    async def _delayed_notify(self) -> None:
        self._notify_pending = False
        self._last_notify = time.monotonic()
        with contextlib.suppress(Exception):  # runners poll as well
            await self.pool.execute(f"NOTIFY {NOTIFY_CHANNEL}")


@dataclass(frozen=True, slots=True)
class StreamState:
    version: int
    state: Any


def _written(rows: list[Any]) -> bool:
    """Whether an append statement wrote (its rows are the appended events, or none at all)."""
    return not rows or rows[0]["r_kind"] == "written"


def _contended(rows: list[Any], known: dict[tuple[str, str], StreamState | None]) -> bool:
    """Whether another writer moved a stream this process knew: then the next round takes the locks."""
    return any(row["r_kind"] == "event" and known.get((row["r_tenant"], row["r_stream"])) is not None
               for row in rows)


def _version_after(cached: StreamState | None, newer: list[tuple[int, str, dict[str, Any]]]) -> int:
    if newer:
        return newer[-1][0]
    return cached.version if cached is not None else 0


class StreamStateCache:
    """Folded stream states this process has seen committed, so a batch reads only newer events.

    A stale entry is harmless: the batch always reads every event after the cached version (under the
    stream lock for targets), so the cache only saves work, it never decides anything.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._entries: OrderedDict[tuple[str, str], StreamState] = OrderedDict()
        self._capacity = capacity

    def get(self, key: tuple[str, str]) -> StreamState | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def update(self, states: dict[tuple[str, str], StreamState]) -> None:
        for key, entry in states.items():
            current = self._entries.get(key)
            if current is None or entry.version > current.version:
                self._entries[key] = entry
                self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


class _WriteWithSubjects(WriteBatch):
    def __init__(self) -> None:
        super().__init__()
        self.subjects: list[tuple[PendingEvent, str]] = []


@dataclass
class _Plan:
    write: _WriteWithSubjects
    results: list[tuple[str, Any]]  # ("accepted", key) | ("rejected", outcome) | ("duplicate", first)
    batch: Sequence[Prepared]
    states: dict[tuple[str, str], StreamState]

    def outcomes(self, refs: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
        built: list[dict[str, Any]] = []
        for prepared, (kind, value) in zip(self.batch, self.results, strict=True):
            if kind == "accepted":
                built.append({"status": "accepted", "tenant": prepared.tenant, "message_id": prepared.message_id,
                              "events": [refs[value]]})
            elif kind == "rejected":
                built.append(value)
            elif isinstance(value, int):  # the first one is earlier in this batch
                built.append(_duplicate(prepared, built[value]))
            else:
                built.append(_duplicate(prepared, value.as_json()))
        return built


def _duplicate(prepared: Prepared, first: dict[str, Any]) -> dict[str, Any]:
    first = first if first["status"] != "duplicate" else first["first"]
    return {"status": "duplicate", "tenant": prepared.tenant, "message_id": prepared.message_id, "first": first}


def _decide_all(
    batch: Sequence[Prepared],
    seen: dict[tuple[str, str], StoredOutcome],
    history: dict[tuple[str, str], list[tuple[int, str, dict[str, Any]]]],
    known: dict[tuple[str, str], StreamState | None],
) -> _Plan:
    states: dict[tuple[str, str], Any] = {}
    versions: dict[tuple[str, str], int] = {}
    for stream_key, events in history.items():
        cached = known.get(stream_key)
        state = cached.state if cached else initial_state(stream_key[1])
        version = cached.version if cached else 0
        for event_version, event_type, data in events:
            state = evolve(state, event_type, data)
            version = event_version
        states[stream_key] = state
        versions[stream_key] = version
    write = _WriteWithSubjects()
    results: list[tuple[str, Any]] = []
    first_in_batch: dict[tuple[str, str], int] = {}
    for index, prepared in enumerate(batch):
        key: tuple[str, str] | None = prepared.key
        if key is not None and key in seen:
            results.append(("duplicate", seen[key]))
            write.duplicates.append(key)
            continue
        if key is not None and key in first_in_batch:
            results.append(("duplicate", first_in_batch[key]))
            write.duplicates.append(key)
            continue
        if key is not None:
            first_in_batch[key] = index
        rejection = prepared.rejection
        if rejection is None:
            assert prepared.message is not None and prepared.tenant is not None
            tenant = prepared.tenant
            try:
                new_events = decide(prepared.message, {s: states[(tenant, s)] for s in prepared.streams})
            except Rejected as refused:
                rejection = refused
            else:
                envelope = prepared.message.envelope
                for new in new_events:
                    stream_key = (tenant, new.stream)
                    versions[stream_key] = versions.get(stream_key, 0) + 1
                    states[stream_key] = evolve(states.get(stream_key, initial_state(new.stream)), new.type, new.data)
                    pending = PendingEvent(tenant=tenant, stream=new.stream, version=versions[stream_key],
                                           type=new.type, occurred_at=envelope.occurred_at,
                                           message_id=envelope.message_id, actor=envelope.actor, data=new.data)
                    write.events.append(pending)
                    if new.subject is not None:
                        write.subjects.append((pending, new.subject))
                write.outcomes.append(PendingOutcome(tenant, envelope.message_id, "accepted",
                                                     message_type=envelope.type))
                results.append(("accepted", key))
                continue
        outcome = {"status": "rejected", "tenant": prepared.tenant, "message_id": prepared.message_id,
                   "reason": rejection.reason.value, "detail": rejection.detail}
        message_type = prepared.message.envelope.type if prepared.message is not None else None
        write.outcomes.append(PendingOutcome(prepared.tenant, prepared.message_id, "rejected",
                                             reason=rejection.reason.value, detail=rejection.detail,
                                             message_type=message_type, raw=prepared.raw,
                                             raw_size=len(prepared.raw)))
        results.append(("rejected", outcome))
    folded = {key: StreamState(versions[key], state) for key, state in states.items()}
    return _Plan(write=write, results=results, batch=batch, states=folded)


__all__ = ["Intake", "Prepared", "prepare", "event_data"]
