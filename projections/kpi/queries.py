"""The statements of the KPI reads, one per read, each one statement over one projection version.

One statement means one consistent snapshot and one round trip. ``{s}`` is the version's schema, $1 the
tenant; the KPI figures take their as-of dates as $2 (``date[]``, see ``windows``). A read as known at an
instant takes it as $3 and reads the facts recorded by then (``known.as_known``).
"""

from __future__ import annotations

from functools import cache

from projections.kpi.families import COMMITTEE, FAMILIES
from projections.kpi.known import as_known
from projections.kpi.sql import active_on, covers, gap_open_on
from projections.kpi.windows import Scopes, points

PARTS = (("employees", "sharing"), ("bookings", "agreements"))
"""The families of a KPI read in two statements of about equal work (``reading.fetch_active_parts`` runs them on
two connections in one snapshot); the first also gives the ``window`` rows."""


@cache
def kpi_figure_parts(*, last_cycles: bool, by_manager: bool, known: bool = False) -> tuple[str, ...]:
    """``kpi_figures`` in the statements of ``PARTS``: together they give exactly its rows."""
    return tuple(kpi_figures(last_cycles=last_cycles, by_manager=by_manager, known=known, families=families,
                             windows=i == 0)
                 for i, families in enumerate(PARTS))


@cache
def kpi_figures(*, last_cycles: bool, by_manager: bool, known: bool = False,
                families: tuple[str, ...] | None = None, windows: bool = True) -> str:
    """Every family's counted spans (see ``windows`` and ``families``) over the asked dates, and each date's
    windows as a ``window`` row (cycle, target, committee meetings of the last 12 months).

    Rows: (family, as_of, cycle_start, cycle_end, target, meetings, part, level, scope, edges, counts).
    With ``last_cycles`` the dates also include the day before each asked date's cycle starts; with ``known``,
    only the facts recorded by $3 count.
    """
    chosen = list(FAMILIES) if families is None else list(families)
    scopes = Scopes(by_manager)
    ctes = [points(last_cycles=last_cycles) + scopes.shared, COMMITTEE]
    ctes += [FAMILIES[name].sql(scopes) for name in chosen]
    edges = [f"SELECT '{name}', NULL, NULL, NULL, NULL, NULL, part, level, scope, edges, counts FROM {name}_edges"
             for name in chosen]
    if not windows:  # the first arm names the columns
        edges[0] = (f"SELECT '{chosen[0]}' AS family, NULL AS as_of, NULL AS cycle_start, NULL AS cycle_end,"
                    f" NULL AS target, NULL AS meetings, part, level, scope, edges, counts FROM {chosen[0]}_edges")
    else:
        edges.insert(0, """SELECT 'window' AS family, w.as_of, w.cycle_start, w.cycle_end, w.target, c.meetings,
       NULL::text AS part, NULL::int AS level, NULL::text AS scope, NULL::int[] AS edges, NULL::numeric[] AS counts
FROM w JOIN committee c USING (as_of)""")
    union = "\nUNION ALL ".join(edges)
    statement = f"""
WITH {",".join(ctes)}
{union}
"""
    return as_known(statement) if known else statement


# The competence matrix on $2: every employee active on it in their department on it, with each competence
# that has an assessment dated on or before it (the latest one's level; equal dates: accepted last) or an
# open gap on it (the highest target of those gaps).
COMPETENCES = f"""
WITH active AS (
    SELECT e.employee_id, s.department
    FROM {{s}}.employees e
    JOIN {{s}}.department_spells s ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND {covers("s", "$2")}
    WHERE e.tenant = $1 AND {active_on("e", "$2")}
), levels AS (
    SELECT DISTINCT ON (employee_id, competence) employee_id, competence, level
    FROM {{s}}.assessments
    WHERE tenant = $1 AND assessed_on <= $2
    ORDER BY employee_id, competence, assessed_on DESC, seq DESC
), targets AS (
    SELECT g.employee_id, g.competence, max(g.target_level) AS target
    FROM {{s}}.gaps g
    WHERE g.tenant = $1 AND {gap_open_on("g", "$2")}
    GROUP BY g.employee_id, g.competence
)
SELECT a.employee_id, a.department, c.competence, c.level, c.target
FROM active a
LEFT JOIN (SELECT * FROM levels FULL JOIN targets USING (employee_id, competence)) AS c USING (employee_id)
ORDER BY a.employee_id, c.competence
"""

# Every tenant the projection knows, with its display name: the registration with the latest registered_on
# (equal dates: accepted last), or none.
COMPANIES = """
SELECT t.tenant, r.name, r.cvr, r.registered_on
FROM {s}.tenants t
LEFT JOIN LATERAL (
    SELECT name, cvr, registered_on FROM {s}.company_registrations c
    WHERE c.tenant = t.tenant
    ORDER BY registered_on DESC, seq DESC
    LIMIT 1
) AS r ON true
WHERE $1::text IS NULL OR t.tenant = $1
ORDER BY t.tenant
"""
