-- The daily counters rolled up by month (month = year * 12 + month - 1), kept in the same
-- transaction as stat_daily, so that a board over a year reads twelve rows per unit and field
-- instead of hundreds. Filled from stat_daily for databases that already hold dossiers.
CREATE TABLE stat_monthly (
    unit_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
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
    PRIMARY KEY (unit_id, month, field)
) WITHOUT ROWID;
INSERT INTO stat_monthly (unit_id, month, field, received_counter, received_post, received_online, received_national_portal, settled_early, settled_on_time, settled_late, returned, withdrawn)
SELECT unit_id, (CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1) AS month, field, SUM(received_counter), SUM(received_post), SUM(received_online), SUM(received_national_portal), SUM(settled_early), SUM(settled_on_time), SUM(settled_late), SUM(returned), SUM(withdrawn)
FROM stat_daily GROUP BY unit_id, (CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1), field;
-- The board's days at the edges of a period are read by day across all units.
CREATE INDEX stat_daily_by_day ON stat_daily (day);
