"""`eduplan worker` that dies (exit code 86, no clean-up) the first time it is about to copy rejected messages
with a message id to the dead-letter topic: after their outcomes are stored, before the broker has
acknowledged the copies.

Test-only: the crash tests run it as a script in place of `eduplan worker`."""

from __future__ import annotations

import os
import sys
from typing import Any

from infra.kafka import dead_letters
from services.doors.cli import main

CRASHED = 86


_send = dead_letters.send_dead_letters


async def _die(publisher: Any, records: Any, outcomes: Any) -> int:
    """Dies at the first copy of a rejection that has a message id (one a redelivery makes a duplicate)."""
    if any(o.get("message_id") for o in outcomes):
        os._exit(CRASHED)
    return await _send(publisher, records, outcomes)


if __name__ == "__main__":
    dead_letters.send_dead_letters = _die  # type: ignore[assignment]
    sys.exit(main(["worker"]))
