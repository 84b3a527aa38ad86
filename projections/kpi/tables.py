"""The KPI read model's tables: dated facts per tenant, one schema per projection version.

Every row carries ``tenant``; ``seq`` is the event's place in the log where "accepted last" decides
ties. Dates that only matter as "is there one on or before X" are kept as the earliest such date
(``first_*_on``), so a KPI read never has to look at more than one row per entity. Every fact also
carries when it became known, the ``recorded_at`` of its event (on an entity's row ``*_at``, one per kind
of event that fills it; the events of earliest-date kinds in ``dated_facts``), so a read as known at an
instant (``known``) takes only what was recorded by then. Identifiers are
compared byte by byte (``COLLATE "C"``): they are opaque keys, and sorting or hashing them under a
language collation would only cost time.
"""

from projections.model import ReadIndex

TABLES = """
CREATE TABLE IF NOT EXISTS {s}.tenants (
    tenant      text COLLATE "C" PRIMARY KEY
);

-- Every CompanyRegistered as received; the display name is the one with the latest registered_on.
CREATE TABLE IF NOT EXISTS {s}.company_registrations (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    registered_on   date    NOT NULL,
    name            text    NOT NULL,
    cvr             text,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.strategies (
    tenant              text COLLATE "C"    NOT NULL,
    seq                 bigint  NOT NULL,
    adopted_on          date    NOT NULL,
    cycle_start_month   integer NOT NULL,
    completion_target   float8  NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.departments (
    tenant      text COLLATE "C"    NOT NULL,
    department  text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    PRIMARY KEY (tenant, department)
);

-- Registration fills the first columns, EmployeeLeft the last; either may arrive first.
CREATE TABLE IF NOT EXISTS {s}.employees (
    tenant      text COLLATE "C"    NOT NULL,
    employee_id text COLLATE "C"    NOT NULL,
    department  text COLLATE "C",
    job_family  text COLLATE "C",
    hired_on    date,
    seq         bigint,
    registered_at timestamptz,
    left_on     date,
    PRIMARY KEY (tenant, employee_id)
);

-- Every move as received; with the registration in employees, the department history.
CREATE TABLE IF NOT EXISTS {s}.department_changes (
    tenant          text COLLATE "C"    NOT NULL,
    employee_id     text COLLATE "C"    NOT NULL,
    effective_on    date    NOT NULL,
    department      text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, employee_id, seq)
);

-- Derived from the registration and department_changes: the department on X is the spell with
-- valid_from <= X < valid_to; the first spell starts at -infinity (before hired_on, the registered department).
CREATE TABLE IF NOT EXISTS {s}.department_spells (
    tenant      text COLLATE "C"    NOT NULL,
    employee_id text COLLATE "C"    NOT NULL,
    valid_from  date    NOT NULL,
    valid_to    date    NOT NULL,
    department  text COLLATE "C"    NOT NULL,
    PRIMARY KEY (tenant, employee_id, valid_from)
);

-- Every ManagerAssigned as received; the manager on X is read from these (assigned_on null: from hired_on).
CREATE TABLE IF NOT EXISTS {s}.manager_assignments (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    employee_id text COLLATE "C"    NOT NULL,
    manager_id  text COLLATE "C"    NOT NULL,
    assigned_on date,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.reviews (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    employee_id     text COLLATE "C"    NOT NULL,
    held_on         date    NOT NULL,
    education_item  boolean NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.assessments (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    employee_id text COLLATE "C"    NOT NULL,
    competence  text COLLATE "C"    NOT NULL,
    level       integer NOT NULL,
    assessed_on date    NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX IF NOT EXISTS assessments_by_competence ON {s}.assessments (tenant, employee_id, competence);

-- closed_effective_on: the earlier of closed_on and the first assessment that reaches the target.
CREATE TABLE IF NOT EXISTS {s}.gaps (
    tenant              text COLLATE "C"    NOT NULL,
    gap_id              text COLLATE "C"    NOT NULL,
    employee_id         text COLLATE "C",
    competence          text COLLATE "C",
    identified_on       date,
    target_level        integer,
    seq                 bigint,
    identified_at       timestamptz,
    closed_on           date,
    closed_effective_on date,
    PRIMARY KEY (tenant, gap_id)
);
CREATE INDEX IF NOT EXISTS gaps_by_competence ON {s}.gaps (tenant, employee_id, competence);

-- due_by stays null when the message had none: its default depends on strategies that may arrive later.
-- department (on agreed_on) and employee_left_on are copied from the employee's facts whenever they change.
CREATE TABLE IF NOT EXISTS {s}.agreements (
    tenant              text COLLATE "C"    NOT NULL,
    agreement_id        text COLLATE "C"    NOT NULL,
    employee_id         text COLLATE "C",
    agreed_on           date,
    due_by              date,
    seq                 bigint,
    agreed_at           timestamptz,
    withdrawn_on        date,
    first_completed_on  date,
    department          text COLLATE "C",
    employee_left_on    date,
    PRIMARY KEY (tenant, agreement_id)
);
CREATE INDEX IF NOT EXISTS agreements_by_employee ON {s}.agreements (tenant, employee_id);

-- department (on booked_on), completed_department (on completed_on) and job_family are copied from
-- the employee's facts whenever they change, so KPI reads need no join for them.
CREATE TABLE IF NOT EXISTS {s}.bookings (
    tenant              text COLLATE "C"    NOT NULL,
    booking_id          text COLLATE "C"    NOT NULL,
    employee_id         text COLLATE "C",
    agreement_id        text COLLATE "C",
    booked_on           date,
    starts_on           date,
    ends_on             date,
    hours               numeric,
    listed_buddies      boolean,
    collective          boolean,
    seq                 bigint,
    booked_at           timestamptz,
    cancelled_on        date,
    completed_on        date,
    hours_attended      numeric,
    passed              boolean,
    completed_at        timestamptz,
    first_paired_on     date,
    first_substitute_on date,
    first_shared_on     date,
    department          text COLLATE "C",
    completed_department text COLLATE "C",
    job_family          text COLLATE "C",
    run_id              text COLLATE "C",
    PRIMARY KEY (tenant, booking_id)
);
CREATE INDEX IF NOT EXISTS bookings_by_employee ON {s}.bookings (tenant, employee_id);
CREATE INDEX IF NOT EXISTS bookings_by_agreement ON {s}.bookings (tenant, agreement_id)
    WHERE agreement_id IS NOT NULL;

-- department null = the company wheel; busy_months lists the months marked busy.
CREATE TABLE IF NOT EXISTS {s}.wheels (
    tenant          text COLLATE "C"        NOT NULL,
    seq             bigint      NOT NULL,
    department      text COLLATE "C",
    effective_from  date        NOT NULL,
    kind            text COLLATE "C"        NOT NULL,
    busy_months     integer[]   NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE IF NOT EXISTS {s}.committee_meetings (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    held_on         date    NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- Every event of a kind of which an entity keeps only the earliest date (left_on, closed_on, withdrawn_on,
-- cancelled_on, first_paired_on, first_substitute_on, first_shared_on) as received: what a read as known at an
-- instant takes the earliest of, among those recorded by then.
CREATE TABLE IF NOT EXISTS {s}.dated_facts (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    type        text COLLATE "C"    NOT NULL,
    key         text COLLATE "C"    NOT NULL,
    on_date     date    NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);
"""


# The indexes only the reads use (the folds find rows by key, employee, agreement and competence).
READ_INDEXES = (
    ReadIndex("reviews_by_date", "reviews", "(tenant, held_on)"),
    ReadIndex("agreements_by_date", "agreements", "(tenant, agreed_on)"),
    ReadIndex("bookings_by_start", "bookings", "(tenant, starts_on)"),
    ReadIndex("bookings_by_completion", "bookings", "(tenant, completed_on) WHERE completed_on IS NOT NULL"),
    ReadIndex("committee_meetings_by_date", "committee_meetings", "(tenant, held_on)"),
)

def tables(schema: str) -> str:
    return TABLES.replace("{s}", schema)
