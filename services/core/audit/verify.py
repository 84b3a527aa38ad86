"""`audit verify`: a tenant's log against its chain and signed checkpoints, from the database or offline
from an export file (CONTRACT §6, docs/audit.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from infra import audit as log_audit
from infra.audit import StoredCheckpoint, loads_exact
from services.core.audit.chain import ChainVerifier
from services.core.audit.keys import NONE, AuditKeys
from services.core.audit.problems import UNHASHED_DETAIL, Problem
from services.core.audit.trust import Checkpoint, trusted_checkpoints

FORGED_DETAIL = ("the event does not hash to its stored hash, and no accepted message lists an event at its"
                 " position: it was not appended by eduplan")

UNLIKE_OUTCOME_DETAIL = ("the event hashes to its stored hash, but the outcome of the message that appended it"
                         " recorded another hash: the row was rewritten and its hash recomputed")

__all__ = ["ExportUnreadable", "Report", "verify_file", "verify_tenant"]


class ExportUnreadable(ValueError):
    """The file is not an eduplan audit export."""


@dataclass
class Report:
    events: int
    checkpoint: Checkpoint | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return all(problem.kind == "unsigned_tail" for problem in self.problems)

    def as_json(self) -> dict[str, Any]:
        problems = [problem.as_json() for problem in self.problems]
        if not self.intact:
            return {"status": "broken", "problems": problems}
        body: dict[str, Any] = {"status": "intact", "events": self.events,
                                "checkpoint": self.checkpoint.cursor_text if self.checkpoint else None}
        if self.checkpoint is not None and self.checkpoint.scheme == NONE:
            body["signature"] = NONE  # the checkpoints pin the heads, but nobody signed them
        if problems:
            body["problems"] = problems  # unsigned_tail warnings only
        return body


def _check(tenant: str, stored: list[StoredCheckpoint], events: Iterable[dict[str, Any]], keys: AuditKeys) -> Report:
    checkpoints, problems = trusted_checkpoints(stored, tenant, keys)
    verifier = ChainVerifier(tenant, checkpoints)
    for event in events:
        verifier.feed(event)
    return Report(verifier.events, verifier.last_checkpoint, problems + verifier.finish())


async def verify_tenant(pool: asyncpg.Pool, tenant: str, keys: AuditKeys) -> Report:
    """Verify the tenant's log as one snapshot of the database."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        stored = await log_audit.read_checkpoints(conn, tenant)
        checkpoints, problems = trusted_checkpoints(stored, tenant, keys)
        verifier = ChainVerifier(tenant, checkpoints)
        async for event in log_audit.read_tenant_events(conn, tenant, prefetch=5000):
            verifier.feed(event)
        problems = await _unlisted_as_inserted(conn, tenant, problems + verifier.finish())
        problems += await _witnessed(conn, tenant, verifier, problems)
        unknown = verifier.unresolved_removals()
        if unknown:  # where the removed events were appended: the outcomes of their messages say
            found = await log_audit.positions_on_record(conn, tenant, unknown)
            problems = [_placed(p, found) for p in problems]
    return Report(verifier.events, verifier.last_checkpoint, problems)


# How much earlier than its checkpoint an append still missing from it may have begun (appends are short).
_APPENDS_LAST_AT_MOST = timedelta(hours=1)


async def _witnessed(conn: asyncpg.Connection, tenant: str, verifier: ChainVerifier,
                     problems: list[Problem]) -> list[Problem]:
    """What the outcomes show of the unsigned tail: events no outcome lists (forged), events whose hash is not
    the one their outcome recorded (changed), and events an outcome lists that the log lacks (removed)."""
    last = verifier.last_checkpoint
    after = last.cursor if last is not None else (0, 0)
    since = last.created_at - _APPENDS_LAST_AT_MOST if last is not None and last.created_at else None
    named = {(p.stream, p.version) for p in problems if p.kind != "unsigned_tail"}
    found: list[Problem] = []
    for stream, version, position in await log_audit.events_no_outcome_lists(conn, tenant, after):
        if (stream, version) not in named:
            found.append(Problem("inserted", stream, version, position,
                                 "no accepted message lists this event: it was not appended by eduplan"))
    for stream, version, position in await log_audit.events_unlike_their_outcome(conn, tenant, after):
        if (stream, version) not in named:
            found.append(Problem("changed", stream, version, position, UNLIKE_OUTCOME_DETAIL))
    for stream, version, position in await log_audit.listed_events_missing(conn, tenant, since):
        if (stream, version) not in named:
            found.append(Problem("removed", stream, version, position,
                                 "the outcome of the message that appended this event lists it; the log lacks it"))
    return found


async def _unlisted_as_inserted(conn: asyncpg.Connection, tenant: str, problems: list[Problem]) -> list[Problem]:
    """A row that does not hash to its hash, at a position no accepted message lists, was never appended by
    eduplan: inserted, not changed."""
    suspects = [p.position for p in problems if p.kind == "changed" and p.stream is not None and p.position is not None
                and p.detail == UNHASHED_DETAIL]
    listed = await log_audit.positions_listed(conn, tenant, suspects)
    return [Problem("inserted", p.stream, p.version, p.position, FORGED_DETAIL)
            if p.position in suspects and p.position not in listed and p.detail == UNHASHED_DETAIL else p
            for p in problems]


def _placed(problem: Problem, found: dict[tuple[str, int], int]) -> Problem:
    if problem.kind != "removed" or problem.position is not None or problem.stream is None or problem.version is None:
        return problem
    position = found.get((problem.stream, problem.version))
    if position is None:
        return problem
    return Problem(problem.kind, problem.stream, problem.version, position, problem.detail)


def verify_file(path: Path, keys: AuditKeys, tenant: str | None = None) -> Report:
    """Verify an export offline: no database, only the key (the public key for Ed25519). Two passes over
    the file (its checkpoints, then its events), so an export of any size is checked in little memory."""
    try:
        with path.open("rb") as lines:
            first = lines.readline()
        try:
            header = json.loads(first or b"null")
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
            raise ExportUnreadable(f"{path} is not an eduplan audit export (no {EXPORT_FORMAT} on its first line)")
        exported = header["tenant"]
        if tenant is not None and tenant != exported:
            raise ExportUnreadable(f"{path} is the export of tenant {exported!r}, not {tenant!r}")
        stored = [StoredCheckpoint(item["tenant"], item["seq"], item["body"], item["scheme"], item.get("key_id"),
                                   item.get("signature"))
                  for item in _items(path) if item.get("kind") == "checkpoint"]
        return _check(exported, stored, (item for item in _items(path) if item.get("kind") == "event"), keys)
    except ExportUnreadable:
        raise
    except OSError as error:
        raise ExportUnreadable(f"cannot read {path}: {error.strerror}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise ExportUnreadable(f"{path}: a line is not an event or checkpoint of an export ({error!r})") from None


def _items(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as lines:
        lines.readline()
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                item = loads_exact(line)
            except ValueError:
                raise ExportUnreadable(f"{path}:{number} is not JSON") from None
            if not isinstance(item, dict) or item.get("kind") not in ("event", "checkpoint"):
                raise ExportUnreadable(f"{path}:{number} is neither an event nor a checkpoint")
            yield item


EXPORT_FORMAT = "eduplan-audit-export/1"
