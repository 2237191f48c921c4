-- Staff accounts (store::accounts): users with Argon2id password hashes, their role grants on
-- units, browser sessions and API tokens. Secrets are stored only as SHA-256 hashes (hex).
-- Instants: INTEGER microseconds since the Unix epoch (UTC), as everywhere else.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL
);

-- A role (its stable name, store::access::Role::as_str) granted on a unit and its subtree.
CREATE TABLE user_grants (
    user_id INTEGER NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, role, unit_id)
) WITHOUT ROWID;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- roles: comma-separated stable role names.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
