"""The contract's constants, each defined once; every layer (deciders, intake, projections' SQL, doors)
takes them from here."""

from __future__ import annotations

from typing import Final

MAX_MESSAGE_BYTES: Final = 64 * 1024
"""A message larger than this is rejected with ``too_large`` before it is parsed (contract §1)."""

MAX_KEY_CHARS: Final = 200
"""The longest identifier (of an employee, booking, gap, agreement, run), department or competence, in
characters, as for message_id (contract §1); longer is an out-of-range value (``invalid_data``). These are keys
of the log's and the projections' indexes, and PostgreSQL cannot index a value of more than about 2,700 bytes."""

MAX_BUDDIES: Final = 200
"""The most buddies one booking may list (more is an out-of-range value, ``invalid_data``). Deciding a booking
reads every buddy's stream under a lock of its own, and PostgreSQL's lock table is shared by the whole server:
the thousands of buddies a 64 KiB message can name would exhaust it."""

MAX_HOURS: Final = 1_000_000
"""The most hours a course, a run or an attendance may have (more is an out-of-range value, ``invalid_data``,
contract §2). Far beyond any course; what matters is that sums of hours stay finite when the reads turn them
into JSON numbers (a double), as a value accepted once stays in the log for good."""

MAX_SEATS: Final = 1_000_000
"""The most seats a course run may have (more is an out-of-range value, ``invalid_data``, contract §8). The
projections keep seats as an integer: a value beyond one, accepted once, would stop them folding the log."""

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

# Planning (contract §8)

DEFAULT_AWAY_SHARE: Final = {"low": 0.25, "normal": 0.15, "busy": 0.05}
"""The share of a department's active employees that may be away on courses on a day of each month kind,
until a PlanningRulesSet says otherwise (contract §8)."""

DEFAULT_RUN_KIND: Final = "amu"
"""A course run's kind when its announcement names none (contract §8)."""

SEASONS: Final = ("low", "normal", "busy")
"""The month kinds of an annual wheel (contract §2)."""

SEASON_WITHOUT_WHEEL: Final = "normal"
"""The month kind of a day no wheel applies to (contract §8, H5)."""

SEASONS_WITH_ROOM: Final = frozenset({"low", "normal"})
"""Month kinds in which a department's cap is at least one person (contract §8, H5)."""

BUDDY_JOB_FAMILIES: Final = frozenset({"unskilled", "skilled"})
"""Job families that are sent on courses with a buddy (contract §4 buddy_share, §8 objective)."""

ASSIGNMENT_VALUE: Final = 1000
"""What one planned agreement is worth in the plan's objective (contract §8)."""

DAY_COST: Final = {"busy": 10, "normal": 1, "low": 0}
"""What each calendar day of a planned run costs in the objective, by the month kind of that day (contract §8)."""

BUDDY_BONUS: Final = 5
"""Objective bonus of an unskilled or skilled employee planned on a run with a colleague of the same
department (contract §8)."""

MAX_PLAN_YEARS: Final = 3
"""A plan's window [from, to] may span at most this many years (contract §8)."""

# The HR manager's actions (contract §7)

ACTION_KINDS: Final = ("agreement_overdue", "agreement_not_booked", "review_missing", "follow_up_due",
                       "check_in_missing", "sharing_missing", "substitute_missing", "buddy_missing")
"""The kinds of action the contract's table defines (the funding read adds ``funding_deadline`` and
``funding_unclaimed``)."""

UNBOOKED_AGREEMENT_DAYS: Final = 30
"""An open agreement with no live booking is an action this many days after agreed_on (contract §7)."""

REVIEW_INTERVAL_DAYS: Final = 366
"""A development review is missing this many days after the latest one (contract §7)."""

FIRST_REVIEW_DAYS: Final = 90
"""A development review is missing this many days after hired_on when there was none (contract §7)."""

CHECK_IN_MIN_DAYS: Final = 4
"""A course with ends_on − starts_on of at least this many days wants a manager check-in (contract §7)."""

CHECK_IN_GRACE_DAYS: Final = 14
"""A missing check-in is an action until this many days after the course ends (contract §7)."""

SHARING_DUE_DAYS: Final = 14
"""Knowledge sharing is missing from this many days after the completion (contract §7) …"""

SHARING_GIVEN_UP_DAYS: Final = 30
"""… until this many days after it."""

LOOKAHEAD_DAYS: Final = 60
"""Substitutes and buddies are asked for bookings that start within this many days (contract §7)."""
