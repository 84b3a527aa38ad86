-- Appending a batch whose decisions read other streams than the ones they write.
--
-- eduplan_append (020) locks only the streams a batch writes. A decision also reads other streams (the
-- employee a booking is for, the agreement it references, a buddy, a manager, a gap), and a writer of
-- such a stream that had not committed yet when the batch checked it could land before the batch in
-- log order: a booking after its employee's departure. This function also takes a shared lock on every
-- stream the batch only reads, so no other batch can write it between the check and the commit:
--   * write_locks: the streams the batch appends to (exclusive);
--   * read_locks:  the other streams its decisions read (shared; a key in both lists is exclusive).
-- All keys are taken in one pass in ascending order, whatever their mode, so two batches never wait
-- for each other in a cycle. The locks come before anything else, so before this transaction has an
-- id: a batch that waited for a writer of a stream it reads gets a larger transaction id than that
-- writer, and a writer that waits for the batch gets a larger one than the batch. Readers order the
-- log by transaction id, so every decision sees exactly the events that precede it in log order.
--
-- Checks, writes and result rows as in eduplan_append (020); a row of kind 'seen' also carries the
-- first outcome's message type.

CREATE OR REPLACE FUNCTION eduplan_append_checked(
    write_locks bigint[], read_locks bigint[], checks jsonb, writes jsonb, door text
)
RETURNS TABLE (
    r_kind text, r_tenant text, r_name text, r_stream text, r_version int, r_type text, r_data text,
    r_position bigint, r_xid text, r_key bytea
) LANGUAGE plpgsql AS $$
DECLARE
    lock_key bigint;
    exclusive boolean;
BEGIN
    FOR lock_key, exclusive IN
        SELECT k, bool_or(x) FROM (
            SELECT k, true AS x FROM unnest(write_locks) AS k
            UNION ALL
            SELECT k, false FROM unnest(read_locks) AS k
        ) AS wanted GROUP BY k ORDER BY k
    LOOP
        IF exclusive THEN
            PERFORM pg_advisory_xact_lock(lock_key);
        ELSE
            PERFORM pg_advisory_xact_lock_shared(lock_key);
        END IF;
    END LOOP;

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
