-- Distributable by unit, Citus-style: every primary key and unique constraint of a table that is
-- split by unit must include its unit column, because a shard can only enforce uniqueness over
-- its own rows. The one exception was the unique index on the dossier code alone. Codes stay
-- unique by construction (`<unit code>-YYMMDD-NNNN`, numbered from the unit's daily sequence
-- row, locked in the dossier's transaction; a unit code is in force in one structure at a time)
-- and the primary key (unit_id, code) still enforces it per unit. Look-ups by code keep an
-- index. Checked on the live schema by crates/store-tests/tests/distributable.rs.
DROP INDEX dossiers_by_code;
CREATE INDEX dossiers_code ON dossiers (code);
