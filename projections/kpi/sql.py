"""SQL fragments shared by the KPI steps."""

from __future__ import annotations

from domain.rules import DEFAULT_CYCLE_START_MONTH


def text(field: str, source: str = "data") -> str:
    """An identifier or name from an event's data, compared byte by byte like the tables' columns (so it
    meets their indexes)."""
    return f"({source}->>'{field}') COLLATE \"C\""


def day(field: str, source: str = "data") -> str:
    return f"({source}->>'{field}')::date"


def truthy(value: str) -> str:
    """Python's ``bool()`` of a JSON value (absent or null: false)."""
    return f"coalesce({value} NOT IN ('null', 'false', '0', '\"\"', '[]', '{{}}'), false)"


def department_on(tenant: str, employee: str, day: str) -> str:
    """The employee's department on a date, from the spells derived so far."""
    return (
        f"(SELECT s.department FROM {{s}}.department_spells s WHERE s.tenant = {tenant}"
        f" AND s.employee_id = {employee} AND s.valid_from <= {day} AND {day} < s.valid_to)"
    )


# The contract's predicates over the read tables, each written once (aliases name the rows they test).


def active_on(employee: str, day: str) -> str:
    """An employee is active on a day: hired on or before it, and not left on or before it."""
    return f"({employee}.hired_on <= {day} AND ({employee}.left_on IS NULL OR {employee}.left_on > {day}))"


def gap_open_on(gap: str, day: str) -> str:
    """A gap is open on a day: identified on or before it, and not closed on or before it."""
    return (
        f"({gap}.identified_on <= {day}"
        f" AND ({gap}.closed_effective_on IS NULL OR {gap}.closed_effective_on > {day}))"
    )


def covers(spell: str, day: str) -> str:
    """A spell (valid_from inclusive, valid_to exclusive) holds on a day."""
    return f"({spell}.valid_from <= {day} AND {day} < {spell}.valid_to)"


def cycle_start(day: str, month: str) -> str:
    """SQL: the start of the cycle that contains ``day`` when cycles start on the 1st of ``month``.

    A day early in year 1 lies in a cycle that starts in 1 BC, which make_date numbers -1 (there is no year 0)."""
    return (
        f"make_date(coalesce(nullif(date_part('year', {day})::int"
        f" - CASE WHEN date_part('month', {day})::int < {month} THEN 1 ELSE 0 END, 0), -1), {month}, 1)"
    )


def cycle_end(start: str) -> str:
    """SQL: the last day of the cycle that starts on ``start`` (cycles last 12 months)."""
    return f"(({start}) + interval '1 year')::date - 1"


INFINITY = "'infinity'::date"

# The strategy in force over each stretch of dates (equal adopted_on: accepted last), of tenant $1.
STRATEGY_SPELLS = f"""
strategy_spells AS (
    SELECT adopted_on AS valid_from,
           coalesce(lead(adopted_on) OVER (ORDER BY adopted_on, seq), {INFINITY}) AS valid_to,
           cycle_start_month AS month
    FROM {{s}}.strategies
    WHERE tenant = $1
)"""


def due_by(agreement: str) -> str:
    """An agreement's due_by; without one, the last day of the cycle that contains agreed_on under the strategy
    in force on agreed_on (equal adopted_on: accepted last), whenever that strategy arrived. Needs
    ``STRATEGY_SPELLS`` and, after the agreement's FROM item, ``strategy_on_agreed`` of the same alias."""
    return f"coalesce({agreement}.due_by, {cycle_end(cycle_start(f'{agreement}.agreed_on', 'due_month.month'))})"


def strategy_on_agreed(agreement: str) -> str:
    """The joins ``due_by`` reads: the cycle start month in force on the agreement's agreed_on
    (as ``due_month.month``)."""
    return (
        f"LEFT JOIN strategy_spells st"
        f" ON {agreement}.agreed_on >= st.valid_from AND {agreement}.agreed_on < st.valid_to"
        f" CROSS JOIN LATERAL (SELECT coalesce(st.month, {DEFAULT_CYCLE_START_MONTH}) AS month) due_month"
    )
