-- Every outcome records the transaction that decided it, so a rejection has its place in log order too:
-- readers order the log by (transaction_id, position); an outcome's transaction_id puts an accepted
-- message beside its event and a rejected one between the events that were known when it was decided.
-- Outcomes stored before this migration keep NULL.
ALTER TABLE outcomes ADD COLUMN IF NOT EXISTS transaction_id xid8;
ALTER TABLE outcomes ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id();
