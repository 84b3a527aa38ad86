-- Where each outbox relay has got to in the event log: the cursor after the last event the broker acknowledged.

CREATE TABLE IF NOT EXISTS relay_checkpoints (
    name        text        PRIMARY KEY,
    cursor      text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
