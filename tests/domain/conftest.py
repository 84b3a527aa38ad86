"""Domain specs import the project's ``domain`` package; make sure the repository root wins over this
test folder of the same name when the project is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
