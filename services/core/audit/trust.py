"""Which checkpoints of a tenant to trust: each names the digest of its predecessor's body and carries a
signature (or none) that the configured keys must check (services/core/audit/keys.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.audit import ZERO_HASH, StoredCheckpoint
from services.core.audit.keys import NONE, AuditKeys
from services.core.audit.problems import Problem

__all__ = ["CHECKPOINT_FORMAT", "Checkpoint", "body_digest", "trusted_checkpoints"]

CHECKPOINT_FORMAT = "eduplan-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature and place in the sequence hold."""

    seq: int
    cursor: tuple[int, int]
    events: int
    heads: dict[str, tuple[int, str, int]]
    """the streams whose head moved since the previous checkpoint: stream -> (version, hash, position)"""
    scheme: str
    created_at: datetime | None = None

    @property
    def cursor_text(self) -> str:
        return f"{self.cursor[0]}-{self.cursor[1]}"


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _cursor(text: str) -> tuple[int, int]:
    xid, position = text.split("-", 1)
    return int(xid), int(position)


def trusted_checkpoints(
    stored: Sequence[StoredCheckpoint], tenant: str, keys: AuditKeys
) -> tuple[list[Checkpoint], list[Problem]]:
    """The checkpoints to trust, in order, and what is wrong with the others.

    Each checkpoint names the digest of its predecessor, so a valid signature on one vouches for all
    before it. Under a configured key an unsigned checkpoint (written before the key was set) is trusted
    only through a signed successor, and only before the first signed one; a checkpoint whose signature
    fails, or that breaks the sequence, is a problem, and nothing from it on is trusted."""
    parsed: list[Checkpoint] = []
    problems: list[Problem] = []
    trusted = 0
    signed = 0  # the last checkpoint whose signature held
    previous = ZERO_HASH
    for index, stored_cp in enumerate(stored):
        seq = index + 1
        try:
            body = json.loads(stored_cp.body)
            cursor = _cursor(body["cursor"])
            heads = {s: (int(v), str(h), int(p)) for s, v, h, p in body["heads"]}
        except (ValueError, KeyError, TypeError) as error:
            problems.append(_checkpoint_problem("changed", stored_cp.seq, None, f"its body cannot be read ({error})"))
            break
        if stored_cp.seq != seq:
            problems.append(_checkpoint_problem("removed", seq, cursor[1],
                                                f"the checkpoints jump from {seq - 1} to {stored_cp.seq}"))
            break
        if body.get("seq") != seq or body.get("tenant") != tenant or body.get("format") != CHECKPOINT_FORMAT:
            problems.append(_checkpoint_problem("changed", seq, cursor[1], "its body names another place"))
            break
        if body.get("previous") != previous:
            problems.append(_checkpoint_problem("changed", seq, cursor[1],
                                                f"it does not follow checkpoint {seq - 1} as that one reads now"))
            break
        why = keys.check(stored_cp.scheme, stored_cp.key_id, stored_cp.signature, stored_cp.body.encode("utf-8"))
        unsigned_under_key = stored_cp.scheme == NONE and keys.can_check
        if unsigned_under_key and signed:
            # Only the checkpoints from before a key was set may be unsigned: one after a signed checkpoint
            # could be anyone's, and a signed successor (the checkpointer chains onto whatever is last) would
            # vouch for the heads it claims.
            problems.append(_checkpoint_problem("changed", seq, cursor[1],
                                                f"it is unsigned, yet checkpoint {signed} before it was signed"))
            break
        if why is not None and not unsigned_under_key:
            problems.append(_checkpoint_problem("changed", seq, cursor[1], why))
            break
        parsed.append(Checkpoint(seq, cursor, int(body["events"]), heads, stored_cp.scheme, _moment(body)))
        if why is None:
            trusted = len(parsed)
            if stored_cp.scheme != NONE:
                signed = seq
        previous = body_digest(stored_cp.body)
    return parsed[:trusted], problems


def _moment(body: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(body["created_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def _checkpoint_problem(kind: str, seq: int, position: int | None, why: str) -> Problem:
    return Problem(kind, None, None, position, f"checkpoint {seq}: {why}")
