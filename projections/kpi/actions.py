"""The HR manager's actions (CONTRACT.md §7) on a date D: one statement over one projection version.

Every kind of the contract's table is one branch of a ``UNION ALL`` over the employees active on D (their
department and manager on D, filtered by ``manager`` and ``department`` when asked). "Open agreement" and
"live booking" are written once each (``open_agreements``, ``live_bookings``). The wheel that applies to a
booking is the department wheel (the department on booked_on) in force on starts_on, else the company wheel
in force on starts_on — whatever its effective_from is compared with D (a wheel is a plan).

Rows: kind, employee_id, manager_id, department, ref, since, what the dates are of (``about``: agreement, booking,
review or hiring), title (the agreement's or the course's) and the dates the detail names (``on_date``, ``until_date``).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

import asyncpg

from domain.rules import (
    BUDDY_JOB_FAMILIES,
    CHECK_IN_GRACE_DAYS,
    CHECK_IN_MIN_DAYS,
    FIRST_REVIEW_DAYS,
    LAST_12_MONTHS_DAYS,
    LOOKAHEAD_DAYS,
    REVIEW_INTERVAL_DAYS,
    SHARING_DUE_DAYS,
    SHARING_GIVEN_UP_DAYS,
    UNBOOKED_AGREEMENT_DAYS,
)
from projections.kpi.known import as_known
from projections.kpi.reading import fetch_active
from projections.kpi.sql import STRATEGY_SPELLS, active_on, covers, due_by, strategy_on_agreed

D = "$2::date"
_FAMILIES = ", ".join(f"'{family}'" for family in sorted(BUDDY_JOB_FAMILIES))


def _live(booking: str) -> str:
    """A live booking on D: booked on or before it, not cancelled as of it."""
    return f"({booking}.booked_on <= {D} AND ({booking}.cancelled_on IS NULL OR {booking}.cancelled_on > {D}))"


def _not_by(column: str) -> str:
    """A first-date column with no fact dated on or before D."""
    return f"({column} IS NULL OR {column} > {D})"


# The manager of an employee on D: their latest assignment that took effect by D (``windows.MANAGER_SPELLS``: by
# assigned_on, else hired_on; equal dates: accepted last) — the spell that covers D, found without laying out
# every assignment's spell. Written as "no later one" rather than DISTINCT ON, so the planner still sees the
# assignments' own statistics when a read asks for one manager.
MANAGER_ON_D = f"""
manager_on_d AS (
    SELECT a.employee_id, a.manager_id
    FROM {{s}}.manager_assignments a
    JOIN {{s}}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
    WHERE a.tenant = $1 AND coalesce(a.assigned_on, e.hired_on) <= {D}
      AND NOT EXISTS (SELECT FROM {{s}}.manager_assignments l
                      WHERE l.tenant = a.tenant AND l.employee_id = a.employee_id
                        AND coalesce(l.assigned_on, e.hired_on) <= {D}
                        AND (coalesce(l.assigned_on, e.hired_on), l.seq) > (coalesce(a.assigned_on, e.hired_on), a.seq))
)"""

ACTIONS = f"""
WITH {STRATEGY_SPELLS},{MANAGER_ON_D},
placed AS (
    SELECT e.employee_id, e.hired_on, e.job_family, s.department, m.manager_id
    FROM {{s}}.employees e
    JOIN {{s}}.department_spells s ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND {covers("s", D)}
    LEFT JOIN manager_on_d m ON m.employee_id = e.employee_id
    WHERE e.tenant = $1 AND {active_on("e", D)}
      AND ($3::text IS NULL OR m.manager_id = $3::text) AND ($4::text IS NULL OR s.department = $4::text)
), open_agreements AS (
    SELECT a.agreement_id, a.employee_id, a.agreed_on, {due_by("a")} AS due_by
    FROM {{s}}.agreements a
    {strategy_on_agreed("a")}
    WHERE a.tenant = $1 AND a.agreed_on <= {D} AND {_not_by("a.withdrawn_on")} AND {_not_by("a.first_completed_on")}
      AND a.employee_id IN (SELECT employee_id FROM placed)
), live_bookings AS (
    SELECT b.booking_id, b.employee_id, b.booked_on, b.starts_on, b.ends_on, b.completed_on, b.department,
           b.listed_buddies, b.first_paired_on, b.first_substitute_on
    FROM {{s}}.bookings b
    WHERE b.tenant = $1 AND {_live("b")} AND b.employee_id IN (SELECT employee_id FROM placed)
      -- only those a branch below can name: in their check-in time, or starting within the lookahead
      AND b.starts_on <= {D} + {LOOKAHEAD_DAYS} AND (b.starts_on > {D} OR {D} <= b.ends_on + {CHECK_IN_GRACE_DAYS})
), latest_review AS (
    SELECT DISTINCT ON (r.employee_id) r.employee_id, r.held_on, r.education_item, r.seq
    FROM {{s}}.reviews r
    WHERE r.tenant = $1 AND r.held_on <= {D} AND r.employee_id IN (SELECT employee_id FROM placed)
    ORDER BY r.employee_id, r.held_on DESC, r.seq DESC
), found AS (
    SELECT 'agreement_overdue' AS kind, o.employee_id, o.agreement_id AS ref, o.due_by + 1 AS since,
           'agreement' AS about, o.agreed_on AS on_date, o.due_by AS until_date
    FROM open_agreements o
    WHERE o.due_by < {D}
  UNION ALL
    SELECT 'agreement_not_booked', o.employee_id, o.agreement_id, o.agreed_on + {UNBOOKED_AGREEMENT_DAYS},
           'agreement', o.agreed_on, o.due_by
    FROM open_agreements o
    WHERE o.due_by >= {D} AND o.agreed_on <= {D} - {UNBOOKED_AGREEMENT_DAYS}
      AND NOT EXISTS (SELECT FROM {{s}}.bookings b
                      WHERE b.tenant = $1 AND b.agreement_id = o.agreement_id AND {_live("b")})
  UNION ALL
    SELECT 'review_missing', p.employee_id, p.employee_id,
           coalesce(l.held_on + {REVIEW_INTERVAL_DAYS}, p.hired_on + {FIRST_REVIEW_DAYS}),
           CASE WHEN l.held_on IS NULL THEN 'hiring' ELSE 'review' END,
           coalesce(l.held_on, p.hired_on), NULL
    FROM placed p
    LEFT JOIN latest_review l USING (employee_id)
    WHERE coalesce(l.held_on + {REVIEW_INTERVAL_DAYS}, p.hired_on + {FIRST_REVIEW_DAYS}) <= {D}
      AND (l.held_on IS NULL OR l.held_on <= {D} - {LAST_12_MONTHS_DAYS})
  UNION ALL
    SELECT 'follow_up_due', l.employee_id, l.employee_id, f.follow_up_on, 'review', l.held_on, f.follow_up_on
    FROM latest_review l
    JOIN {{s}}.review_follow_ups f ON f.tenant = $1 AND f.seq = l.seq
    WHERE l.education_item AND f.follow_up_on <= {D}
      AND NOT EXISTS (SELECT FROM {{s}}.agreements a WHERE a.tenant = $1 AND a.employee_id = l.employee_id
                      AND a.agreed_on >= l.held_on AND a.agreed_on <= {D})
  UNION ALL
    SELECT 'check_in_missing', b.employee_id, b.booking_id, b.starts_on, 'booking', b.starts_on, b.ends_on
    FROM live_bookings b
    WHERE {_not_by("b.completed_on")} AND b.ends_on - b.starts_on >= {CHECK_IN_MIN_DAYS}
      AND b.starts_on <= {D} AND {D} <= b.ends_on + {CHECK_IN_GRACE_DAYS}
      AND NOT EXISTS (SELECT FROM {{s}}.check_ins c
                      WHERE c.tenant = $1 AND c.booking_id = b.booking_id AND c.held_on <= {D})
  UNION ALL
    SELECT 'sharing_missing', b.employee_id, b.booking_id, b.completed_on + {SHARING_DUE_DAYS}, 'booking',
           b.completed_on, NULL
    FROM {{s}}.bookings b
    WHERE b.tenant = $1 AND b.completed_on >= {D} - {SHARING_GIVEN_UP_DAYS}
      AND b.completed_on <= {D} - {SHARING_DUE_DAYS} AND {_not_by("b.first_shared_on")}
      AND b.employee_id IN (SELECT employee_id FROM placed)
  UNION ALL
    SELECT 'substitute_missing', b.employee_id, b.booking_id, b.booked_on, 'booking', b.starts_on, b.ends_on
    FROM live_bookings b
    CROSS JOIN LATERAL (
        SELECT w.busy_months FROM {{s}}.wheels w
        WHERE w.tenant = $1 AND w.effective_from <= b.starts_on
          AND (w.department = b.department OR w.department IS NULL)
        ORDER BY w.department IS NULL, w.effective_from DESC, w.seq DESC
        LIMIT 1
    ) AS applies
    WHERE b.starts_on > {D} AND b.starts_on <= {D} + {LOOKAHEAD_DAYS}
      AND date_part('month', b.starts_on)::int = ANY (applies.busy_months) AND {_not_by("b.first_substitute_on")}
  UNION ALL
    SELECT 'buddy_missing', b.employee_id, b.booking_id, b.booked_on, 'booking', b.starts_on, b.ends_on
    FROM live_bookings b
    JOIN placed p USING (employee_id)
    WHERE b.starts_on > {D} AND b.starts_on <= {D} + {LOOKAHEAD_DAYS} AND p.job_family IN ({_FAMILIES})
      AND NOT coalesce(b.listed_buddies, false) AND {_not_by("b.first_paired_on")}
)
SELECT f.kind, f.employee_id, p.manager_id, p.department, f.ref, f.since, f.about, f.on_date, f.until_date,
       CASE f.about
           WHEN 'agreement' THEN (SELECT c.title FROM {{s}}.agreement_courses c
                                  WHERE c.tenant = $1 AND c.agreement_id = f.ref)
           WHEN 'booking' THEN (SELECT c.title FROM {{s}}.funding_courses c
                                WHERE c.tenant = $1 AND c.booking_id = f.ref ORDER BY c.seq LIMIT 1)
       END AS title
FROM found f
JOIN placed p USING (employee_id)
"""


@cache
def actions_known() -> str:
    """``ACTIONS`` as known at an instant: the instant is $3 (``known.as_known``), manager and department
    move to $4 and $5."""
    return as_known(ACTIONS.replace("$4::text", "$5::text").replace("$3::text", "$4::text"))


async def action_rows(pool: asyncpg.Pool, tenant: str, as_of: date, manager: str | None = None,
                      department: str | None = None, *, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """The actions of the contract's table on ``as_of``, unsorted, with the facts their detail names; with
    ``known_at`` (aware), as known then: only the facts recorded by then count."""
    if known_at is None:
        rows = await fetch_active(pool, ACTIONS, tenant, as_of, manager, department, planned_per_read=True)
    else:
        if known_at.tzinfo is None:
            raise ValueError("known_at must carry its offset from UTC")
        rows = await fetch_active(pool, actions_known(), tenant, as_of, known_at, manager, department, hashed=True,
                                  planned_per_read=True)
    return [dict(row) for row in rows]


KNOWN_BOOKINGS = "SELECT booking_id FROM {s}.bookings WHERE tenant = $1 AND booked_at <= $2::timestamptz"


async def bookings_known_by(pool: asyncpg.Pool, tenant: str, known_at: datetime) -> set[str]:
    """The bookings whose CourseBooked was recorded by ``known_at``."""
    return {row["booking_id"] for row in await fetch_active(pool, KNOWN_BOOKINGS, tenant, known_at)}
