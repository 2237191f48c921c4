-- Files submitted with a dossier (online intake): stored with the dossier, in the same
-- transaction, keyed like the dossier so they move with its unit; the SHA-256 identifies the content.
CREATE TABLE documents (
    unit_id BIGINT NOT NULL,
    code TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (unit_id, code, seq)
);
