-- Tamper evidence (CONTRACT §6, docs/audit.md): every event carries `hash`, the SHA-256 (hex) of its
-- canonical encoding, and `prev_hash`, the hash of the previous event of the same stream (64 zeros for
-- version 1). Signed checkpoints per tenant cover every stream's head at a cursor.
--
-- The canonical encoding of an event is one line of JSON, the object of these keys in this order (the
-- order `jq -S` sorts them in), without spaces between them:
--   actor, data, message_id, occurred_at, position, prev_hash, recorded_at, schema_version, stream,
--   tenant, transaction_id, type, version
-- * strings as PostgreSQL's to_json writes them;
-- * data exactly as PostgreSQL prints a jsonb value (data::text: keys ordered by byte length, then
--   bytes; ", " and ": " between items), which costs the append nothing beyond printing it;
-- * occurred_at / recorded_at in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (always six digits);
-- * transaction_id as a string of digits, position / version / schema_version as numbers.
-- Personal fields are hashed as stored (encrypted), so erasure (destroying a key) never changes a hash.
--
-- The hash is computed by a BEFORE INSERT trigger, so position, transaction_id and recorded_at are the
-- ones PostgreSQL assigned. The previous event of the stream is found under the stream's lock, which
-- every append holds (020_append.sql, 040_log_horizon.sql): no lock of its own, no tenant-wide order.

ALTER TABLE events ADD COLUMN IF NOT EXISTS prev_hash text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS hash text;

-- The encoding as functions, for the chaining of existing rows below and for anyone checking a row in SQL.
CREATE OR REPLACE FUNCTION eduplan_event_encoding(
    p_position bigint, p_transaction_id xid8, p_tenant text, p_stream text, p_version int, p_type text,
    p_occurred_at timestamptz, p_recorded_at timestamptz, p_message_id text, p_actor text, p_data jsonb,
    p_schema_version int, p_prev_hash text
) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN '{"actor":' || coalesce(to_json(p_actor)::text, 'null')
        || ',"data":' || p_data::text
        || ',"message_id":' || to_json(p_message_id)::text
        || ',"occurred_at":"' || to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"position":' || p_position::text
        || ',"prev_hash":' || coalesce(to_json(p_prev_hash)::text, 'null')
        || ',"recorded_at":"' || to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"schema_version":' || p_schema_version::text
        || ',"stream":' || to_json(p_stream)::text
        || ',"tenant":' || to_json(p_tenant)::text
        || ',"transaction_id":"' || p_transaction_id::text || '"'
        || ',"type":' || to_json(p_type)::text
        || ',"version":' || p_version::text
        || '}';
END
$$;

CREATE OR REPLACE FUNCTION eduplan_event_hash(
    p_position bigint, p_transaction_id xid8, p_tenant text, p_stream text, p_version int, p_type text,
    p_occurred_at timestamptz, p_recorded_at timestamptz, p_message_id text, p_actor text, p_data jsonb,
    p_schema_version int, p_prev_hash text
) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN encode(sha256(convert_to(eduplan_event_encoding(
        p_position, p_transaction_id, p_tenant, p_stream, p_version, p_type, p_occurred_at, p_recorded_at,
        p_message_id, p_actor, p_data, p_schema_version, p_prev_hash), 'UTF8')), 'hex');
END
$$;

-- Chains every new event to its stream's head. A version without a predecessor in the log (which the
-- append protocol never writes) gets no prev_hash: `audit verify` reports it.
-- The encoding is written out here again rather than calling eduplan_event_hash: a function call in the
-- trigger costs every INSERT statement about ten times what the hash itself costs (measured: ~250 µs
-- against ~20 µs per single-row INSERT). The test suite checks that the two agree, and agree with
-- infra/audit.py.
CREATE OR REPLACE FUNCTION events_chain_hash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = 1 THEN
        NEW.prev_hash := repeat('0', 64);
    ELSE
        NEW.prev_hash := (SELECT e.hash FROM events AS e
                          WHERE e.tenant = NEW.tenant AND e.stream = NEW.stream AND e.version = NEW.version - 1);
    END IF;
    NEW.hash := encode(sha256(convert_to(
        '{"actor":' || coalesce(to_json(NEW.actor)::text, 'null')
        || ',"data":' || NEW.data::text
        || ',"message_id":' || to_json(NEW.message_id)::text
        || ',"occurred_at":"' || to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"position":' || NEW.position::text
        || ',"prev_hash":' || coalesce(to_json(NEW.prev_hash)::text, 'null')
        || ',"recorded_at":"' || to_char(NEW.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"schema_version":' || NEW.schema_version::text
        || ',"stream":' || to_json(NEW.stream)::text
        || ',"tenant":' || to_json(NEW.tenant)::text
        || ',"transaction_id":"' || NEW.transaction_id::text || '"'
        || ',"type":' || to_json(NEW.type)::text
        || ',"version":' || NEW.version::text
        || '}', 'UTF8')), 'hex');
    RETURN NEW;
END
$$;

-- The log that is already there is chained now, stream by stream in version order (one step of the
-- recursion per version, all streams at once). The guard against UPDATE is lifted for this statement
-- only, inside this migration's transaction.
ALTER TABLE events DISABLE TRIGGER events_no_update_delete;
WITH RECURSIVE chain (position, tenant, stream, version, prev_hash, hash) AS (
    SELECT e.position, e.tenant, e.stream, e.version, repeat('0', 64),
           eduplan_event_hash(e.position, e.transaction_id, e.tenant, e.stream, e.version, e.type, e.occurred_at,
                              e.recorded_at, e.message_id, e.actor, e.data, e.schema_version, repeat('0', 64))
    FROM events AS e WHERE e.version = 1
    UNION ALL
    SELECT n.position, n.tenant, n.stream, n.version, c.hash,
           eduplan_event_hash(n.position, n.transaction_id, n.tenant, n.stream, n.version, n.type, n.occurred_at,
                              n.recorded_at, n.message_id, n.actor, n.data, n.schema_version, c.hash)
    FROM chain AS c JOIN events AS n ON n.tenant = c.tenant AND n.stream = c.stream AND n.version = c.version + 1
)
UPDATE events SET prev_hash = chain.prev_hash, hash = chain.hash
FROM chain WHERE events.position = chain.position AND events.hash IS NULL;
ALTER TABLE events ENABLE TRIGGER events_no_update_delete;

-- What this migration chained, per tenant: the tenant's first checkpoint says so.
CREATE TABLE IF NOT EXISTS audit_chained_existing (
    tenant          text        PRIMARY KEY,
    events          bigint      NOT NULL,
    last_position   bigint      NOT NULL,
    chained_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO audit_chained_existing (tenant, events, last_position)
SELECT tenant, count(*), max(position) FROM events GROUP BY tenant
ON CONFLICT (tenant) DO NOTHING;

DROP TRIGGER IF EXISTS events_chain_hash ON events;
CREATE TRIGGER events_chain_hash BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_chain_hash();

-- Checkpoints: per tenant, numbered 1, 2, …; `body` is the signed document (canonical JSON, see
-- services/core/audit/checkpoints.py), the other columns repeat what it says for queries.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    tenant          text        NOT NULL,
    seq             integer     NOT NULL CHECK (seq >= 1),
    transaction_id  xid8        NOT NULL,
    position        bigint      NOT NULL,
    events          bigint      NOT NULL,
    body            text        NOT NULL,
    scheme          text        NOT NULL CHECK (scheme IN ('none', 'hmac-sha256', 'ed25519')),
    key_id          text,
    signature       text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant, seq)
);

DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
