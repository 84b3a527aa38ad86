-- An agreement's bookings under its lock (CONTRACT §8: a plan whose agreements stopped being plannable is
-- refused; H1: an agreement with a live booking linked is not plannable). The planning assistant checks a plan
-- against the projections, then sends its bookings through the intake; another process may book one of its
-- agreements in between (by hand, or from another plan). No stream holds that link — a CourseBooked is written
-- to its booking's stream and only reads the agreement's — so the bookings' decisions could not see it.
--
-- checks.linked (new, optional): [[tenant, agreement_id, [booking ids known]], ...], one item per plan booking
-- the batch accepts. The check returns, as 'linked' rows (r_name = the agreement, r_stream = the booking's
-- stream, r_data = the CourseBooked's data), every live booking of that agreement whose id is not among the
-- known ones (the booking's own id, and the ones the caller was already told of): a CourseBooked of the tenant
-- whose data.agreement_id is the agreement, its stream without a CourseCancelled. As with the other checks,
-- such a row means nothing is written; the caller decides again (its booking is then refused, invalid_state).
-- A caller whose batch holds no plan booking sends no 'linked': its append runs as before, but for one test of
-- `checks ? 'linked'`. The check is a statement of its own per item, not a branch of the other checks' statement,
-- whose planner estimate it would raise (a hundred items assumed, each a lookup) for every append, with or
-- without plan bookings: past jit_above_cost on a large log, for a server or connection that has JIT on (the
-- service's own pools turn it off, infra.db.SESSION_SETTINGS).
--
-- The lock: a plan booking takes its agreement stream's lock exclusively (services/core/checks.py,
-- Prepared.exclusive_streams), every other booking of the agreement takes it shared (it reads that stream).
-- So the two are decided one after the other: a booking that got the lock first keeps it until its commit is
-- visible, and this check, a statement of its own after the lock statement (READ COMMITTED: a fresh snapshot),
-- sees it. A booking that waits for the plan booking's lock comes after it, and is no business of this check
-- (other bookings are decided as before). Two plan bookings of one agreement are decided one after the other too.
--
-- The booking's cancellation is looked up as a subquery of its own, in version order (OFFSET 0 keeps it one): by
-- the stream key, (tenant, stream, version), whatever plan the session keeps. As a join, planned while the log
-- was small (no statistics yet), it could take the tenant as its only key and read the tenant's whole part of
-- the log for every booking found (see 152_chain_lookup_by_key.sql).
--
-- events_agreement_bookings makes the check an index lookup. CREATE INDEX (not CONCURRENTLY: migrations run in a
-- transaction) holds a SHARE lock on events while it is built: appends wait for it, readers do not. On a large log
-- it can be built beforehand with CREATE INDEX CONCURRENTLY under this name; IF NOT EXISTS then skips it here.
--
-- eduplan_append_sealed (150) again, unchanged but for the 'linked' check.

CREATE INDEX IF NOT EXISTS events_agreement_bookings ON events (tenant, (data->>'agreement_id'))
    WHERE type = 'CourseBooked' AND data->>'agreement_id' IS NOT NULL;

CREATE OR REPLACE FUNCTION eduplan_append_sealed(
    write_locks bigint[], read_locks bigint[], raw_locks bigint[], checks jsonb, writes jsonb, door text
)
RETURNS TABLE (
    r_kind text, r_tenant text, r_name text, r_stream text, r_version int, r_type text, r_data text,
    r_position bigint, r_xid text, r_key bytea
) LANGUAGE plpgsql AS $$
DECLARE
    news boolean;
    linked_item jsonb;
BEGIN
    -- One statement, the keys in ascending order (the sorted subquery is evaluated before the locks),
    -- each exclusive when the batch writes that stream (or a plan booking reads that agreement's bookings),
    -- else shared.
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
    news := FOUND;
    -- Plan bookings only: an index lookup per agreement, each a statement of its own (see above).
    IF checks ? 'linked' THEN
        FOR linked_item IN SELECT jsonb_array_elements(checks->'linked') LOOP
            RETURN QUERY
            SELECT 'linked'::text, x.tenant, linked_item->>1, x.stream, x.version, x.type, x.data::text, x.position,
                   NULL::text, NULL::bytea
            FROM events AS x
            WHERE x.tenant = linked_item->>0 AND x.type = 'CourseBooked'
              AND x.data->>'agreement_id' = linked_item->>1
              AND NOT ((linked_item->2) ? (x.data->>'booking_id'))
              AND NOT EXISTS (SELECT FROM events AS c
                              WHERE c.tenant = x.tenant AND c.stream = x.stream AND c.version > x.version
                                AND c.type = 'CourseCancelled'
                              ORDER BY c.version OFFSET 0);
            news := news OR FOUND;
        END LOOP;
    END IF;
    IF news THEN
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
