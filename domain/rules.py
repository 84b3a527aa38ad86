"""The contract's constants, each defined once; every layer (deciders, intake, projections' SQL, doors)
takes them from here."""

from __future__ import annotations

from typing import Final

MAX_MESSAGE_BYTES: Final = 64 * 1024
"""A message larger than this is rejected with ``too_large`` before it is parsed (contract §1)."""

DEFAULT_CYCLE_START_MONTH: Final = 3
"""The month a cycle starts in when no strategy is in force (contract §2, §4)."""

DEFAULT_COMPLETION_TARGET: Final = 0.85
"""The agreement completion target when no strategy is in force (contract §2, §4)."""

LAST_12_MONTHS_DAYS: Final = 365
""""Last 12 months" is the 365 days ending on the as-of date, inclusive (contract §4)."""

SHARING_LAG_DAYS: Final = 30
"""Knowledge sharing looks at completions of the 365 days ending this many days before the as-of date,
and counts a sharing within this many days of the completion (contract §4)."""

DEFAULT_REJECTION_RETENTION_DAYS: Final = 90
"""Raw bodies of rejected messages are dropped after this many days unless EDUPLAN_REJECTION_RETENTION_DAYS
says otherwise; reason, detail and ids stay (contract §3)."""
