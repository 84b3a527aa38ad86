"""The as-of dates a KPI read asks about, the windows each one opens, and how facts are counted on them.

Every KPI read is one statement over one projection version (``{s}``) for one tenant ($1), asked for a
list of as-of dates ($2, ``date[]``): a document asks for one (and the day before its cycle), a series for
many. ``w`` holds a row per date (``as_of``) with the windows CONTRACT.md §4 defines on it — the cycle of
the strategy in force, the last 12 months, the knowledge-sharing window — and the completion target.

Counting is by spans: a family of keys (``families``) turns each fact into the dates it counts on, as a
span [from, to) per figure ("counted while active", "counted for the 365 days after its completion", …).
Within a run of asked dates that share one cycle (a ``piece``) every window is a fixed interval or moves
with the date, so every definition is such a span. A span adds to every asked date it contains: the
families count their spans by where they begin and end among the asked dates (``bucket``), and the reader
sums those edges in date order. Facts are read once, however many dates are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules import DEFAULT_COMPLETION_TARGET, DEFAULT_CYCLE_START_MONTH, LAST_12_MONTHS_DAYS, SHARING_LAG_DAYS
from projections.kpi.sql import covers, cycle_end, cycle_start

__all__ = ["cycle_end", "cycle_start"]


def _windows(name: str, points: str) -> str:
    """A CTE ``name``: the windows of every date of ``points`` under the strategy in force on it (the latest
    adopted on or before it; equal dates: accepted last), or the defaults before any."""
    month = f"coalesce(st.cycle_start_month, {DEFAULT_CYCLE_START_MONTH})"
    return f"""
{name} AS (
    SELECT p.as_of, c.cycle_start, {cycle_end("c.cycle_start")} AS cycle_end,
           coalesce(st.completion_target, {DEFAULT_COMPLETION_TARGET}) AS target
    FROM {points} p
    LEFT JOIN LATERAL (
        SELECT cycle_start_month, completion_target FROM {{s}}.strategies
        WHERE tenant = $1 AND adopted_on <= p.as_of
        ORDER BY adopted_on DESC, seq DESC
        LIMIT 1
    ) AS st ON true
    CROSS JOIN LATERAL (SELECT {cycle_start("p.as_of", month)} AS cycle_start) AS c
)"""


# "The last 12 months" of D: the 365 days ending on D. A fact dated X is in them for D in [X, X + YEAR).
YEAR = LAST_12_MONTHS_DAYS
# Knowledge sharing on D looks at completions of the 365 days ending SHARING_LAG_DAYS before D: a completion
# dated X is in that window for D in [X + SHARING_LAG_DAYS, X + SHARING_LAG_DAYS + YEAR).
SHARING_LAG = SHARING_LAG_DAYS

# The asked dates in order (width_bucket finds how many lie before a day), their first and last; and the
# pieces: runs of consecutive asked dates in one cycle, as spans [lo, hi) (cycle-bound keys count a fact
# on the dates of a piece whose cycle it falls in).
_GRID = """
grid AS (
    SELECT array_agg(as_of ORDER BY as_of) AS dates, min(as_of) AS first, max(as_of) AS last,
           min(cycle_start) AS first_cycle
    FROM w
), pieces AS (
    SELECT cycle_start, min(cycle_end) AS cycle_end, min(as_of) AS lo, max(as_of) + 1 AS hi
    FROM (SELECT as_of, cycle_start, cycle_end,
                 row_number() OVER (ORDER BY as_of) - row_number() OVER (PARTITION BY cycle_start ORDER BY as_of) AS run
          FROM w) AS runs
    GROUP BY cycle_start, run
)"""


def points(*, last_cycles: bool) -> str:
    """The CTEs ``w``, ``grid`` and ``pieces`` of the dates asked for, and with ``last_cycles`` also of the day
    before each one's cycle starts (the finished cycle's verdict is the document on that day)."""
    asked = "asked AS (SELECT DISTINCT unnest($2::date[]) AS as_of)"
    if not last_cycles:
        return f"{asked},{_windows('w', 'asked')},{_GRID}"
    return (
        f"{asked},{_windows('asked_w', 'asked')},\n"
        "points AS (SELECT as_of FROM asked UNION SELECT cycle_start - 1 FROM asked_w),"
        f"{_windows('w', 'points')},{_GRID}"
    )


# An employee's manager on X: the latest ManagerAssigned with assigned_on on or before X (no assigned_on: the
# employee's hired_on; equal dates: accepted last) — as spells like the departments' (an assignment followed
# by another on the same date yields an empty spell, which holds on no date).
MANAGER_SPELLS = """
manager_spells AS (
    SELECT employee_id, manager_id, valid_from,
           coalesce(lead(valid_from) OVER (PARTITION BY employee_id ORDER BY valid_from, seq),
                    'infinity'::date) AS valid_to
    FROM (
        SELECT a.employee_id, a.manager_id, a.seq, coalesce(a.assigned_on, e.hired_on) AS valid_from
        FROM {s}.manager_assignments a
        LEFT JOIN {s}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
        WHERE a.tenant = $1
    ) AS assigned
    WHERE valid_from IS NOT NULL
)"""


@dataclass(frozen=True)
class Scopes:
    """What facts are counted by: their department, and with ``by_manager`` also their employee's manager,
    each on the date the key takes it on. The company is every department together (every fact counted
    has exactly one department), so the reader adds the departments up.

    A tally row's ``level`` is 1 for a department, 2 for a manager.
    """

    by_manager: bool

    def manager(self, alias: str, employee: str, day: str) -> tuple[str, str]:
        """(SQL for the manager of ``employee`` on ``day``, the join it needs); null without ``by_manager``."""
        if not self.by_manager:
            return "NULL::text", ""
        join = f"LEFT JOIN manager_spells {alias} ON {alias}.employee_id = {employee} AND {covers(alias, day)}"
        return f"{alias}.manager_id", join

    @property
    def shared(self) -> str:
        """The CTEs the families of this grouping read besides ``w``, ``grid`` and ``pieces`` (with a leading
        comma), if any."""
        return f",{MANAGER_SPELLS}" if self.by_manager else ""

    def grouped(self, source: str, edges: list[str], counts: list[str]) -> str:
        """SQL: the rows of ``source`` counted per ``part`` (a column of it), scope (department, and manager) and
        ``edges`` (asked-date indexes, see ``bucket``): rows (part, level, scope, edges int[], counts numeric[]),
        ``level`` 1 for a department, 2 for a manager."""
        keys = ", ".join(["part", *edges])
        sets = f"GROUPING SETS ((department, {keys}), (manager, {keys}))" if self.by_manager \
            else f"department, {keys}"
        level, scope = ("1 + GROUPING(department)", "coalesce(department, manager)") if self.by_manager \
            else ("1", "department")
        return f"""
    SELECT part, {level} AS level, {scope} AS scope, ARRAY[{", ".join(edges)}]::int[] AS edges,
           ARRAY[{", ".join(counts)}]::numeric[] AS counts
    FROM {source}
    GROUP BY {sets}"""


def bucket(day: str) -> str:
    """SQL: how many asked dates lie before ``day`` — a span [a, b) holds on the asked dates from index
    bucket(a) up to, not including, bucket(b) (counted from 0)."""
    return f"width_bucket(({day}) - 1, (SELECT dates FROM grid))"
