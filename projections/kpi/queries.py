"""The KPI document as a handful of set-based queries over one projection version.

Each query returns one row per department plus a company row (``GROUPING SETS``, ``total`` = 1), so the
company figures are computed over everyone and never averaged. ``{s}`` is the version's schema.
The department of an employee on a date X comes from ``department_spells`` (valid_from <= X < valid_to).
"""

STRATEGY = """
SELECT cycle_start_month, completion_target FROM {s}.strategies
WHERE tenant = $1 AND adopted_on <= $2
ORDER BY adopted_on DESC, seq DESC
LIMIT 1
"""

# $1 tenant, $2 as-of, $3 cycle start, $4 first day of the last 12 months.
EMPLOYEES = """
WITH active AS (
    SELECT e.employee_id, s.department
    FROM {s}.employees e
    JOIN {s}.department_spells s
      ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND $2 >= s.valid_from AND $2 < s.valid_to
    WHERE e.tenant = $1 AND e.hired_on <= $2 AND (e.left_on IS NULL OR e.left_on > $2)
), trained AS (
    SELECT employee_id, sum(coalesce(hours_attended, hours)) AS hours
    FROM {s}.bookings
    WHERE tenant = $1 AND completed_on BETWEEN $4 AND $2
    GROUP BY employee_id
), reviewed AS (
    SELECT DISTINCT ON (employee_id) employee_id, education_item
    FROM {s}.reviews
    WHERE tenant = $1 AND held_on BETWEEN $3 AND $2
    ORDER BY employee_id, held_on DESC, seq DESC
), gap AS (
    SELECT employee_id,
           count(*) FILTER (WHERE identified_on <= $2
                              AND (closed_effective_on IS NULL OR closed_effective_on > $2)) AS open,
           count(*) FILTER (WHERE closed_effective_on BETWEEN $3 AND $2) AS closed
    FROM {s}.gaps
    WHERE tenant = $1 AND (closed_effective_on IS NULL OR closed_effective_on >= $3)
    GROUP BY employee_id
)
SELECT a.department, GROUPING(a.department) AS total,
       count(*) AS active,
       count(t.employee_id) AS participants,
       coalesce(sum(t.hours), 0) AS hours,
       count(r.employee_id) AS covered,
       count(*) FILTER (WHERE r.education_item) AS education_items,
       coalesce(sum(g.open), 0)::bigint AS open_gaps,
       coalesce(sum(g.closed), 0)::bigint AS closed_gaps
FROM active a
LEFT JOIN trained t USING (employee_id)
LEFT JOIN reviewed r USING (employee_id)
LEFT JOIN gap g USING (employee_id)
GROUP BY GROUPING SETS ((a.department), ())
"""

# $1 tenant, $2 as-of, $3 cycle start. An agreement without due_by is due on the last day of the cycle
# that contains agreed_on under the strategy in force on agreed_on (equal adopted_on: accepted last).
AGREEMENTS = """
WITH strategy AS (
    SELECT adopted_on AS valid_from,
           coalesce(lead(adopted_on) OVER (ORDER BY adopted_on, seq), 'infinity'::date) AS valid_to,
           cycle_start_month AS month
    FROM {s}.strategies
    WHERE tenant = $1
), made AS (
    SELECT s.department, a.first_completed_on,
           coalesce(a.due_by,
                    make_date(extract(year FROM a.agreed_on)::int
                              + CASE WHEN extract(month FROM a.agreed_on)::int >= m.month THEN 1 ELSE 0 END,
                              m.month, 1) - 1) AS due_by
    FROM {s}.agreements a
    JOIN {s}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
    JOIN {s}.department_spells s
      ON s.tenant = a.tenant AND s.employee_id = a.employee_id
     AND a.agreed_on >= s.valid_from AND a.agreed_on < s.valid_to
    LEFT JOIN strategy st ON a.agreed_on >= st.valid_from AND a.agreed_on < st.valid_to
    CROSS JOIN LATERAL (SELECT coalesce(st.month, 3) AS month) m
    WHERE a.tenant = $1 AND a.agreed_on BETWEEN $3 AND $2
      AND (a.withdrawn_on IS NULL OR a.withdrawn_on > $2)
      AND (e.left_on IS NULL OR e.left_on > $2 OR a.first_completed_on <= e.left_on)
)
SELECT department, GROUPING(department) AS total,
       count(*) AS made,
       count(*) FILTER (WHERE first_completed_on <= LEAST(due_by, $2)) AS on_time
FROM made
GROUP BY GROUPING SETS ((department), ())
"""

# $1 tenant, $2 first and $3 last completion date of the window that ends 30 days before the as-of date.
KNOWLEDGE_SHARING = """
SELECT s.department, GROUPING(s.department) AS total,
       count(*) AS sharing_den,
       count(*) FILTER (WHERE b.first_shared_on <= b.completed_on + 30) AS sharing_num
FROM {s}.bookings b
JOIN {s}.department_spells s
  ON s.tenant = b.tenant AND s.employee_id = b.employee_id
 AND b.completed_on >= s.valid_from AND b.completed_on < s.valid_to
WHERE b.tenant = $1 AND b.completed_on BETWEEN $2 AND $3
GROUP BY GROUPING SETS ((s.department), ())
"""

# $1 tenant, $2 as-of, $3 first day of the last 12 months, $4 cycle start, $5 cycle end.
# The wheel that applies: the department's (department on booked_on) in force on starts_on, else the
# company's; busy_months is null when none applies.
BOOKINGS = """
WITH wheel AS (
    SELECT department, busy_months, effective_from AS valid_from,
           coalesce(lead(effective_from) OVER (PARTITION BY department ORDER BY effective_from, seq),
                    'infinity'::date) AS valid_to
    FROM {s}.wheels
    WHERE tenant = $1
), booking AS (
    SELECT s.department,
           e.job_family IN ('unskilled', 'skilled') AS needs_buddy,
           b.starts_on BETWEEN $3 AND $2 AS in_year,
           b.starts_on BETWEEN $4 AND $5 AS in_cycle,
           coalesce(dw.busy_months, cw.busy_months) AS busy_months,
           b.starts_on,
           b.listed_buddies OR b.first_paired_on <= $2 AS has_buddy,
           b.first_substitute_on <= $2 AS has_substitute
    FROM {s}.bookings b
    JOIN {s}.employees e ON e.tenant = b.tenant AND e.employee_id = b.employee_id
    JOIN {s}.department_spells s
      ON s.tenant = b.tenant AND s.employee_id = b.employee_id
     AND b.booked_on >= s.valid_from AND b.booked_on < s.valid_to
    LEFT JOIN wheel dw
      ON dw.department = s.department AND b.starts_on >= dw.valid_from AND b.starts_on < dw.valid_to
    LEFT JOIN wheel cw
      ON cw.department IS NULL AND b.starts_on >= cw.valid_from AND b.starts_on < cw.valid_to
    WHERE b.tenant = $1 AND b.starts_on BETWEEN LEAST($3, $4) AND GREATEST($2, $5)
      AND b.booked_on <= $2 AND (b.cancelled_on IS NULL OR b.cancelled_on > $2)
), judged AS (
    SELECT *, busy_months IS NOT NULL AS has_wheel,
           extract(month FROM starts_on)::int = ANY (busy_months) AS busy
    FROM booking
)
SELECT department, GROUPING(department) AS total,
       count(*) FILTER (WHERE in_year AND has_wheel) AS season_den,
       count(*) FILTER (WHERE in_year AND has_wheel AND NOT busy) AS season_num,
       count(*) FILTER (WHERE in_cycle AND needs_buddy) AS buddy_den,
       count(*) FILTER (WHERE in_cycle AND needs_buddy AND has_buddy) AS buddy_num,
       count(*) FILTER (WHERE in_year AND busy) AS busy_den,
       count(*) FILTER (WHERE in_year AND busy AND has_substitute) AS busy_num
FROM judged
GROUP BY GROUPING SETS ((department), ())
"""

# $1 tenant, $2 first day of the last 12 months, $3 as-of.
COMMITTEE_MEETINGS = """
SELECT count(*) FROM {s}.committee_meetings WHERE tenant = $1 AND held_on BETWEEN $2 AND $3
"""
