-- Settings the server keeps (the receipt key: the secret printed on a receipt is derived from it)
-- and an index to list the audit entries of one dossier (who viewed it).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX audit_log_by_target ON audit_log (chain, target);
