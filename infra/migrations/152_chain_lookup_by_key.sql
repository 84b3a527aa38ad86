-- events_chain_hash (140) again, unchanged but for how it finds the previous event of the stream.
--
-- PL/pgSQL keeps the plan of that look-up for the session. Planned while the log was small (a new database,
-- statistics not yet gathered), the (tenant, stream, version) key and events_tenant_commit_order
-- (tenant, transaction_id, position) cost the same, and the plan could take the second: every event appended
-- afterwards on that connection read all of its tenant's events to find one (a bulk ingest fell to a few
-- hundred events per second after 200 k events). Asked as the last version below NEW.version (a range of
-- one version, so the same event) in version order, the look-up is cheaper on the key, which gives that
-- order without a sort, at any size: the plan no longer depends on when it was made.

CREATE OR REPLACE FUNCTION events_chain_hash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = 1 THEN
        NEW.prev_hash := repeat('0', 64);
    ELSE
        NEW.prev_hash := (SELECT e.hash FROM events AS e
                          WHERE e.tenant = NEW.tenant AND e.stream = NEW.stream
                            AND e.version < NEW.version AND e.version >= NEW.version - 1
                          ORDER BY e.version DESC LIMIT 1);
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
