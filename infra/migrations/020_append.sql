-- Appending a batch in one round trip (and one implicit transaction).
--
-- The caller has decided its batch against stream states it believes current. Under the target
-- streams' locks (taken before anything else, so before this transaction has an id), the function
-- checks those beliefs against the log, each check in a fresh snapshot taken after the locks:
--   * message ids of the batch that already have an outcome        -> rows of kind 'seen'
--   * events newer than the caller's version of each stream          -> rows of kind 'event'
--   * personal-data keys the caller means to create but that exist   -> rows of kind 'key'
-- If any check finds something, nothing is written and the findings come back: the caller folds
-- them in, decides again and calls again. Otherwise events, outcomes and duplicate receipts are
-- written and the appended events come back as rows of kind 'written'. A writer that races past the
-- checks (a key or an outcome created between check and insert) makes the insert fail with a unique
-- violation, which the caller retries.

-- The batch comes as two JSON documents (cheap to send: one parameter each instead of an array per
-- column):
--   checks: {"seen": [[tenant, message_id], ...], "streams": [[tenant, stream, version], ...],
--            "keys": [[tenant, subject, base64 key], ...]}
--   writes: {"events": [{tenant, stream, version, type, occurred_at, message_id, actor, data,
--                        schema_version}, ...],
--            "outcomes": [{tenant, message_id, status, reason, detail, message_type, raw (base64),
--                          raw_size}, ...],
--            "duplicates": [[tenant, message_id], ...]}
-- Events are inserted in the order given (positions follow it).

CREATE OR REPLACE FUNCTION eduplan_append(lock_keys bigint[], checks jsonb, writes jsonb, door text)
RETURNS TABLE (
    r_kind text, r_tenant text, r_name text, r_stream text, r_version int, r_type text, r_data text,
    r_position bigint, r_xid text, r_key bytea
) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM (SELECT k FROM unnest(lock_keys) AS k ORDER BY k) AS sorted;

    RETURN QUERY
    SELECT 'seen'::text, o.tenant, o.message_id, NULL::text, NULL::int, o.status,
           jsonb_build_object('reason', o.reason, 'detail', o.detail, 'events', o.events)::text,
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

    INSERT INTO subject_keys (tenant, subject, key)
    SELECT s.item->>0, s.item->>1, decode(s.item->>2, 'base64')
    FROM jsonb_array_elements(checks->'keys') AS s(item);

    RETURN QUERY
    WITH ev AS (
        INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data, schema_version)
        SELECT * FROM jsonb_to_recordset(writes->'events') AS x(
            tenant text, stream text, version int, type text, occurred_at timestamptz, message_id text,
            actor text, data jsonb, schema_version int)
        RETURNING events.tenant, events.message_id, events.stream, events.version, events.position,
                  events.transaction_id
    ), refs AS (
        SELECT ev.tenant, ev.message_id,
               jsonb_agg(jsonb_build_object('stream', ev.stream, 'version', ev.version, 'position', ev.position)
                         ORDER BY ev.position) AS events
        FROM ev GROUP BY ev.tenant, ev.message_id
    ), oc AS (
        INSERT INTO outcomes (tenant, message_id, status, reason, detail, message_type, raw, raw_size, door, events)
        SELECT o.tenant, o.message_id, o.status, o.reason, o.detail, o.message_type, decode(o.raw, 'base64'),
               o.raw_size, door, CASE WHEN o.status = 'accepted' THEN refs.events END
        FROM jsonb_to_recordset(writes->'outcomes') AS o(
            tenant text, message_id text, status text, reason text, detail text, message_type text, raw text,
            raw_size int)
        LEFT JOIN refs ON refs.tenant = o.tenant AND refs.message_id = o.message_id
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
