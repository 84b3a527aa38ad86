-- Where a message without an idempotency key was read, so that reading it again gives it no second outcome
-- (CONTRACT §1: every message gets exactly one outcome). A message with a readable tenant and message_id is
-- recognised by them (outcomes_idempotency); one without (not JSON, too large, no valid tenant, no message_id)
-- was stored as rejected once more each time it was read again: the Kafka door reads a partition again from
-- its last committed offset after a worker died or a lane's answer was lost after the store's commit.
--
-- outcomes.source: for such a message, the place of the record it came in (the Kafka door's record_place:
-- topic, partition, offset and the record's timestamp); NULL for every other outcome. At most one outcome per
-- source; the intake answers a message whose source is on record with that outcome, as a duplicate.
-- Such a message is now listed in dead_letters_sent (050) too, as tenant '' and message_id = its source, so
-- that its copy on the dead-letter topic is still sent at least once when its record is read again.
--
-- eduplan_append_sealed (141) again, unchanged but for the source: writes.outcomes[].source is stored.

ALTER TABLE outcomes ADD COLUMN IF NOT EXISTS source text;
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_source ON outcomes (source) WHERE source IS NOT NULL;

CREATE OR REPLACE FUNCTION eduplan_append_sealed(
    write_locks bigint[], read_locks bigint[], raw_locks bigint[], checks jsonb, writes jsonb, door text
)
RETURNS TABLE (
    r_kind text, r_tenant text, r_name text, r_stream text, r_version int, r_type text, r_data text,
    r_position bigint, r_xid text, r_key bytea
) LANGUAGE plpgsql AS $$
BEGIN
    -- One statement, the keys in ascending order (the sorted subquery is evaluated before the locks),
    -- each exclusive when the batch writes that stream, else shared.
    PERFORM CASE WHEN exclusive THEN pg_advisory_xact_lock(k) ELSE pg_advisory_xact_lock_shared(k) END
    FROM (
        SELECT k, bool_or(x) AS exclusive FROM (
            SELECT k, true AS x FROM unnest(write_locks) AS k
            UNION ALL
            SELECT k, false FROM unnest(read_locks) AS k
        ) AS wanted GROUP BY k ORDER BY k
    ) AS sorted;

    RETURN QUERY
    SELECT 'seen'::text, o.tenant, o.message_id, NULL::text, NULL::int, o.status,
           jsonb_build_object('reason', o.reason, 'detail', o.detail, 'events', o.events,
                              'type', o.message_type)::text,
           NULL::bigint, NULL::text, NULL::bytea
    FROM jsonb_array_elements(checks->'seen') AS s(item)
    CROSS JOIN LATERAL (
        SELECT * FROM outcomes AS x WHERE x.tenant = s.item->>0 AND x.message_id = s.item->>1 LIMIT 1
    ) AS o
    UNION ALL
    SELECT 'event', e.tenant, e.stream, e.stream, e.version, e.type, e.data::text, e.position, NULL, NULL
    FROM jsonb_array_elements(checks->'streams') AS s(item)
    CROSS JOIN LATERAL (
        SELECT * FROM events AS x
        WHERE x.tenant = s.item->>0 AND x.stream = s.item->>1 AND x.version > (s.item->>2)::int
        ORDER BY x.version OFFSET 0
    ) AS e
    UNION ALL
    SELECT 'key', k.tenant, k.subject, NULL, NULL, NULL, NULL, NULL, NULL, k.key
    FROM jsonb_array_elements(checks->'keys') AS s(item)
    CROSS JOIN LATERAL (
        SELECT * FROM subject_keys AS x WHERE x.tenant = s.item->>0 AND x.subject = s.item->>1 LIMIT 1
    ) AS k;
    IF FOUND THEN
        RETURN;
    END IF;

    IF cardinality(raw_locks) > 0 THEN
        PERFORM pg_advisory_xact_lock_shared(k) FROM (SELECT DISTINCT k FROM unnest(raw_locks) AS k ORDER BY k) AS sorted;
    END IF;

    -- In key order: two batches creating the same keys never wait for each other in a cycle.
    INSERT INTO subject_keys (tenant, subject, key)
    SELECT s.item->>0, s.item->>1, decode(s.item->>2, 'base64')
    FROM jsonb_array_elements(checks->'keys') AS s(item)
    ORDER BY s.item->>0, s.item->>1;

    RETURN QUERY
    WITH ev AS (
        INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data, schema_version)
        SELECT * FROM jsonb_to_recordset(writes->'events') AS x(
            tenant text, stream text, version int, type text, occurred_at timestamptz, message_id text,
            actor text, data jsonb, schema_version int)
        RETURNING events.tenant, events.message_id, events.stream, events.version, events.position,
                  events.transaction_id, events.hash
    ), refs AS (
        SELECT ev.tenant, ev.message_id,
               jsonb_agg(jsonb_build_object('stream', ev.stream, 'version', ev.version, 'position', ev.position)
                         ORDER BY ev.position) AS events,
               jsonb_object_agg(ev.position::text, ev.hash) AS hashes
        FROM ev GROUP BY ev.tenant, ev.message_id
    ), oc AS (
        INSERT INTO outcomes (tenant, message_id, status, reason, detail, message_type, raw_sealed, raw_size,
                              raw_dropped, raw_dropped_at, door, events, event_hashes, source)
        SELECT o.tenant, o.message_id, o.status, o.reason, o.detail, o.message_type,
               CASE WHEN NOT names.erased THEN decode(o.raw_sealed, 'base64') END, o.raw_size,
               CASE WHEN names.erased THEN 'erased' END, CASE WHEN names.erased THEN clock_timestamp() END,
               door, CASE WHEN o.status = 'accepted' THEN refs.events END,
               CASE WHEN o.status = 'accepted' THEN refs.hashes END, o.source
        FROM jsonb_to_recordset(writes->'outcomes') AS o(
            tenant text, message_id text, status text, reason text, detail text, message_type text,
            raw_sealed text, raw_size int, mentions jsonb, source text)
        LEFT JOIN refs ON refs.tenant = o.tenant AND refs.message_id = o.message_id
        CROSS JOIN LATERAL (
            SELECT o.raw_sealed IS NOT NULL AND jsonb_array_length(coalesce(o.mentions, '[]')) > 0
                   AND EXISTS (SELECT 1 FROM subject_keys AS k
                               WHERE k.tenant = o.tenant AND k.key IS NULL
                                 AND k.subject IN (SELECT jsonb_array_elements_text(o.mentions))) AS erased
        ) AS names
        RETURNING 1
    ), dup AS (
        INSERT INTO duplicates (tenant, message_id, door)
        SELECT d.item->>0, d.item->>1, door FROM jsonb_array_elements(writes->'duplicates') AS d(item)
        RETURNING 1
    )
    SELECT 'written'::text, ev.tenant, ev.message_id, ev.stream, ev.version, NULL::text,
           ((SELECT count(*) FROM oc) + (SELECT count(*) FROM dup))::text,
           ev.position, ev.transaction_id::text, NULL::bytea
    FROM ev;
END
$$;
