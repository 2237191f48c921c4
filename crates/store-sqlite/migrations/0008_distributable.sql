-- Version 8 is PostgreSQL's distributable-by-unit change (every unique constraint of a table split
-- by unit includes its unit column; see crates/store-postgres/migrations/0008_distributable.sql).
-- An SQLite database is one file on one node: it keeps its unique index on the dossier code, and
-- this version does nothing here. It exists so that both backends number the same schema steps
-- alike. Databases made before the numbers were aligned (0008 = unit_daily, 0009 = issued) are
-- renumbered by the store before migrating (SqliteStore::migrate).
SELECT 1;
