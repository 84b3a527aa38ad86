"""The dated plans a manager's calendar shows (CONTRACT §7's facts, read for ``eduplan``'s calendar feed): every
agreement's due date (resolved like the KPIs'), every booked course's days, every review's follow-up date and
every committee meeting — of the employees whose manager on $2 is $3 (all, when $3 is null). Committee meetings
are the company's and always listed. One statement over one projection version.

Rows: what (agreement, course, follow_up, meeting), key (agreement or booking id, the reviewed employee, or
null), employee_id, starts, ends, title, cancelled (a withdrawn agreement or cancelled booking), ordinal (of the
facts of one key and what on one date, in log order — so each one has an identity that never changes).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from projections.kpi.reading import fetch_active
from projections.kpi.sql import STRATEGY_SPELLS, covers, due_by, strategy_on_agreed
from projections.kpi.windows import MANAGER_SPELLS

CALENDAR = f"""
WITH {STRATEGY_SPELLS},{MANAGER_SPELLS},
shown AS (
    SELECT e.employee_id
    FROM {{s}}.employees e
    LEFT JOIN manager_spells m ON m.employee_id = e.employee_id AND {covers("m", "$2::date")}
    WHERE e.tenant = $1 AND e.hired_on IS NOT NULL AND ($3::text IS NULL OR m.manager_id = $3::text)
)
SELECT 'agreement' AS what, a.agreement_id AS key, a.employee_id, {due_by("a")} AS starts, {due_by("a")} AS ends,
       c.title, a.withdrawn_on IS NOT NULL AS cancelled, 1 AS ordinal
FROM {{s}}.agreements a
{strategy_on_agreed("a")}
LEFT JOIN {{s}}.agreement_courses c ON c.tenant = a.tenant AND c.agreement_id = a.agreement_id
WHERE a.tenant = $1 AND a.agreed_on IS NOT NULL AND a.employee_id IN (SELECT employee_id FROM shown)
UNION ALL
SELECT 'course', b.booking_id, b.employee_id, b.starts_on, b.ends_on,
       (SELECT c.title FROM {{s}}.funding_courses c WHERE c.tenant = b.tenant AND c.booking_id = b.booking_id
        ORDER BY c.seq LIMIT 1),
       b.cancelled_on IS NOT NULL, 1
FROM {{s}}.bookings b
WHERE b.tenant = $1 AND b.booked_on IS NOT NULL AND b.employee_id IN (SELECT employee_id FROM shown)
UNION ALL
SELECT 'follow_up', f.employee_id, f.employee_id, f.follow_up_on, f.follow_up_on, NULL, false,
       row_number() OVER (PARTITION BY f.employee_id, f.follow_up_on ORDER BY f.seq)::int
FROM {{s}}.review_follow_ups f
WHERE f.tenant = $1 AND f.employee_id IN (SELECT employee_id FROM shown)
UNION ALL
SELECT 'meeting', NULL, NULL, m.held_on, m.held_on, NULL, false,
       row_number() OVER (PARTITION BY m.held_on ORDER BY m.seq)::int
FROM {{s}}.committee_meetings m
WHERE m.tenant = $1
"""


# A feed writes all-day entries with an exclusive end (the day after the last) in four-digit years: an entry
# that starts after 9999-12-30 cannot be written, and one that lasts into 9999-12-31 (an open-ended course sent
# as ending then) is shown until 9999-12-30. Rows are capped in SQL, as a date past year 9999 (a due date at the
# end of a cycle that ends in year 10000) cannot be read into Python at all.
LAST_DAY_SHOWN = "DATE '9999-12-30'"
CALENDAR_SHOWN = f"""
SELECT what, key, employee_id, starts, LEAST(ends, {LAST_DAY_SHOWN}) AS ends, title, cancelled, ordinal
FROM ({CALENDAR}) AS entries
WHERE starts IS NULL OR starts <= {LAST_DAY_SHOWN}
"""


async def calendar_rows(pool: asyncpg.Pool, tenant: str, on: date, manager: str | None = None) -> list[dict[str, Any]]:
    """The calendar's facts (see the module's doc), of the employees under ``manager`` on ``on``."""
    return [dict(row) for row in await fetch_active(pool, CALENDAR_SHOWN, tenant, on, manager)]
