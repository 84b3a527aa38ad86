"""The funding facts beside the KPI tables (same schema, same version): rows as reported, keyed by the event's
seq, so "in force on a date" and "accepted last" are read with the same rules as the KPIs. The bookings,
employees and department spells of the KPI tables give the rest."""

from projections.model import ReadIndex

TABLES = """
-- The course kind of each booking (VEU and the funds depend on it).
CREATE TABLE IF NOT EXISTS {s}.funding_courses (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    booking_id  text COLLATE "C"    NOT NULL,
    kind        text COLLATE "C"    NOT NULL,
    title       text    NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- EmploymentTermsSet: the terms in force on X are those with the latest effective_from <= X (then seq).
CREATE TABLE IF NOT EXISTS {s}.funding_terms (
    tenant                  text COLLATE "C"    NOT NULL,
    seq                     bigint  NOT NULL,
    employee_id             text COLLATE "C"    NOT NULL,
    effective_from          date    NOT NULL,
    collective_agreement    text COLLATE "C",
    weekly_hours            numeric NOT NULL,
    apprentice              boolean NOT NULL,
    public_benefits         boolean NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- EducationLevelRecorded: the level on X is the one with the latest recorded_on <= X (then seq).
CREATE TABLE IF NOT EXISTS {s}.funding_education (
    tenant                  text COLLATE "C"    NOT NULL,
    seq                     bigint  NOT NULL,
    employee_id             text COLLATE "C"    NOT NULL,
    recorded_on             date    NOT NULL,
    level                   text COLLATE "C"    NOT NULL,
    higher_last_used_on     date,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- CourseCostsRecorded (planned fee, travel and wage) and CourseWagePaid (the wage paid), per booking.
CREATE TABLE IF NOT EXISTS {s}.funding_costs (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    booking_id      text COLLATE "C"    NOT NULL,
    recorded_on     date    NOT NULL,
    wage_paid       boolean NOT NULL,
    fee             numeric,
    travel_km       numeric,
    hourly_wage     numeric,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- Every step of every claim: FundingApplied, FundingGranted, FundingPaid, FundingRejected.
CREATE TABLE IF NOT EXISTS {s}.funding_claims (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    booking_id  text COLLATE "C"    NOT NULL,
    scheme      text COLLATE "C"    NOT NULL,
    step        text COLLATE "C"    NOT NULL,
    on_date     date    NOT NULL,
    amount      numeric,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- ManagerAssigned, for the manager of the funding actions (missing assigned_on: the employee's hired_on).
CREATE TABLE IF NOT EXISTS {s}.funding_managers (
    tenant      text COLLATE "C"    NOT NULL,
    seq         bigint  NOT NULL,
    employee_id text COLLATE "C"    NOT NULL,
    manager_id  text COLLATE "C"    NOT NULL,
    assigned_on date,
    PRIMARY KEY (tenant, seq)
);
"""


# Only the funding read uses it.
FUNDING_READ_INDEXES = (ReadIndex("funding_courses_by_booking", "funding_courses", "(tenant, booking_id)"),)

def funding_tables(schema: str) -> str:
    return TABLES.replace("{s}", schema)
