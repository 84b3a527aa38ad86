"""The KPI read model's tables for the planning assistant (contract §8): course runs, planning rules, every
wheel with all its month kinds, and the course each agreement asks for. (A booking's ``run_id`` is a
column of ``bookings``.)"""

from projections.model import ReadIndex

PLANNING_TABLES = """
-- Course runs as announced (the first announcement wins); withdrawn_on is the earliest withdrawal.
CREATE TABLE IF NOT EXISTS {s}.runs (
    tenant          text COLLATE "C"    NOT NULL,
    run_id          text COLLATE "C"    NOT NULL,
    title           text COLLATE "C",
    kind            text COLLATE "C",
    code            text COLLATE "C",
    competence      text COLLATE "C",
    provider        text COLLATE "C",
    starts_on       date,
    ends_on         date,
    hours           numeric,
    seats           integer,
    fee             numeric,
    seq             bigint,
    withdrawn_on    date,
    PRIMARY KEY (tenant, run_id)
);

-- The away shares of every PlanningRulesSet, kept exactly as sent (numeric, so caps are floored exactly).
CREATE TABLE IF NOT EXISTS {s}.planning_rules (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    effective_from  date    NOT NULL,
    low             numeric NOT NULL,
    normal          numeric NOT NULL,
    busy            numeric NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- Every wheel definition with the kind of each month ('low', 'normal' or 'busy'), January first;
-- department null = the company wheel.
CREATE TABLE IF NOT EXISTS {s}.wheel_seasons (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    department      text COLLATE "C",
    effective_from  date    NOT NULL,
    months          text[]  NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- What course an agreement asks for: a course code, else its gap's competence, else its title.
CREATE TABLE IF NOT EXISTS {s}.agreement_courses (
    tenant          text COLLATE "C"    NOT NULL,
    agreement_id    text COLLATE "C"    NOT NULL,
    title           text COLLATE "C",
    course_code     text COLLATE "C",
    gap_id          text COLLATE "C",
    seq             bigint  NOT NULL,
    PRIMARY KEY (tenant, agreement_id)
);
"""


# Only the planning assistant's reads use it.
PLANNING_READ_INDEXES = (ReadIndex("runs_by_start", "runs", "(tenant, starts_on)"),)

def planning_tables(schema: str) -> str:
    return PLANNING_TABLES.replace("{s}", schema)
