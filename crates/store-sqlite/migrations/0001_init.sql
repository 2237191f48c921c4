-- motcua schema, version 1 (SQLite). Instants: BIGINT microseconds since the Unix epoch (UTC).
-- Days: INTEGER day numbers since 1970-01-01 (civil dates in Asia/Ho_Chi_Minh).
-- Large tables are keyed by (unit_id, ...) so they can be distributed by unit later. Tables read
-- by key ranges (events of a dossier, statistics of a unit over days) are WITHOUT ROWID, i.e.
-- stored in their primary key's order, so a range is one sequential read.

CREATE TABLE structures (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    effective_from INTEGER NOT NULL,
    effective_to INTEGER,
    source TEXT NOT NULL
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    structure TEXT NOT NULL REFERENCES structures (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_kind TEXT,
    parent_code TEXT,
    parent_id INTEGER,
    head TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT,
    UNIQUE (structure, code)
);
CREATE INDEX units_code ON units (code);

CREATE TABLE procedures (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    effective_from INTEGER NOT NULL,
    effective_to INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE code_sequences (
    unit_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (unit_id, day)
) WITHOUT ROWID;

CREATE TABLE dossiers (
    unit_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    current_unit_id INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    field TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    legal_due INTEGER,
    appointment INTEGER,
    state TEXT NOT NULL,
    PRIMARY KEY (unit_id, code)
);
CREATE UNIQUE INDEX dossiers_by_code ON dossiers (code);
CREATE INDEX dossiers_queue ON dossiers (current_unit_id, status, appointment);

CREATE TABLE applicants (
    unit_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    PRIMARY KEY (unit_id, code)
) WITHOUT ROWID;

CREATE TABLE intake_keys (
    unit_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (unit_id, key)
) WITHOUT ROWID;

CREATE TABLE events (
    unit_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (unit_id, code, seq)
) WITHOUT ROWID;
-- The event log is append-only.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE stat_daily (
    unit_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    field TEXT NOT NULL,
    received_counter INTEGER NOT NULL DEFAULT 0,
    received_post INTEGER NOT NULL DEFAULT 0,
    received_online INTEGER NOT NULL DEFAULT 0,
    received_national_portal INTEGER NOT NULL DEFAULT 0,
    settled_early INTEGER NOT NULL DEFAULT 0,
    settled_on_time INTEGER NOT NULL DEFAULT 0,
    settled_late INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, day, procedure, field)
) WITHOUT ROWID;

CREATE TABLE stat_due_opened (
    unit_id INTEGER NOT NULL,
    due_day INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    field TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (unit_id, due_day, procedure, field)
) WITHOUT ROWID;

CREATE TABLE stat_due_closed (
    unit_id INTEGER NOT NULL,
    close_day INTEGER NOT NULL,
    due_day INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    field TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (unit_id, close_day, due_day, procedure, field)
) WITHOUT ROWID;

CREATE TABLE stat_steps (
    unit_id INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    step INTEGER NOT NULL,
    day INTEGER NOT NULL,
    count INTEGER NOT NULL,
    spent_seconds INTEGER NOT NULL,
    over_budget INTEGER NOT NULL,
    PRIMARY KEY (unit_id, procedure, step, day)
) WITHOUT ROWID;
