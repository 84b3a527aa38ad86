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
