-- The erased employees of a tenant, on their own: the append (eduplan_append_sealed, 150) asks, for every
-- rejected message it keeps, whether one of the strings the message mentions names an erased employee
-- (subject_keys.key IS NULL). Answered from the primary key, that read every personal-data key of the tenant
-- and filtered them (~1,000 rows per rejected message at 40 k keys, growing with the tenant); this partial
-- index holds only the erased ones, usually none. subject_keys has one row per employee: building it is quick.
CREATE INDEX IF NOT EXISTS subject_keys_erased ON subject_keys (tenant, subject) WHERE key IS NULL;
