"""Folded stream states this process has seen committed, so a batch reads only newer events."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.decider import State

StreamKey = tuple[str, str]
"""(tenant, stream)"""


@dataclass(frozen=True, slots=True)
class StreamState:
    version: int
    state: State | Any


class StreamStateCache:
    """The most recently used stream states, up to ``capacity`` (about 0.5 kB each).

    A stale entry is harmless: every append checks the versions it was decided against under the
    streams' locks, so the cache only saves reading, it never decides anything.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._entries: OrderedDict[StreamKey, StreamState] = OrderedDict()
        self._capacity = capacity

    def get(self, key: StreamKey) -> StreamState | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def beliefs(self, keys: Iterable[StreamKey]) -> dict[StreamKey, StreamState | None]:
        """What this process believes of each of these streams (None: nothing cached)."""
        return {key: self.get(key) for key in keys}

    def update(self, states: Mapping[StreamKey, StreamState]) -> None:
        for key, entry in states.items():
            current = self._entries.get(key)
            if current is None or entry.version > current.version:
                self._entries[key] = entry
                self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def hold_at_most(self, capacity: int) -> None:
        """Keep at most ``capacity`` streams from now on (the least recently used go first)."""
        self._capacity = capacity
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
