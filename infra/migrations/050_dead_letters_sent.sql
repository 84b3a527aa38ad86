-- The Kafka door's rejected messages whose copy on the dead-letter topic the broker has acknowledged
-- (written after the acknowledgement). A message read again after a crash is a duplicate; when its
-- first outcome was a rejection at the Kafka door and it is not listed here, it is copied again: dead
-- letters are at least once. Messages without a readable tenant or message_id are never duplicates (a
-- re-read one is rejected again, and so copied again), so only identified ones are listed.

CREATE TABLE IF NOT EXISTS dead_letters_sent (
    tenant      text        NOT NULL,
    message_id  text        NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant, message_id)
);
