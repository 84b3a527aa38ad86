-- The append-only event log, message outcomes (idempotency and rejections) and personal-data keys.

CREATE TABLE IF NOT EXISTS events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    tenant          text        NOT NULL,
    stream          text        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    type            text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    message_id      text        NOT NULL,
    actor           text,
    data            jsonb       NOT NULL,
    schema_version  integer     NOT NULL DEFAULT 1,
    UNIQUE (tenant, stream, version)
);

-- Readers follow the log in (transaction_id, position) order below the snapshot xmin.
CREATE INDEX IF NOT EXISTS events_commit_order ON events (transaction_id, position);
CREATE INDEX IF NOT EXISTS events_tenant_commit_order ON events (tenant, transaction_id, position);

-- The log is append-only: no UPDATE, DELETE or TRUNCATE ever reaches it.
CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only (% refused)', TG_OP;
END;
$$;

DROP TRIGGER IF EXISTS events_no_update_delete ON events;
CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
DROP TRIGGER IF EXISTS events_no_truncate ON events;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- One row per message that was read: its outcome. (tenant, message_id) is the idempotency key.
CREATE TABLE IF NOT EXISTS outcomes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant          text,
    message_id      text,
    status          text        NOT NULL CHECK (status IN ('accepted', 'rejected')),
    reason          text,
    detail          text,
    events          jsonb,
    message_type    text,
    door            text        NOT NULL DEFAULT 'unknown',
    raw             bytea,
    raw_size        integer,
    received_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_idempotency
    ON outcomes (tenant, message_id) WHERE tenant IS NOT NULL AND message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS outcomes_rejections ON outcomes (tenant, id) WHERE status = 'rejected';

-- Per-employee keys for personal fields; erasure destroys the key, never the log.
CREATE TABLE IF NOT EXISTS subject_keys (
    tenant      text        NOT NULL,
    subject     text        NOT NULL,
    key         bytea,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    erased_at   timestamptz,
    PRIMARY KEY (tenant, subject)
);

-- A re-sent message gets the outcome "duplicate"; each such receipt is kept too.
CREATE TABLE IF NOT EXISTS duplicates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      text        NOT NULL,
    message_id  text        NOT NULL,
    door        text        NOT NULL DEFAULT 'unknown',
    received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS duplicates_by_message ON duplicates (tenant, message_id);
