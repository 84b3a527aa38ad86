"""What `audit verify` reports (CONTRACT §6): one problem per finding, with its kind, stream, version,
position and a sentence.

- ``changed``  an event does not hash to its stored hash (a column was updated), or its successor chains
  to another hash than its own (it was rewritten with a recomputed hash), or a checkpoint does not hold;
- ``removed``  a version of a stream is missing (a gap), or a signed head is gone;
- ``inserted`` an event without a hash (the log's trigger never saw it), a second event of a version,
  an event at or before a checkpoint's cursor that the checkpoint did not sign, an event no accepted
  message lists;
- ``reordered`` an event stands where another one was appended (its hash holds at that other place,
  or it comes after a later version of its stream);
- ``unsigned_tail`` (a warning) events after the last checkpoint: their chain holds, no signature yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["UNHASHED_DETAIL", "Problem"]

UNHASHED_DETAIL = "the event does not hash to its stored hash: a column was changed"


@dataclass(frozen=True)
class Problem:
    kind: str
    stream: str | None
    version: int | None
    position: int | None
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "stream": self.stream, "version": self.version, "position": self.position,
                "detail": self.detail}
