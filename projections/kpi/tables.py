"""The KPI read model's tables: dated facts per tenant, one schema per projection version.

Every row carries ``tenant``; ``seq`` is the event's place in the log where "accepted last" decides
ties. Dates that only matter as "is there one on or before X" are kept as the earliest such date
(``first_*_on``), so a KPI read never has to look at more than one row per entity.
"""

TABLES = """
CREATE TABLE IF NOT EXISTS {s}.tenants (
    tenant      text PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS {s}.strategies (
    tenant              text    NOT NULL,
    seq                 bigint  NOT NULL,
    adopted_on          date    NOT NULL,
    cycle_start_month   integer NOT NULL,
    completion_target   float8  NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.departments (
    tenant      text    NOT NULL,
    department  text    NOT NULL,
    seq         bigint  NOT NULL,
    PRIMARY KEY (tenant, department)
);

-- Registration fills the first columns, EmployeeLeft the last; either may arrive first.
CREATE TABLE IF NOT EXISTS {s}.employees (
    tenant      text    NOT NULL,
    employee_id text    NOT NULL,
    department  text,
    job_family  text,
    hired_on    date,
    seq         bigint,
    left_on     date,
    PRIMARY KEY (tenant, employee_id)
);

-- The registration (dated hired_on) and every move: the department history as received.
CREATE TABLE IF NOT EXISTS {s}.department_changes (
    tenant          text    NOT NULL,
    employee_id     text    NOT NULL,
    effective_on    date    NOT NULL,
    department      text    NOT NULL,
    seq             bigint  NOT NULL,
    PRIMARY KEY (tenant, employee_id, seq)
);

-- Derived from department_changes: the department on X is the spell with valid_from <= X < valid_to;
-- the first spell starts at -infinity (before hired_on, the registered department).
CREATE TABLE IF NOT EXISTS {s}.department_spells (
    tenant      text    NOT NULL,
    employee_id text    NOT NULL,
    valid_from  date    NOT NULL,
    valid_to    date    NOT NULL,
    department  text    NOT NULL,
    PRIMARY KEY (tenant, employee_id, valid_from)
);

CREATE TABLE IF NOT EXISTS {s}.reviews (
    tenant          text    NOT NULL,
    seq             bigint  NOT NULL,
    employee_id     text    NOT NULL,
    held_on         date    NOT NULL,
    education_item  boolean NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX IF NOT EXISTS reviews_by_date ON {s}.reviews (tenant, held_on);

CREATE TABLE IF NOT EXISTS {s}.assessments (
    tenant      text    NOT NULL,
    seq         bigint  NOT NULL,
    employee_id text    NOT NULL,
    competence  text    NOT NULL,
    level       integer NOT NULL,
    assessed_on date    NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX IF NOT EXISTS assessments_by_competence ON {s}.assessments (tenant, employee_id, competence);

-- closed_effective_on: the earlier of closed_on and the first assessment that reaches the target.
CREATE TABLE IF NOT EXISTS {s}.gaps (
    tenant              text    NOT NULL,
    gap_id              text    NOT NULL,
    employee_id         text,
    competence          text,
    identified_on       date,
    target_level        integer,
    seq                 bigint,
    closed_on           date,
    closed_effective_on date,
    PRIMARY KEY (tenant, gap_id)
);
CREATE INDEX IF NOT EXISTS gaps_by_competence ON {s}.gaps (tenant, employee_id, competence);

-- due_by stays null when the message had none: its default depends on strategies that may arrive later.
CREATE TABLE IF NOT EXISTS {s}.agreements (
    tenant              text    NOT NULL,
    agreement_id        text    NOT NULL,
    employee_id         text,
    agreed_on           date,
    due_by              date,
    seq                 bigint,
    withdrawn_on        date,
    first_completed_on  date,
    PRIMARY KEY (tenant, agreement_id)
);
CREATE INDEX IF NOT EXISTS agreements_by_date ON {s}.agreements (tenant, agreed_on);

CREATE TABLE IF NOT EXISTS {s}.bookings (
    tenant              text    NOT NULL,
    booking_id          text    NOT NULL,
    employee_id         text,
    agreement_id        text,
    booked_on           date,
    starts_on           date,
    ends_on             date,
    hours               numeric,
    listed_buddies      boolean,
    collective          boolean,
    seq                 bigint,
    cancelled_on        date,
    completed_on        date,
    hours_attended      numeric,
    passed              boolean,
    first_paired_on     date,
    first_substitute_on date,
    first_shared_on     date,
    PRIMARY KEY (tenant, booking_id)
);
CREATE INDEX IF NOT EXISTS bookings_by_start ON {s}.bookings (tenant, starts_on);
CREATE INDEX IF NOT EXISTS bookings_by_completion ON {s}.bookings (tenant, completed_on)
    WHERE completed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS bookings_by_agreement ON {s}.bookings (tenant, agreement_id)
    WHERE agreement_id IS NOT NULL;

-- department null = the company wheel; busy_months lists the months marked busy.
CREATE TABLE IF NOT EXISTS {s}.wheels (
    tenant          text        NOT NULL,
    seq             bigint      NOT NULL,
    department      text,
    effective_from  date        NOT NULL,
    kind            text        NOT NULL,
    busy_months     integer[]   NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.committee_meetings (
    tenant          text    NOT NULL,
    seq             bigint  NOT NULL,
    held_on         date    NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX IF NOT EXISTS committee_meetings_by_date ON {s}.committee_meetings (tenant, held_on);
"""


def tables(schema: str) -> str:
    return TABLES.replace("{s}", schema)
