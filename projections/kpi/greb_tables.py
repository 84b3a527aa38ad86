"""The dashboard's greb facts beside the KPI tables (same schema, same version): one row per event as
reported, keyed by the event's seq, so "in force on a date" and "accepted last" read like the KPIs. With the
KPI tables (employees, department spells, gaps, bookings, wheels) they answer the leadership dashboard's
views of the report's tools — who the ambassadors are and which gaps they raised, the committee, the
strategy's vision, practice follow-up, knowledge sharing by format, the wheels' focus
areas and the departments' names (manager check-ins are the actions' ``check_ins``). None of these columns is
personal data (CONTRACT §3)."""

from projections.model import ReadIndex

TABLES = """
-- DepartmentRegistered: a department's display name is the one registered last.
CREATE TABLE IF NOT EXISTS {s}.greb_department_names (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    department  text COLLATE "C"    NOT NULL,
    name        text    NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- EducationStrategyAdopted: the strategy in force on X is the latest adopted_on <= X (then seq).
CREATE TABLE IF NOT EXISTS {s}.greb_strategies (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    adopted_on  date    NOT NULL,
    formality   text    NOT NULL,
    vision      text    NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.greb_ambassadors (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    employee_id     text COLLATE "C"    NOT NULL,
    role            text COLLATE "C"    NOT NULL,
    appointed_on    date,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.greb_committee (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    held_on         date    NOT NULL,
    management_reps integer NOT NULL,
    employee_reps   integer NOT NULL,
    topics          text[]  NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- Who raised a gap (CompetenceGapIdentified.source); the gap itself is in gaps.
CREATE TABLE IF NOT EXISTS {s}.greb_gap_sources (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    gap_id      text COLLATE "C"    NOT NULL,
    source      text COLLATE "C"    NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.greb_practice (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    booking_id  text COLLATE "C"    NOT NULL,
    held_on     date    NOT NULL,
    applied     boolean NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.greb_shares (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    booking_id  text COLLATE "C"    NOT NULL,
    shared_on   date    NOT NULL,
    format      text COLLATE "C"    NOT NULL,
    audience    integer,
    PRIMARY KEY (tenant, seq)
);

-- The focus areas of each AnnualWheelDefined (the wheel itself is in wheels and wheel_seasons, same seq).
CREATE TABLE IF NOT EXISTS {s}.greb_wheel_focus (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    focus_areas jsonb   NOT NULL,
    PRIMARY KEY (tenant, seq)
);
"""


# Only the dashboard's reads use these.
GREB_READ_INDEXES = (
    ReadIndex("greb_gap_sources_by_gap", "greb_gap_sources", "(tenant, gap_id)"),
    ReadIndex("greb_practice_by_booking", "greb_practice", "(tenant, booking_id)"),
    ReadIndex("greb_shares_by_date", "greb_shares", "(tenant, shared_on)"),
)

def greb_tables(schema: str) -> str:
    return TABLES.replace("{s}", schema)
