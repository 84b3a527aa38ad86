-- Access tokens of the HTTP door and the dashboard's sign-in sessions (README, "Access").
--
-- A token is shown once, when it is created; only the SHA-256 of its text is kept. Its public id (part
-- of the token's text) names it in lists and in `eduplan tokens revoke`. A revoked token stays here:
-- a service that ever had a token never falls back to answering without one.

CREATE TABLE IF NOT EXISTS access_tokens (
    id           text        PRIMARY KEY,
    digest       bytea       NOT NULL,
    role         text        NOT NULL,
    tenant       text,                    -- NULL: every tenant
    name         text,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- A dashboard session: the cookie holds a random session id, this table its SHA-256. A session ends
-- on sign-out (ended_at), at expires_at, or when its token is revoked; an ended one is never taken back.
CREATE TABLE IF NOT EXISTS dashboard_sessions (
    digest     bytea       PRIMARY KEY,
    token_id   text        NOT NULL REFERENCES access_tokens (id),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz
);

CREATE INDEX IF NOT EXISTS dashboard_sessions_expiry ON dashboard_sessions (expires_at);
