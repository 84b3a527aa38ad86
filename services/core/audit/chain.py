"""Checking a tenant's log against its hash chain and its checkpoints — pure: events go in (in log order),
problems (services/core/audit/problems.py) come out. Used by `audit verify` on the database and on an
export file, and before a checkpoint signs new events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.audit import ZERO_HASH, event_hash
from services.core.audit.problems import UNHASHED_DETAIL, Problem
from services.core.audit.trust import Checkpoint

__all__ = ["ChainVerifier"]

_LARGEST_GAP = 100
"""A version further than this beyond its stream's head is reported as inserted, not as a run of removed ones."""
_MOST_PAIRS_TRIED = 200
_CONTENT = ("actor", "data", "message_id", "occurred_at", "recorded_at", "schema_version", "stream", "tenant", "type",
            "version")


def _swap_partner(event: dict[str, Any], mismatched: Sequence[dict[str, Any]]) -> int | None:
    """The position of the other row this one was swapped with, if one explains its hash: the row's
    content (with its hash) stands at the other's position; or the other row now holds this place's
    content (the hashes stayed); or one column was exchanged between the two."""
    stored = event["hash"]
    for other in mismatched:
        position = other["position"]
        if position == event["position"]:
            continue
        moved_here = (
            {**event, "position": position},
            {**event, "position": position, "transaction_id": other["transaction_id"]},
            {**other, "position": event["position"], "transaction_id": event["transaction_id"],
             "prev_hash": event["prev_hash"]},
            *({**event, field: other[field]} for field in _CONTENT),
        )
        if any(event_hash(candidate) == stored for candidate in moved_here):
            return int(position)
    return None


# A stream's head while reading: (version, stored hash, position, whether its own hash holds).
_Head = tuple[int, str | None, int, bool]


class ChainVerifier:
    """Feed a tenant's events in log order, then :meth:`finish` for the problems found. ``partial``: the
    events are a part of the log after a cursor; the links into what precedes are left to the caller
    (:attr:`starts`)."""

    def __init__(self, tenant: str, checkpoints: Sequence[Checkpoint] = (),
                 *, partial: bool = False, tail: bool = True) -> None:
        """``tail``: report the events past the last checkpoint (``unsigned_tail``, one problem per stream); a
        caller about to sign them (write_checkpoint) asks for none, and no stream's tail is kept."""
        self.tenant = tenant
        self.partial = partial
        self.tail = tail
        self.starts: list[tuple[str, int, str | None, int]] = []
        """with ``partial``: (stream, version, prev_hash, position) of streams first met past version 1"""
        self.checkpoints = list(checkpoints)
        self.events = 0
        self.problems: list[Problem] = []
        self._seen_problems: set[tuple[str, str | None, int | None, int | None]] = set()
        self._heads: dict[str, _Head] = {}
        self._missing: dict[str, set[int]] = {}
        self._mismatched: list[dict[str, Any]] = []
        self._next_checkpoint = 0
        # the streams moved since the last checkpoint: stream -> their first (version, position) since
        self._moved: dict[str, tuple[int, int]] = {}
        self._tail: dict[str, list[int]] = {}  # stream -> [first version, first position, count]

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None

    def _report(self, kind: str, stream: str | None, version: int | None, position: int | None, detail: str) -> None:
        key = (kind, stream, version, position)
        if key not in self._seen_problems:
            self._seen_problems.add(key)
            self.problems.append(Problem(kind, stream, version, position, detail))

    def feed(self, event: dict[str, Any]) -> None:
        place = (int(event["transaction_id"]), event["position"])
        while self._next_checkpoint < len(self.checkpoints) and place > self.checkpoints[self._next_checkpoint].cursor:
            self._close(self.checkpoints[self._next_checkpoint])
            self._next_checkpoint += 1
        self.events += 1
        stream, version, position, stored = event["stream"], event["version"], event["position"], event["hash"]
        sound = stored is not None and event_hash(event) == stored
        if stored is None:
            self._report("inserted", stream, version, position,
                         "the event has no hash: it was written past the log's trigger")
        elif not sound:
            self._mismatched.append(event)
        self._follow(event, stream, version, position, sound)
        if self.tail and self._next_checkpoint >= len(self.checkpoints):
            tail = self._tail.get(stream)
            if tail is None:
                self._tail[stream] = [version, position, 1]
            else:
                tail[2] += 1

    def _follow(self, event: dict[str, Any], stream: str, version: int, position: int, sound: bool) -> None:
        head = self._heads.get(stream)
        expected = head[0] + 1 if head is not None else 1
        if head is None and version > 1 and self.partial:  # a read that starts within the stream
            self.starts.append((stream, version, event["prev_hash"], position))
        elif version == expected:
            self._check_link(event, head, sound)
        elif version > expected:
            if version - expected > _LARGEST_GAP:
                self._report("inserted", stream, version, position,
                             f"version {version} follows version {expected - 1} of its stream")
                return
            self._missing.setdefault(stream, set()).update(range(expected, version))
        else:
            missing = self._missing.get(stream)
            if missing is not None and version in missing:
                missing.discard(version)
                self._report("reordered", stream, version, position,
                             f"version {version} comes after version {expected - 1} of its stream in the log")
            else:
                self._report("inserted", stream, version, position,
                             f"a second event of version {version} of its stream")
            return
        self._heads[stream] = (version, event["hash"], position, sound)
        self._moved.setdefault(stream, (version, position))

    def _check_link(self, event: dict[str, Any], head: _Head | None, sound: bool) -> None:
        stream, version, position, prev = event["stream"], event["version"], event["position"], event["prev_hash"]
        if head is None:
            if prev != ZERO_HASH and sound:
                self._report("changed", stream, version, position,
                             "version 1 of its stream chains to an earlier event")
            return
        head_version, head_hash, head_position, head_sound = head
        if prev != head_hash and head_hash is not None and head_sound and sound:
            self._report("changed", stream, head_version, head_position,
                         f"version {version} (position {position}) chains to {str(prev)[:12]}…, but this event"
                         f" hashes to {head_hash[:12]}…: one of the two was rewritten with a new hash")

    def _close(self, checkpoint: Checkpoint) -> None:
        """The log has been read up to the checkpoint's cursor: its signed heads must be the log's."""
        reported = len(self.problems)
        for stream, (version, signed_hash, position) in checkpoint.heads.items():
            head = self._heads.get(stream)
            where = f"checkpoint {checkpoint.seq} (cursor {checkpoint.cursor_text}) signed version {version}"
            if head is None or head[0] < version:
                self._report("removed", stream, version, position,
                             f"{where} as the stream's head; the log has "
                             + (f"only up to version {head[0]}" if head else "no event of the stream"))
                self._missing.get(stream, set()).discard(version)
            elif head[0] > version:
                self._report("inserted", stream, head[0], head[2],
                             f"{where} as the stream's head; the log has version {head[0]} at or before that cursor")
            elif head[1] != signed_hash:
                self._report("changed", stream, version, head[2],
                             f"{where} with hash {signed_hash[:12]}…; the log's event has {str(head[1])[:12]}…")
        for stream, (version, position) in self._moved.items():
            if stream not in checkpoint.heads:
                self._report("inserted", stream, version, position,
                             f"the event is at or before checkpoint {checkpoint.seq}'s cursor"
                             f" ({checkpoint.cursor_text}), which signed no change of its stream")
        if len(self.problems) == reported and self.events != checkpoint.events:
            kind = "removed" if self.events < checkpoint.events else "inserted"
            self._report(kind, None, None, checkpoint.cursor[1],
                         f"checkpoint {checkpoint.seq} counted {checkpoint.events} events up to its cursor;"
                         f" the log has {self.events}")
        self._moved = {}

    def finish(self) -> list[Problem]:
        while self._next_checkpoint < len(self.checkpoints):
            self._close(self.checkpoints[self._next_checkpoint])
            self._next_checkpoint += 1
        self._classify_mismatched()
        for stream, versions in self._missing.items():
            for version in sorted(versions):
                self._report("removed", stream, version, self._signed_position(stream, version),
                             f"version {version} of its stream is missing from the log")
        last = self.last_checkpoint
        for stream, (version, position, count) in self._tail.items():
            since = f"the last checkpoint ({last.cursor_text})" if last else "any checkpoint"
            self._report("unsigned_tail", stream, version, position,
                         f"{count} event(s) of this stream from version {version} on came after {since}"
                         " and are not signed yet")
        return self.problems

    def _signed_position(self, stream: str, version: int) -> int | None:
        for checkpoint in self.checkpoints:
            head = checkpoint.heads.get(stream)
            if head is not None and head[0] == version:
                return head[2]
        return None

    def _classify_mismatched(self) -> None:
        """A mismatched event that another mismatched event explains was swapped with it: reordered.
        The rest were changed."""
        if len(self._mismatched) > _MOST_PAIRS_TRIED:  # a mass rewrite: each is simply changed
            swapped: dict[int, int] = {}
        else:
            swapped = {e["position"]: other for e in self._mismatched
                       if (other := _swap_partner(e, self._mismatched)) is not None}
        for event in self._mismatched:
            position = event["position"]
            if position in swapped:
                self._report("reordered", event["stream"], event["version"], position,
                             f"this row and the row at position {swapped[position]} were swapped: each holds what"
                             " was appended at the other's place")
            else:
                self._report("changed", event["stream"], event["version"], position, UNHASHED_DETAIL)

    def unresolved_removals(self) -> list[tuple[str, int]]:
        """(stream, version) of removed events whose position is not known here."""
        return [(p.stream, p.version) for p in self.problems
                if p.kind == "removed" and p.position is None and p.stream is not None and p.version is not None]
