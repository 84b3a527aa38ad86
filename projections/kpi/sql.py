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


# The strategy in force over each stretch of dates (equal adopted_on: accepted last), of tenant $1.
STRATEGY_SPELLS = """
strategy_spells AS (
    SELECT adopted_on AS valid_from,
           coalesce(lead(adopted_on) OVER (ORDER BY adopted_on, seq), 'infinity'::date) AS valid_to,
           cycle_start_month AS month
    FROM {s}.strategies
    WHERE tenant = $1
)"""


def due_by(agreement: str) -> str:
    """An agreement's due_by; without one, the last day of the cycle that contains agreed_on under the strategy
    in force on agreed_on, whenever that strategy arrived. Needs ``STRATEGY_SPELLS`` and, after the agreement's
    FROM item, ``strategy_on_agreed`` of the same alias."""
    return (
        f"coalesce({agreement}.due_by, make_date(extract(year FROM {agreement}.agreed_on)::int"
        f" + CASE WHEN extract(month FROM {agreement}.agreed_on)::int >= m.month THEN 1 ELSE 0 END, m.month, 1) - 1)"
    )


def strategy_on_agreed(agreement: str) -> str:
    """The joins ``due_by`` reads: the cycle start month in force on the agreement's agreed_on (as ``m.month``)."""
    return (
        f"LEFT JOIN strategy_spells st"
        f" ON {agreement}.agreed_on >= st.valid_from AND {agreement}.agreed_on < st.valid_to"
        f" CROSS JOIN LATERAL (SELECT coalesce(st.month, {DEFAULT_CYCLE_START_MONTH}) AS month) m"
    )
