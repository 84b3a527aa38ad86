"""The facts the HR manager's actions (CONTRACT.md §7) need beyond the KPI tables: the follow-up date of each
development review, and every manager check-in on a booking. Rows as reported, keyed by the event's seq (a
review's row shares the seq of its row in ``reviews``), each with when it became known (``recorded_at``, see
``known``)."""

from projections.model import ReadIndex

ACTION_TABLES = """
-- DevelopmentReviewHeld with a follow_up_on; the review itself (held_on, education_item) is in reviews.
CREATE TABLE IF NOT EXISTS {s}.review_follow_ups (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    employee_id     text COLLATE "C"    NOT NULL,
    follow_up_on    date    NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- Every ManagerCheckInHeld as reported.
CREATE TABLE IF NOT EXISTS {s}.check_ins (
    tenant          text COLLATE "C"    NOT NULL,
    seq             bigint  NOT NULL,
    booking_id      text COLLATE "C"    NOT NULL,
    held_on         date    NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, seq)
);
"""


# Only the reads use these.
ACTION_READ_INDEXES = (
    ReadIndex("check_ins_by_booking", "check_ins", "(tenant, booking_id, held_on)"),
    ReadIndex("reviews_by_employee", "reviews", "(tenant, employee_id, held_on)"),
)

def action_tables(schema: str) -> str:
    return ACTION_TABLES.replace("{s}", schema)
