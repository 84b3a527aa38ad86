-- Idempotency lookups by (tenant, message_id) use one full unique index.
--
-- 001 ships it as a partial index (WHERE tenant IS NOT NULL AND message_id IS NOT NULL). For a while a
-- later copy of 001 created the full index instead, so a database may hold either form, depending on
-- the version that created it. Both converge here: a partial index is replaced, a full one is kept.
-- NULLs are distinct in a unique index, so rows without a readable tenant or message_id never collide
-- and uniqueness is the same under both forms; only the lookups differ.

DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_index
        WHERE indexrelid = to_regclass('outcomes_idempotency') AND indpred IS NOT NULL
    ) THEN
        DROP INDEX outcomes_idempotency;
    END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS outcomes_idempotency ON outcomes (tenant, message_id);
