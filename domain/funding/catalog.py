"""The funding schemes this process knows: installed once at start-up from the loaded rules.

Messages name a scheme by its id; one the rules do not define is invalid data, like an unknown enum value.
The catalog is process-wide because the message models are validated without context; the composition root
installs it before any door takes a message.
"""

from __future__ import annotations

import re
from typing import Final

SCHEME_ID: Final = re.compile(r"[a-z][a-z0-9-]{0,39}")
"""How a scheme id is written: lowercase letters, digits and hyphens, starting with a letter."""

_installed: frozenset[str] = frozenset()


def install_schemes(scheme_ids: frozenset[str]) -> None:
    global _installed
    _installed = frozenset(scheme_ids)


def known_schemes() -> frozenset[str]:
    return _installed
