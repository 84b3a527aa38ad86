"""The families of KPI keys: each turns its facts into the spans of dates they count on (see ``windows``),
counted by where the spans begin and end among the asked dates, in a CTE ``<family>_edges``.

Every figure is named like a field of ``document.Tally``; every key of CONTRACT.md §4 and §7 is a ratio of
two of them, or one of them. Each family is SQL (the spans, counted) and a reader of its rows (``spans``:
which figure each count adds to, from which edge to which); the comments give each figure's span for an
as-of date D, from the contract's definition. "In piece": on the asked dates of a run that shares one cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from projections.kpi.sql import INFINITY, STRATEGY_SPELLS, due_by, strategy_on_agreed
from projections.kpi.windows import SHARING_LAG, YEAR, Scopes, bucket

Span = tuple[str, int, int, Decimal]
"""(figure, first edge, edge after the last, amount): the amount adds to the figure on the asked dates with
index first ≤ i < after."""

# Committee meetings of the last 12 months, per asked date (the company only; meetings are few).
COMMITTEE = f"""
committee AS (
    SELECT w.as_of, count(c.seq) AS meetings
    FROM w LEFT JOIN {{s}}.committee_meetings c
      ON c.tenant = $1 AND c.held_on BETWEEN w.as_of - {YEAR - 1} AND w.as_of
    GROUP BY w.as_of
)"""


def _employees_sql(scopes: Scopes) -> str:
    """Employees active on D, counted in their department (and under their manager) on D.

    ``placed``: an employee counts in a department while active ([hired_on, left_on)) and in it (a spell).
    What each employee brings, wherever placed (``worked``), is cut to their placements:
    - hours: each completion's hours_attended for [completed_on, +365); participants: a completion in the
      last 12 months — the latest completion up to D is at most 364 days old: each completion counts from
      its date until the next one, for at most 365 days (``to2_on``);
    - covered: a development review in [cycle start, D] — the latest review (latest held_on, equal dates:
      accepted last) is in the cycle: each review counts from its held_on until the next one, in pieces
      whose cycle starts on or before it; education_items: the same, for reviews with an education item;
    - open_gaps: [identified_on, closed on); closed_gaps: closed on in [cycle start, D], in piece.
    """
    manager_placements = ""
    if scopes.by_manager:
        manager_placements = f"""
    UNION ALL
    SELECT e.employee_id, NULL, m.manager_id, GREATEST(e.hired_on, m.valid_from),
           LEAST(coalesce(e.left_on, {INFINITY}), m.valid_to)
    FROM {{s}}.employees e JOIN manager_spells m ON m.employee_id = e.employee_id
    WHERE e.tenant = $1 AND e.hired_on IS NOT NULL"""
    return f"""
placed AS MATERIALIZED (
    SELECT e.employee_id, s.department, NULL::text AS manager, GREATEST(e.hired_on, s.valid_from) AS lo,
           LEAST(coalesce(e.left_on, {INFINITY}), s.valid_to) AS hi
    FROM {{s}}.employees e
    JOIN {{s}}.department_spells s ON s.tenant = e.tenant AND s.employee_id = e.employee_id
    WHERE e.tenant = $1 {manager_placements}
), gap AS (
    SELECT employee_id, identified_on, closed_effective_on
    FROM {{s}}.gaps
    WHERE tenant = $1 AND employee_id IS NOT NULL
      AND (closed_effective_on IS NULL OR closed_effective_on >= (SELECT first_cycle FROM grid))
), worked AS (
    SELECT employee_id, 'completion' AS part, completed_on AS from_on, completed_on + {YEAR} AS to_on,
           LEAST(lead(completed_on) OVER (PARTITION BY employee_id ORDER BY completed_on),
                 completed_on + {YEAR}) AS to2_on,
           coalesce(hours_attended, hours) AS amount, NULL::boolean AS flag
    FROM {{s}}.bookings
    WHERE tenant = $1 AND completed_on BETWEEN (SELECT first FROM grid) - {YEAR - 1} AND (SELECT last FROM grid)
    UNION ALL
    SELECT r.employee_id, 'review', GREATEST(r.held_on, k.lo), LEAST(r.until, k.hi), NULL, NULL, r.education_item
    FROM (
        SELECT employee_id, held_on, education_item,
               coalesce(lead(held_on) OVER (PARTITION BY employee_id ORDER BY held_on, seq), {INFINITY}) AS until
        FROM {{s}}.reviews
        WHERE tenant = $1 AND held_on BETWEEN (SELECT first_cycle FROM grid) AND (SELECT last FROM grid)
    ) AS r
    JOIN pieces k ON r.held_on >= k.cycle_start AND r.held_on < k.hi AND r.until > k.lo
    UNION ALL
    SELECT employee_id, 'open_gaps', identified_on, coalesce(closed_effective_on, {INFINITY}), NULL, NULL, NULL
    FROM gap WHERE identified_on IS NOT NULL
    UNION ALL
    SELECT g.employee_id, 'closed_gaps', GREATEST(g.closed_effective_on, k.lo), k.hi, NULL, NULL, NULL
    FROM gap g JOIN pieces k ON g.closed_effective_on >= k.cycle_start AND g.closed_effective_on < k.hi
), employee_spans AS (
    SELECT department, manager, 'active' AS part, {bucket("lo")} AS k_in, {bucket("hi")} AS k_out,
           NULL::int AS k_out2, NULL::numeric AS amount, NULL::boolean AS flag
    FROM placed
    WHERE lo < hi
    UNION ALL
    SELECT p.department, p.manager, x.part, {bucket("GREATEST(x.from_on, p.lo)")}, {bucket("LEAST(x.to_on, p.hi)")},
           {bucket("LEAST(x.to2_on, p.hi)")}, x.amount, x.flag
    FROM worked x JOIN placed p ON p.employee_id = x.employee_id AND x.from_on < p.hi AND p.lo < x.to_on
), employees_edges AS ({scopes.grouped("employee_spans", ["k_in", "k_out", "k_out2"],
                                       ["count(*)", "sum(amount)", "count(*) FILTER (WHERE flag)"])}
)"""


def _employees_spans(part: str | None, edges: Sequence[int | None], counts: Sequence[Decimal]) -> Iterator[Span]:
    k_in, k_out, k_out2 = edges
    assert part is not None and k_in is not None and k_out is not None
    n, amount, flagged = counts
    if part == "completion":
        yield "hours", k_in, k_out, amount
        assert k_out2 is not None
        yield "participants", k_in, k_out2, n
    elif part == "review":
        yield "covered", k_in, k_out, n
        yield "education_items", k_in, k_out, flagged
    else:
        yield part, k_in, k_out, n


def _agreements_sql(scopes: Scopes) -> str:
    """Agreements, counted in the department (and under the manager) of their employee on agreed_on.

    made: agreed_on in [cycle start, D], in piece; until withdrawn_on, and until the employee's left_on unless
    a linked completion came on or before it. on_time: also from the first linked completion, when that is
    on or before due_by. due: from due_by; due_on_time: from due_by, when completed on time.

    Without due_by, one is due on the last day of the cycle that contains agreed_on under the strategy in
    force on agreed_on (equal adopted_on: accepted last), whenever that strategy arrived.
    """
    manager, join = scopes.manager("m", "a.employee_id", "a.agreed_on")
    return f"""
{STRATEGY_SPELLS}, agreement AS (
    SELECT a.department, {manager} AS manager, a.agreed_on, a.first_completed_on AS done,
           {due_by("a")} AS due_by,
           LEAST(coalesce(a.withdrawn_on, {INFINITY}),
                 CASE WHEN NOT coalesce(a.first_completed_on <= a.employee_left_on, false)
                      THEN coalesce(a.employee_left_on, {INFINITY}) ELSE {INFINITY} END) AS until
    FROM {{s}}.agreements a
    {strategy_on_agreed("a")}
    {join}
    WHERE a.tenant = $1 AND a.department IS NOT NULL
      AND a.agreed_on BETWEEN (SELECT first_cycle FROM grid) AND (SELECT last FROM grid)
), agreement_spans AS (
    SELECT g.department, g.manager, 'agreement' AS part,
           {bucket("GREATEST(g.agreed_on, k.lo)")} AS k_made,
           CASE WHEN g.done <= g.due_by THEN {bucket("GREATEST(g.agreed_on, k.lo, g.done)")} END AS k_done,
           {bucket("GREATEST(g.agreed_on, k.lo, g.due_by)")} AS k_due,
           {bucket("LEAST(g.until, k.hi)")} AS k_end
    FROM agreement g
    JOIN pieces k ON g.agreed_on >= k.cycle_start AND g.agreed_on < k.hi
), agreements_edges AS ({scopes.grouped("agreement_spans", ["k_made", "k_done", "k_due", "k_end"], ["count(*)"])}
)"""


def _agreements_spans(part: str | None, edges: Sequence[int | None], counts: Sequence[Decimal]) -> Iterator[Span]:
    k_made, k_done, k_due, k_end = edges
    assert k_made is not None and k_due is not None and k_end is not None
    yield "made", k_made, k_end, counts[0]
    yield "due", k_due, k_end, counts[0]
    if k_done is not None:  # completed on or before due_by
        yield "on_time", k_done, k_end, counts[0]
        yield "due_on_time", k_due, k_end, counts[0]


def _sharing_sql(scopes: Scopes) -> str:
    """Completions, counted in the department (and under the manager) of their employee on completed_on:
    sharing_den for [completed_on + 30, + 365); sharing_num the same, when the booking has a KnowledgeShared
    dated within 30 days of the completion."""
    manager, join = scopes.manager("m", "b.employee_id", "b.completed_on")
    return f"""
sharing_spans AS (
    SELECT b.completed_department AS department, {manager} AS manager, 'completion' AS part,
           {bucket(f"b.completed_on + {SHARING_LAG}")} AS k_in,
           {bucket(f"b.completed_on + {SHARING_LAG + YEAR}")} AS k_out,
           b.first_shared_on <= b.completed_on + {SHARING_LAG} AS shared
    FROM {{s}}.bookings b
    {join}
    WHERE b.tenant = $1 AND b.completed_department IS NOT NULL
      AND b.completed_on BETWEEN (SELECT first FROM grid) - {SHARING_LAG + YEAR - 1}
                             AND (SELECT last FROM grid) - {SHARING_LAG}
), sharing_edges AS ({scopes.grouped("sharing_spans", ["k_in", "k_out"],
                                     ["count(*)", "count(*) FILTER (WHERE shared)"])}
)"""


def _sharing_spans(part: str | None, edges: Sequence[int | None], counts: Sequence[Decimal]) -> Iterator[Span]:
    k_in, k_out = edges
    assert k_in is not None and k_out is not None
    yield "sharing_den", k_in, k_out, counts[0]
    yield "sharing_num", k_in, k_out, counts[1]


def _bookings_sql(scopes: Scopes) -> str:
    """Bookings, counted in the department (and under the manager) of their employee on booked_on, from
    booked_on until cancelled_on:
    - season_den: starts_on in the last 12 months ([starts_on, +365)) with a wheel that applies; season_num:
      the same, starts_on's month not busy in it; busy_den: the same, starts_on's month busy; busy_num: busy,
      from the first SubstituteArranged;
    - buddy_den: an unskilled or skilled employee's booking with starts_on in the cycle, in piece; buddy_num:
      the same, with buddies listed, or from the first BuddyPaired.

    The wheel that applies: the department's (on booked_on) in force on starts_on, else the company's
    (department null); none when neither is defined yet.
    """
    manager, join = scopes.manager("m", "b.employee_id", "b.booked_on")
    busy_months = "coalesce(dw.busy_months, cw.busy_months)"
    until = f"coalesce(b.cancelled_on, {INFINITY})"
    relevant = f"""b.tenant = $1 AND b.department IS NOT NULL AND b.booked_on <= (SELECT last FROM grid)
      AND b.starts_on BETWEEN LEAST((SELECT first FROM grid) - {YEAR - 1}, (SELECT first_cycle FROM grid))
                          AND (SELECT max(cycle_end) FROM pieces)"""
    return f"""
wheel AS (
    SELECT department, busy_months, effective_from AS valid_from,
           coalesce(lead(effective_from) OVER (PARTITION BY department ORDER BY effective_from, seq),
                    {INFINITY}) AS valid_to
    FROM {{s}}.wheels
    WHERE tenant = $1
), booking_spans AS (
    SELECT department, manager, 'season' AS part, {bucket("GREATEST(booked_on, starts_on)")} AS k_in,
           {bucket(f"LEAST(until, starts_on + {YEAR})")} AS k_out, busy::int AS flag,
           CASE WHEN busy AND first_substitute_on IS NOT NULL
                THEN {bucket("GREATEST(booked_on, starts_on, first_substitute_on)")} END AS k_also
    FROM (
        SELECT b.department, {manager} AS manager, b.booked_on, b.starts_on, {until} AS until, b.first_substitute_on,
               date_part('month', b.starts_on)::int = ANY ({busy_months}) AS busy
        FROM {{s}}.bookings b
        LEFT JOIN wheel dw
          ON dw.department = b.department AND b.starts_on >= dw.valid_from AND b.starts_on < dw.valid_to
        LEFT JOIN wheel cw ON cw.department IS NULL AND b.starts_on >= cw.valid_from AND b.starts_on < cw.valid_to
        {join}
        WHERE {relevant}
    ) AS wheeled
    WHERE busy IS NOT NULL
    UNION ALL
    SELECT b.department, {manager}, 'buddy',
           {bucket("GREATEST(b.booked_on, p.lo)")}, {bucket(f"LEAST({until}, p.hi)")}, NULL,
           CASE WHEN b.listed_buddies THEN {bucket("GREATEST(b.booked_on, p.lo)")}
                WHEN b.first_paired_on IS NOT NULL THEN {bucket("GREATEST(b.booked_on, p.lo, b.first_paired_on)")}
           END
    FROM {{s}}.bookings b
    JOIN pieces p ON b.starts_on BETWEEN p.cycle_start AND p.cycle_end
    {join}
    WHERE {relevant} AND b.job_family IN ('unskilled', 'skilled')
), bookings_edges AS ({scopes.grouped("booking_spans", ["k_in", "k_out", "flag", "k_also"], ["count(*)"])}
)"""


def _bookings_spans(part: str | None, edges: Sequence[int | None], counts: Sequence[Decimal]) -> Iterator[Span]:
    k_in, k_out, busy, k_also = edges
    assert k_in is not None and k_out is not None
    if part == "season":  # k_also: the first substitute of a booking in a busy month
        yield "season_den", k_in, k_out, counts[0]
        yield ("busy_den" if busy else "season_num"), k_in, k_out, counts[0]
        if k_also is not None:
            yield "busy_num", k_also, k_out, counts[0]
    else:  # k_also: the first buddy
        yield "buddy_den", k_in, k_out, counts[0]
        if k_also is not None:
            yield "buddy_num", k_also, k_out, counts[0]


@dataclass(frozen=True)
class Family:
    sql: Callable[[Scopes], str]
    spans: Callable[[str | None, Sequence[int | None], Sequence[Decimal]], Iterator[Span]]


FAMILIES = {
    "employees": Family(_employees_sql, _employees_spans),
    "agreements": Family(_agreements_sql, _agreements_spans),
    "sharing": Family(_sharing_sql, _sharing_spans),
    "bookings": Family(_bookings_sql, _bookings_spans),
}
