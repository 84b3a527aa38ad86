"""The KPI document of one tenant and date as one statement over one projection version.

One statement means one consistent snapshot and one round trip. It starts from the strategy in force
on the as-of date ($2), which fixes the windows (``w``); then each family of keys is counted per
department plus a company row (``GROUPING SETS``, ``total`` = 1), so company figures are computed over
everyone and never averaged. Every family answers rows of (family, department, total, figures), the
figures in the order of ``FIGURES``. ``{s}`` is the version's schema, $1 the tenant.
"""

from projections.kpi.sql import STRATEGY_SPELLS, due_by, strategy_on_agreed

FIGURES = {
    "window": ("committee_meetings",),
    "employees": (
        "active", "participants", "hours", "covered", "education_items", "open_gaps", "closed_gaps",
    ),
    "agreements": ("made", "on_time"),
    "sharing": ("sharing_den", "sharing_num"),
    "bookings": ("season_den", "season_num", "buddy_den", "buddy_num", "busy_den", "busy_num"),
}

# The cycle containing the as-of date starts on the 1st of the strategy's cycle_start_month (default
# March); "the last 12 months" is the 365 days ending on it; knowledge sharing looks at completions of
# the 365 days ending 30 days before it.
_WINDOWS = """
strategy AS (
    SELECT cycle_start_month, completion_target FROM {s}.strategies
    WHERE tenant = $1 AND adopted_on <= $2
    ORDER BY adopted_on DESC, seq DESC
    LIMIT 1
), cycle AS (
    SELECT make_date(extract(year FROM $2::date)::int
                     - CASE WHEN extract(month FROM $2::date)::int < m.month THEN 1 ELSE 0 END,
                     m.month, 1) AS cycle_start
    FROM (SELECT coalesce((SELECT cycle_start_month FROM strategy), 3) AS month) m
), w AS (
    SELECT cycle_start,
           (cycle_start + interval '1 year')::date - 1 AS cycle_end,
           $2::date - 364 AS year_start,
           $2::date - 30 - 364 AS sharing_start,
           $2::date - 30 AS sharing_end,
           coalesce((SELECT completion_target FROM strategy), 0.85) AS target
    FROM cycle
)"""

# Employees active on the as-of date, in their department on that date.
_EMPLOYEES = """
active AS (
    SELECT e.employee_id, s.department
    FROM {s}.employees e
    JOIN {s}.department_spells s
      ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND $2 >= s.valid_from AND $2 < s.valid_to
    WHERE e.tenant = $1 AND e.hired_on <= $2 AND (e.left_on IS NULL OR e.left_on > $2)
), trained AS (
    SELECT employee_id, sum(coalesce(hours_attended, hours)) AS hours
    FROM {s}.bookings
    WHERE tenant = $1 AND completed_on BETWEEN (SELECT year_start FROM w) AND $2
    GROUP BY employee_id
), reviewed AS (
    SELECT DISTINCT ON (employee_id) employee_id, education_item
    FROM {s}.reviews
    WHERE tenant = $1 AND held_on BETWEEN (SELECT cycle_start FROM w) AND $2
    ORDER BY employee_id, held_on DESC, seq DESC
), gap AS (
    SELECT employee_id,
           count(*) FILTER (WHERE identified_on <= $2
                              AND (closed_effective_on IS NULL OR closed_effective_on > $2)) AS open,
           count(*) FILTER (WHERE closed_effective_on BETWEEN (SELECT cycle_start FROM w) AND $2) AS closed
    FROM {s}.gaps
    WHERE tenant = $1 AND (closed_effective_on IS NULL OR closed_effective_on >= (SELECT cycle_start FROM w))
    GROUP BY employee_id
), employees_tally AS (
    SELECT a.department, GROUPING(a.department) AS total,
           ARRAY[count(*), count(t.employee_id), coalesce(sum(t.hours), 0), count(r.employee_id),
                 count(*) FILTER (WHERE r.education_item),
                 coalesce(sum(g.open), 0), coalesce(sum(g.closed), 0)]::numeric[] AS figures
    FROM active a
    LEFT JOIN trained t USING (employee_id)
    LEFT JOIN reviewed r USING (employee_id)
    LEFT JOIN gap g USING (employee_id)
    GROUP BY GROUPING SETS ((a.department), ())
)"""

# Agreements made in the cycle (department on agreed_on). Without due_by, one is due on the last day
# of the cycle that contains agreed_on under the strategy in force on agreed_on (equal adopted_on:
# accepted last), whenever that strategy arrived.
_AGREEMENTS = f"""
{STRATEGY_SPELLS}, made AS (
    SELECT a.department, a.first_completed_on, {due_by("a")} AS due_by
    FROM {{s}}.agreements a
    {strategy_on_agreed("a")}
    WHERE a.tenant = $1 AND a.department IS NOT NULL
      AND a.agreed_on BETWEEN (SELECT cycle_start FROM w) AND $2
      AND (a.withdrawn_on IS NULL OR a.withdrawn_on > $2)
      AND (a.employee_left_on IS NULL OR a.employee_left_on > $2 OR a.first_completed_on <= a.employee_left_on)
), agreements_tally AS (
    SELECT department, GROUPING(department) AS total,
           ARRAY[count(*), count(*) FILTER (WHERE first_completed_on <= LEAST(due_by, $2))]::numeric[] AS figures
    FROM made
    GROUP BY GROUPING SETS ((department), ())
)"""

# Completions (department on completed_on) of the window that ends 30 days before the as-of date.
_SHARING = """
sharing_tally AS (
    SELECT completed_department AS department, GROUPING(completed_department) AS total,
           ARRAY[count(*), count(*) FILTER (WHERE first_shared_on <= completed_on + 30)]::numeric[] AS figures
    FROM {s}.bookings
    WHERE tenant = $1 AND completed_department IS NOT NULL
      AND completed_on BETWEEN (SELECT sharing_start FROM w) AND (SELECT sharing_end FROM w)
    GROUP BY GROUPING SETS ((completed_department), ())
)"""

# Bookings (department on booked_on) not cancelled as of the as-of date. The wheel that applies: the
# department's in force on starts_on, else the company's (department null); busy_months is null when
# none applies.
_BOOKINGS = """
wheel AS (
    SELECT department, busy_months, effective_from AS valid_from,
           coalesce(lead(effective_from) OVER (PARTITION BY department ORDER BY effective_from, seq),
                    'infinity'::date) AS valid_to
    FROM {s}.wheels
    WHERE tenant = $1
), booking AS (
    SELECT b.department,
           b.job_family IN ('unskilled', 'skilled') AS needs_buddy,
           b.starts_on BETWEEN (SELECT year_start FROM w) AND $2 AS in_year,
           b.starts_on BETWEEN (SELECT cycle_start FROM w) AND (SELECT cycle_end FROM w) AS in_cycle,
           coalesce(dw.busy_months, cw.busy_months) AS busy_months,
           b.starts_on,
           b.listed_buddies OR b.first_paired_on <= $2 AS has_buddy,
           b.first_substitute_on <= $2 AS has_substitute
    FROM {s}.bookings b
    LEFT JOIN wheel dw
      ON dw.department = b.department AND b.starts_on >= dw.valid_from AND b.starts_on < dw.valid_to
    LEFT JOIN wheel cw
      ON cw.department IS NULL AND b.starts_on >= cw.valid_from AND b.starts_on < cw.valid_to
    WHERE b.tenant = $1 AND b.department IS NOT NULL
      AND b.starts_on BETWEEN LEAST((SELECT year_start FROM w), (SELECT cycle_start FROM w))
                          AND GREATEST($2, (SELECT cycle_end FROM w))
      AND b.booked_on <= $2 AND (b.cancelled_on IS NULL OR b.cancelled_on > $2)
), judged AS (
    SELECT *, busy_months IS NOT NULL AS has_wheel,
           extract(month FROM starts_on)::int = ANY (busy_months) AS busy
    FROM booking
), bookings_tally AS (
    SELECT department, GROUPING(department) AS total,
           ARRAY[count(*) FILTER (WHERE in_year AND has_wheel),
                 count(*) FILTER (WHERE in_year AND has_wheel AND NOT busy),
                 count(*) FILTER (WHERE in_cycle AND needs_buddy),
                 count(*) FILTER (WHERE in_cycle AND needs_buddy AND has_buddy),
                 count(*) FILTER (WHERE in_year AND busy),
                 count(*) FILTER (WHERE in_year AND busy AND has_substitute)]::numeric[] AS figures
    FROM judged
    GROUP BY GROUPING SETS ((department), ())
)"""

DOCUMENT = f"""
WITH {_WINDOWS},
{_EMPLOYEES},
{_AGREEMENTS},
{_SHARING},
{_BOOKINGS}
SELECT 'window' AS family, NULL AS department, 1 AS total,
       ARRAY[(SELECT count(*) FROM {{s}}.committee_meetings
              WHERE tenant = $1 AND held_on BETWEEN w.year_start AND $2)]::numeric[] AS figures,
       w.cycle_start, w.cycle_end, w.target
FROM w
UNION ALL SELECT 'employees', department, total, figures, NULL, NULL, NULL FROM employees_tally
UNION ALL SELECT 'agreements', department, total, figures, NULL, NULL, NULL FROM agreements_tally
UNION ALL SELECT 'sharing', department, total, figures, NULL, NULL, NULL FROM sharing_tally
UNION ALL SELECT 'bookings', department, total, figures, NULL, NULL, NULL FROM bookings_tally
"""
