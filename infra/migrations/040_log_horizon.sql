-- The readers' horizon, and the rule it rests on: a transaction appends to the log only while it holds
-- advisory locks of its streams, taken before its first write.
--
-- Readers follow the log in (transaction_id, position) order and read, in a later statement with a
-- fresh snapshot, only the rows below eduplan_log_horizon(): a transaction id such that no transaction
-- below it that could still append to the log is running. Nothing can then commit behind a reader's
-- cursor, and each stream comes out in version order (a stream's lock is taken before the first write,
-- so a later append to a stream gets a larger transaction id).
--
-- Which transactions can still append: those that hold (or wait for) a one-key advisory lock in this
-- database — every append takes its streams' locks (pg_advisory_xact_lock(bigint), see 020_append.sql)
-- before it writes anything, so before it has a transaction id, and keeps them until it ends (so at the
-- top level of its transaction, not in a savepoint that may be rolled back) — and the
-- prepared (two-phase) transactions of this database, which keep their locks and transaction id without
-- a session. Transactions that never append (a projection folding a batch, ANALYZE, the relay moving its
-- checkpoint, work in other databases of the server) hold no reader back, however long they run.
--
-- Why it is exact (S = the snapshot taken first, L = the look at pg_locks, A = the look at the sessions'
-- transaction ids after it, P = the look at the prepared transactions after that, R = the reader's
-- snapshot, taken after the function returns):
--   * an appender whose transaction id was assigned after S has an id >= xmax(S), at or above the horizon;
--   * an appender with an id in S's running list that still runs at L holds its locks at L (it took them
--     before it had an id, before S); if it still runs at A, A shows its id on its session; if it
--     was prepared meanwhile, its prepared transaction was listed before its session let go of the id,
--     so P shows it unless it has ended; either way its id is counted;
--   * an appender that ended before L, A or P ended before R: R sees all it wrote.
-- So every appender with an id below the returned horizon has ended before R. pg_locks,
-- pg_prepared_xacts and (after pg_stat_clear_snapshot) pg_stat_activity are read afresh at every
-- call, even within one transaction (pg_stat_activity alone would be frozen at its first use in the
-- transaction). The function must run in READ COMMITTED (a repeatable-read transaction would read with
-- the first statement's snapshot, older than the horizon): it refuses otherwise.
--
-- On a hot standby no lock or session of the primary is visible, so the horizon is the xmin of the
-- standby's snapshot: every transaction of the whole primary that has not ended as far as the standby
-- has replayed holds it back (correct, only more conservative).

CREATE OR REPLACE FUNCTION eduplan_log_horizon() RETURNS xid8 LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    snap pg_snapshot := pg_current_snapshot();
    appenders int[];
    running bigint[] := '{}';
    horizon xid8;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'the log horizon needs a READ COMMITTED transaction, not %',
            current_setting('transaction_isolation')
            USING HINT = 'compute the horizon in one statement and read the log in a later one';
    END IF;
    IF pg_is_in_recovery() THEN
        RETURN pg_snapshot_xmin(snap);
    END IF;
    IF pg_snapshot_xmin(snap) = pg_snapshot_xmax(snap) THEN
        RETURN pg_snapshot_xmax(snap);  -- no transaction with an id was running on the server
    END IF;
    SELECT array_agg(DISTINCT l.pid) INTO appenders
    FROM pg_locks AS l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.pid IS NOT NULL
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
    IF appenders IS NOT NULL THEN
        PERFORM pg_stat_clear_snapshot();
        running := ARRAY(SELECT backend_xid::text::bigint FROM pg_stat_activity
                         WHERE pid = ANY (appenders) AND backend_xid IS NOT NULL);
    END IF;
    running := running || ARRAY(SELECT transaction::text::bigint FROM pg_prepared_xacts
                                WHERE database = current_database());
    -- Sessions and prepared transactions show 32-bit ids; the snapshot's running ids are within 2^31 of
    -- each other, so their low 32 bits name them uniquely.
    SELECT min(x) INTO horizon FROM pg_snapshot_xip(snap) AS x
    WHERE (x::text::numeric % 4294967296)::bigint = ANY (running);
    RETURN coalesce(horizon, pg_snapshot_xmax(snap));
END
$$;

-- The rule, checked where it can be: a transaction's first event row is refused unless the transaction
-- holds a one-key advisory lock in this database (that it took it before its first write cannot be seen
-- from here; eduplan_append does). Checked once per transaction: the trigger marks the transaction.
CREATE OR REPLACE FUNCTION events_are_appended_under_stream_locks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_locks
        WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND objsubid = 1 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    ) THEN
        RAISE EXCEPTION 'an event is appended only by a transaction holding its stream''s advisory lock'
            USING HINT = 'take pg_advisory_xact_lock(<stream key>) before the first write, as eduplan_append does',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM set_config('eduplan.appends_under_locks', 'checked', true);
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS events_appended_under_stream_locks ON events;
CREATE TRIGGER events_appended_under_stream_locks BEFORE INSERT ON events
    FOR EACH ROW WHEN (current_setting('eduplan.appends_under_locks', true) IS DISTINCT FROM 'checked')
    EXECUTE FUNCTION events_are_appended_under_stream_locks();
