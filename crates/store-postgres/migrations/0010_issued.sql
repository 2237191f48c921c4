-- Documents the administration issues for a dossier (the one-stop forms of Circular 01/2018:
-- receipt, supplement request, refusal, apology), rendered and signed before the transition's
-- transaction and stored in it, one per event: `seq` is the event that issued it, and that
-- event's payload carries the same SHA-256 (content addressing: the hash names the bytes, and the
-- public verification page finds a document by it). Keyed by unit like the dossier (the primary
-- key includes unit_id; the hash index is not unique, see 0008).
CREATE TABLE issued_documents (
    unit_id BIGINT NOT NULL,
    code TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    form TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    signatures BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (unit_id, code, seq)
);
CREATE INDEX issued_documents_by_hash ON issued_documents (sha256);
-- Issued documents are kept as issued, like the events that name them.
CREATE FUNCTION issued_documents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued documents are append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER issued_documents_no_update BEFORE UPDATE ON issued_documents
    FOR EACH ROW EXECUTE FUNCTION issued_documents_append_only();
CREATE TRIGGER issued_documents_no_delete BEFORE DELETE ON issued_documents
    FOR EACH ROW EXECUTE FUNCTION issued_documents_append_only();
CREATE TRIGGER issued_documents_no_truncate BEFORE TRUNCATE ON issued_documents
    FOR EACH STATEMENT EXECUTE FUNCTION issued_documents_append_only();
