-- Documents the administration issues for a dossier (the one-stop forms of Circular 01/2018:
-- receipt, supplement request, refusal, apology), rendered and signed before the transition's
-- transaction and stored in it, one per event: `seq` is the event that issued it, and that
-- event's payload carries the same SHA-256 (content addressing: the hash names the bytes, and the
-- public verification page finds a document by it). Keyed by unit like the dossier. A rowid
-- table, not WITHOUT ROWID like the others: its rows are PDFs of tens of kilobytes, which SQLite
-- keeps in overflow pages better behind a rowid (https://sqlite.org/withoutrowid.html §4).
CREATE TABLE issued_documents (
    unit_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    form TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    signatures INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (unit_id, code, seq)
);
CREATE INDEX issued_documents_by_hash ON issued_documents (sha256);
-- Issued documents are kept as issued, like the events that name them.
CREATE TRIGGER issued_documents_no_update BEFORE UPDATE ON issued_documents
    BEGIN SELECT RAISE(ABORT, 'issued documents are append-only'); END;
CREATE TRIGGER issued_documents_no_delete BEFORE DELETE ON issued_documents
    BEGIN SELECT RAISE(ABORT, 'issued documents are append-only'); END;
