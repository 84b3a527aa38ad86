"""SQL fragments shared by the KPI steps."""

from __future__ import annotations


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
