-- Plans the planning assistant proposed (contract §8), and every time one was accepted.
-- A plan keeps the cursor its facts were read at (facts_cutoff) and the solver that made it.

CREATE TABLE IF NOT EXISTS plans (
    plan_id         text        PRIMARY KEY,
    tenant          text        NOT NULL,
    window_from     date        NOT NULL,
    window_to       date        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('optimal', 'feasible')),
    objective       bigint      NOT NULL,
    facts_cutoff    text        NOT NULL,
    solver          text        NOT NULL,
    solver_version  text        NOT NULL,
    document        jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS plans_by_tenant ON plans (tenant, created_at);

CREATE TABLE IF NOT EXISTS plan_acceptances (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id         text        NOT NULL REFERENCES plans (plan_id),
    tenant          text        NOT NULL,
    booked_on       date        NOT NULL,
    accepted        integer     NOT NULL,
    duplicate       integer     NOT NULL,
    rejected        integer     NOT NULL,
    accepted_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS plan_acceptances_by_plan ON plan_acceptances (plan_id, id);
