"""What depends on several entities, recomputed in each batch for the entities it touched.

- department spells from the registration and the moves of an employee, and, when they change, the
  department every booking and agreement of that employee had on its own date;
- the date each gap was closed on (closing message or reaching assessment, whichever is earlier);
- the first completion of a booking linked to each agreement (kept by the bookings' fold, see folds).

The folds fill these in for the facts a batch writes, from what the batch's earlier statements wrote;
the statements here revisit facts of earlier batches whose inputs the batch changed, and write only the
rows whose value changes.
"""

from __future__ import annotations

from projections.kpi.sql import department_on, text
from projections.model import Step

# Employees whose department history changed in this batch.
_PLACED = """
SELECT DISTINCT tenant, key AS employee_id
FROM {batch} WHERE type IN ('EmployeeRegistered', 'EmployeeMoved')
"""

_PLACING = frozenset({"EmployeeRegistered", "EmployeeMoved"})

SPELLS_CLEARED = Step(
    f"""
DELETE FROM {{s}}.department_spells s USING ({_PLACED}) AS t
WHERE s.tenant = t.tenant AND s.employee_id = t.employee_id""",
    _PLACING,
)

# The department history as spells: a synthetic first spell from -infinity with the registered
# department, then the registration (dated hired_on) and each move dated on or after hired_on in
# (date, seq) order; a change followed by another on the same date yields an empty spell and is dropped,
# and consecutive spells in the same department are one. The registration only matters as a change when a
# move dated hired_on was accepted before it (else it continues the first spell).
def spells(registered: str, moved: str) -> str:
    """SQL (a SELECT of tenant, employee_id, valid_from, valid_to, department): the spells of the employees
    in ``registered`` (rows of ``employees`` with a hired_on) from their moves in ``moved`` (rows of
    ``department_changes``)."""
    return f"""
WITH moves AS (
    SELECT c.tenant, c.employee_id, c.effective_on, c.seq, c.department, e.hired_on, e.seq AS registered_seq
    FROM {registered} e JOIN {moved} c USING (tenant, employee_id)
    WHERE c.effective_on >= e.hired_on
), changes AS (
    SELECT tenant, employee_id, '-infinity'::date AS effective_on, 0::bigint AS seq, department FROM {registered} e
    UNION ALL
    SELECT tenant, employee_id, hired_on, seq, department FROM {registered} e
    WHERE EXISTS (SELECT FROM moves m WHERE m.tenant = e.tenant AND m.employee_id = e.employee_id
                  AND m.effective_on = e.hired_on AND m.seq < e.seq)
    UNION ALL
    SELECT tenant, employee_id, effective_on, seq, department FROM moves
), spells AS (
    SELECT tenant, employee_id, department, effective_on AS valid_from,
           coalesce(lead(effective_on) OVER (PARTITION BY tenant, employee_id ORDER BY effective_on, seq),
                    'infinity'::date) AS valid_to
    FROM changes
), kept AS (
    SELECT *, department IS DISTINCT FROM lag(department) OVER (PARTITION BY tenant, employee_id ORDER BY valid_from)
              AS starts
    FROM spells WHERE valid_from < valid_to
), runs AS (
    SELECT *, count(*) FILTER (WHERE starts) OVER (PARTITION BY tenant, employee_id ORDER BY valid_from) AS run
    FROM kept
)
SELECT tenant, employee_id, min(valid_from) AS valid_from, max(valid_to) AS valid_to, min(department) AS department
FROM runs GROUP BY tenant, employee_id, run"""


SPELLS = Step(
    f"""
WITH touched AS ({_PLACED}), registered AS (
    SELECT e.* FROM {{s}}.employees e JOIN touched t USING (tenant, employee_id) WHERE e.hired_on IS NOT NULL
)
INSERT INTO {{s}}.department_spells (tenant, employee_id, valid_from, valid_to, department)
SELECT * FROM ({spells("registered", "{s}.department_changes")}) AS derived""",
    _PLACING,
)

# The steps below revisit facts folded in earlier batches ({first_seq} is the batch's first seq): a fact
# whose first event is in this batch was filled in by its fold already.

# Bookings and agreements carry their employee's department on their own dates (and agreements the
# employee's leaving date): again for every earlier fact of an employee whose spells changed (or who left).
BOOKINGS_PLACED = Step(
    f"""
WITH placed AS (
    SELECT b.tenant, b.booking_id,
           {department_on("b.tenant", "b.employee_id", "b.booked_on")} AS department,
           {department_on("b.tenant", "b.employee_id", "b.completed_on")} AS completed_department,
           e.job_family
    FROM ({_PLACED}) AS p
    JOIN {{s}}.bookings b ON b.tenant = p.tenant AND b.employee_id = p.employee_id
    LEFT JOIN {{s}}.employees e ON e.tenant = b.tenant AND e.employee_id = b.employee_id
    WHERE b.seq < {{first_seq}}
)
UPDATE {{s}}.bookings b
SET department = p.department, completed_department = p.completed_department, job_family = p.job_family
FROM placed p
WHERE b.tenant = p.tenant AND b.booking_id = p.booking_id
  AND (b.department, b.completed_department, b.job_family)
      IS DISTINCT FROM (p.department, p.completed_department, p.job_family)""",
    _PLACING,
)

AGREEMENTS_PLACED = Step(
    f"""
WITH employees AS (
    {_PLACED}
    UNION
    SELECT tenant, key FROM {{batch}} WHERE type = 'EmployeeLeft'
), placed AS (
    SELECT a.tenant, a.agreement_id,
           {department_on("a.tenant", "a.employee_id", "a.agreed_on")} AS department,
           e.left_on
    FROM employees p
    JOIN {{s}}.agreements a ON a.tenant = p.tenant AND a.employee_id = p.employee_id
    LEFT JOIN {{s}}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
    WHERE a.seq < {{first_seq}}
)
UPDATE {{s}}.agreements a SET department = p.department, employee_left_on = p.left_on
FROM placed p
WHERE a.tenant = p.tenant AND a.agreement_id = p.agreement_id
  AND (a.department, a.employee_left_on) IS DISTINCT FROM (p.department, p.left_on)""",
    _PLACING | {"EmployeeLeft"},
)

# A gap closes on the earlier of its closing date and the first assessment that reaches its target:
# assessments may arrive after the gap.
GAP_CLOSING = Step(
    f"""
WITH closing AS (
    SELECT g.tenant, g.gap_id, LEAST(g.closed_on, (
        SELECT min(x.assessed_on) FROM {{s}}.assessments x
        WHERE x.tenant = g.tenant AND x.employee_id = g.employee_id AND x.competence = g.competence
          AND x.assessed_on >= g.identified_on AND x.level >= g.target_level)) AS closed_effective_on
    FROM (SELECT DISTINCT tenant, {text("employee_id")} AS employee_id, {text("competence")} AS competence
          FROM {{batch}} WHERE type = 'CompetenceAssessed') AS c
    JOIN {{s}}.gaps g ON g.tenant = c.tenant AND g.employee_id = c.employee_id AND g.competence = c.competence
    WHERE g.seq < {{first_seq}}
)
UPDATE {{s}}.gaps g SET closed_effective_on = c.closed_effective_on
FROM closing c
WHERE g.tenant = c.tenant AND g.gap_id = c.gap_id AND g.closed_effective_on IS DISTINCT FROM c.closed_effective_on""",
    frozenset({"CompetenceAssessed"}),
)
